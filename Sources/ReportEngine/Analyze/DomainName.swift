import CPSL
import Foundation

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

    /// Top-level labels that the list names only through rules below them (`za` has `co.za`,
    /// `ck` has `*.ck`), read from the distribution's list text beside the compiled file. Read on
    /// first need only: most names have a top-level label libpsl knows itself.
    private static let tldsWithRulesBelow: Set<String> = {
        var candidates = ["/usr/share/publicsuffix/public_suffix_list.dat"]
        if let dist = psl_dist_filename().map({ String(cString: $0) }), dist.hasSuffix(".dafsa") {
            candidates.insert(String(dist.dropLast(6)) + ".dat", at: 0)
        }
        guard let data = candidates.lazy.compactMap({ FileManager.default.contents(atPath: $0) }).first else { return [] }
        var tlds: Set<String> = []
        var icann = false
        // Bytes, not String lines: the list has some 10,000 lines and this runs in every process.
        // Its rules come grouped by top-level label, so a label like the line before's is skipped
        // before a String is made or hashed.
        var previous: ArraySlice<UInt8> = []
        for var line in Bytes.lines([UInt8](data)[...]) {
            if line.first == 0x2F, line.dropFirst().first == 0x2F {
                // A comment, or ("// ===") the start or end of a section.
                guard line.dropFirst(3).first == 0x3D else { continue }
                if line.starts(with: "// ===BEGIN ICANN DOMAINS===".utf8) { icann = true }
                if line.starts(with: "// ===END ICANN DOMAINS===".utf8) { break }
                continue
            }
            guard icann else { continue }
            while let b = line.last, b == 0x20 || b == 0x09 || b == 0x0D { line = line.dropLast() }
            var label = line.lastIndex(of: 0x2E).map { line[($0 + 1)...] } ?? line
            while let b = label.first, b == 0x20 || b == 0x09 { label = label.dropFirst() }
            if label.elementsEqual(previous) { continue }
            previous = label
            if !label.isEmpty, Bytes.isASCII(label) { tlds.insert(Bytes.lowercasedString(label)) }
        }
        return tlds
    }()

    /// Whether the PSL is loaded (false only on a broken installation).
    public static var isAvailable: Bool { context.psl != nil }

    /// The A-label (punycode) form of `host`, lower-cased; nil when it is not a valid IDN.
    public static func toASCII(_ host: String) -> String? {
        let lower = host.lowercased()
        if Bytes.isASCII(lower.utf8) { return lower }
        for flags in [Int32(IDN2_NFC_INPUT.rawValue | IDN2_NONTRANSITIONAL.rawValue), Int32(IDN2_NFC_INPUT.rawValue | IDN2_TRANSITIONAL.rawValue)] {
            var out: UnsafeMutablePointer<CChar>?
            let rc = idn2_to_ascii_8z(lower, &out, flags)
            if rc == IDN2_OK.rawValue, let out {
                defer { idn2_free(out) }
                return String(cString: out).lowercased()
            }
        }
        return lenientToASCII(lower)
    }

    /// What browsers do with labels that IDNA 2008 refuses but UTS #46 allows (symbols such as ✪,
    /// which registries like .ws sell): compatibility-normalise, lower-case, and Punycode-encode.
    /// Labels with white space, controls or ASCII punctuation other than `-` and `_` stay refused.
    static func lenientToASCII(_ host: String) -> String? {
        var labels: [String] = []
        for label in host.precomposedStringWithCompatibilityMapping.lowercased().split(separator: ".", omittingEmptySubsequences: false) {
            let scalars = Array(label.unicodeScalars)
            guard !scalars.isEmpty else { return nil }
            for c in scalars {
                if c.isASCII {
                    guard c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "-" || c == "_" else { return nil }
                } else if c.properties.isWhitespace || c.properties.generalCategory == .control
                    || c.properties.generalCategory == .format || c.properties.generalCategory == .unassigned
                {
                    return nil
                }
            }
            if scalars.allSatisfy(\.isASCII) {
                labels.append(String(label))
            } else {
                labels.append("xn--" + punycode(scalars.map(\.value)))
            }
        }
        return labels.joined(separator: ".")
    }

    /// Punycode (RFC 3492 §6.3) of one label.
    static func punycode(_ input: [UInt32]) -> String {
        let base = 36, tmin = 1, tmax = 26, skew = 38, damp = 700
        var n = 128, delta = 0, bias = 72
        var output = String(String.UnicodeScalarView(input.filter { $0 < 0x80 }.compactMap(Unicode.Scalar.init)))
        let basic = output.unicodeScalars.count
        var handled = basic
        if basic > 0 { output.append("-") }
        func adapt(_ delta: Int, _ points: Int, _ first: Bool) -> Int {
            var d = first ? delta / damp : delta / 2
            d += d / points
            var k = 0
            while d > ((base - tmin) * tmax) / 2 {
                d /= base - tmin
                k += base
            }
            return k + (base - tmin + 1) * d / (d + skew)
        }
        func digit(_ d: Int) -> Character { Character(Unicode.Scalar(UInt8(d < 26 ? 97 + d : 22 + d))) }
        let codes = input.map(Int.init)
        while handled < codes.count {
            let m = codes.filter { $0 >= n }.min()!
            delta += (m - n) * (handled + 1)
            n = m
            for c in codes {
                if c < n { delta += 1 }
                guard c == n else { continue }
                var q = delta
                var k = base
                while true {
                    let t = k <= bias ? tmin : (k >= bias + tmax ? tmax : k - bias)
                    if q < t { break }
                    output.append(digit(t + (q - t) % (base - t)))
                    q = (q - t) / (base - t)
                    k += base
                }
                output.append(digit(q))
                bias = adapt(delta, handled + 1, handled == basic)
                delta = 0
                handled += 1
            }
            delta += 1
            n += 1
        }
        return output
    }

    /// The first answer `lookup` gives for `name` or a name it ends in at a label boundary, the name
    /// itself first (`a.b.example.jp`, `b.example.jp`, `example.jp`, `jp`).
    static func firstMatch<T>(_ name: String, _ lookup: (String) -> T?) -> T? {
        var rest = Substring(name)
        while true {
            if let found = lookup(String(rest)) { return found }
            guard let dot = rest.firstIndex(of: ".") else { return nil }
            rest = rest[rest.index(after: dot)...]
        }
    }

    /// The registrable domain ("eTLD+1") of an A-label host, or nil for a public suffix itself or an unknown TLD.
    /// The answers are kept: the same hosts come back in message after message, and each answer
    /// costs libpsl some ten thousand instructions.
    public static func registrableDomain(_ host: String) -> String? {
        if let known = registrableCache.answer(for: host) { return known }
        let answer = lookUpRegistrableDomain(host)
        registrableCache.keep(answer, for: host)
        return answer
    }

    /// Answers of `registrableDomain` by host, shared by the threads; it starts afresh when full,
    /// so its size stays bounded whatever the hosts a spammer writes.
    private final class AnswerCache: @unchecked Sendable {
        private let lock = NSLock()
        private var answers: [String: String?] = [:]
        static let capacity = 4096

        func answer(for host: String) -> String?? {
            lock.lock()
            defer { lock.unlock() }
            return answers[host]
        }

        func keep(_ answer: String?, for host: String) {
            lock.lock()
            defer { lock.unlock() }
            if answers.count >= Self.capacity { answers.removeAll(keepingCapacity: true) }
            answers[host] = answer
        }
    }
    private static let registrableCache = AnswerCache()

    private static func lookUpRegistrableDomain(_ host: String) -> String? {
        guard let psl = context.psl else { return nil }
        let h = host.lowercased().trimmingCharacters(in: ".")
        // The label after the last dot (the host is an A-label: a "." byte is a dot).
        guard let dot = h.utf8.lastIndex(of: 0x2E), isKnownTLD(String(Substring(h.utf8[h.utf8.index(after: dot)...]))) else { return nil }
        // libpsl returns a pointer into its argument, so read it while the argument is alive.
        return h.withCString { p in psl_registrable_domain(psl, p).map { String(cString: $0) } }
    }

    /// Whether `label` is a top-level domain in the ICANN section of the list (e.g. `com`, `jp`, `xn--p1ai`).
    public static func isKnownTLD(_ label: String) -> Bool {
        guard let psl = context.psl, !label.isEmpty else { return false }
        let l = label.lowercased()
        return psl_is_public_suffix2(psl, l, Int32(PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE)) != 0
            || tldsWithRulesBelow.contains(l)
    }
}
