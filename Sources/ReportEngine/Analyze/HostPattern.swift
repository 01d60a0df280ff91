/// A host name pattern from the configuration: `mx.example.net` matches that name exactly,
/// `*.example.net` matches every subdomain of example.net at any depth (not example.net itself),
/// and an IPv4/IPv6 address or CIDR block (`192.0.2.0/24`) matches addresses.
public struct HostPattern: Sendable, Hashable {
    public let text: String
    private let suffix: String?
    private let network: IPAddress.Network?

    public init(_ text: String) {
        let t = text.lowercased().trimmingCharacters(in: " \t.")
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
        let h = host.lowercased().trimmingCharacters(in: " \t.[]")
        if h.isEmpty { return false }
        if let network {
            guard let ip = IPAddress(h) else { return false }
            return network.contains(ip)
        }
        if let suffix { return h.hasSuffix(suffix) && h.count > suffix.count }
        return h == text
    }

    /// Whether any of `patterns` matches any of `candidates`.
    public static func any(_ patterns: [HostPattern], match candidates: [String]) -> Bool {
        candidates.contains { c in patterns.contains { $0.matches(c) } }
    }
}
