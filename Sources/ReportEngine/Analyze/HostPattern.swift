/// A host name pattern from the configuration: `mx.example.net` matches that name exactly,
/// `*.example.net` matches every subdomain of example.net at any depth (not example.net itself),
/// and an IPv4/IPv6 address or CIDR block (`192.0.2.0/24`) matches addresses. A leading `!` makes
/// an exception: in a list, the first pattern that matches decides (`["!192.0.2.9", "192.0.2.0/24"]`).
public struct HostPattern: Sendable, Hashable {
    public let text: String
    /// Whether a match excludes rather than includes.
    public let negated: Bool
    private let suffix: String?
    private let network: IPAddress.Network?

    public init(_ text: String) {
        var t = text.lowercased().trimmingCharacters(in: " \t.")
        negated = t.hasPrefix("!")
        if negated { t = String(t.dropFirst()).trimmingCharacters(in: " \t.") }
        self.text = t
        if t.hasPrefix("*.") {
            suffix = String(t.dropFirst(1))
            network = nil
        } else {
            suffix = nil
            network = IPAddress.Network(t)
        }
    }

    /// Whether a host name or address matches.
    public func matches(_ host: String) -> Bool {
        matches(normalized: HostPattern.normalize(host))
    }

    static func normalize(_ host: String) -> String { host.lowercased().trimmingCharacters(in: " \t.[]") }

    func matches(normalized h: String) -> Bool {
        if h.isEmpty { return false }
        if let network {
            guard let ip = IPAddress(h) else { return false }
            return network.contains(ip)
        }
        if let suffix { return h.hasSuffix(suffix) && h.count > suffix.count }
        return h == text
    }

    /// Whether `patterns` admit any of `candidates`: for each candidate the first matching pattern
    /// decides, and an exception for one candidate (say the address) outweighs a match of another
    /// (its name).
    public static func any(_ patterns: [HostPattern], match candidates: [String]) -> Bool {
        var admitted = false
        for c in candidates {
            let h = normalize(c)  // once, not once per pattern
            guard let first = patterns.first(where: { $0.matches(normalized: h) }) else { continue }
            if first.negated { return false }
            admitted = true
        }
        return admitted
    }
}
