import CPSL

/// Domain-name facts from maintained C libraries: the Public Suffix List through libpsl (the
/// distribution's list, `/usr/share/publicsuffix`, or libpsl's built-in copy), and IDNA 2008 / UTS #46
/// A-labels through libidn2. Nothing here touches the network.
public enum DomainName {
    private final class Context: @unchecked Sendable {
        let psl: OpaquePointer?
        init() {
            psl = psl_latest(nil) ?? psl_builtin()
        }
    }
    private static let context = Context()

    /// Whether the PSL is loaded (false only on a broken installation).
    public static var isAvailable: Bool { context.psl != nil }

    /// The A-label (punycode) form of `host`, lower-cased; nil when it is not a valid IDN.
    public static func toASCII(_ host: String) -> String? {
        let lower = host.lowercased()
        if lower.allSatisfy({ $0.isASCII }) { return lower }
        for flags in [Int32(IDN2_NFC_INPUT.rawValue | IDN2_NONTRANSITIONAL.rawValue), Int32(IDN2_NFC_INPUT.rawValue | IDN2_TRANSITIONAL.rawValue)] {
            var out: UnsafeMutablePointer<CChar>?
            let rc = idn2_to_ascii_8z(lower, &out, flags)
            if rc == IDN2_OK.rawValue, let out {
                defer { idn2_free(out) }
                return String(cString: out).lowercased()
            }
        }
        return nil
    }

    /// The registrable domain ("eTLD+1") of an A-label host, or nil for a public suffix itself or an unknown TLD.
    public static func registrableDomain(_ host: String) -> String? {
        guard let psl = context.psl else { return nil }
        let h = host.lowercased().trimmingCharacters(in: ".")
        guard h.contains("."), isKnownTLD(String(h.split(separator: ".").last!)) else { return nil }
        // libpsl returns a pointer into its argument, so read it while the argument is alive.
        return h.withCString { p in psl_registrable_domain(psl, p).map { String(cString: $0) } }
    }

    /// Whether `label` is a top-level domain in the ICANN section of the list (e.g. `com`, `jp`, `xn--p1ai`).
    public static func isKnownTLD(_ label: String) -> Bool {
        guard let psl = context.psl, !label.isEmpty else { return false }
        let l = label.lowercased()
        return psl_is_public_suffix2(psl, l, Int32(PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE)) != 0
    }
}
