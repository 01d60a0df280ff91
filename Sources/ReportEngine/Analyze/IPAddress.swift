#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IPv4 or IPv6 address, held as bytes (4 or 16), printed in its canonical text form.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// Parses dotted-quad IPv4 or any IPv6 text form (an `IPv6:` prefix and brackets are allowed).
    public init?(_ text: some StringProtocol) {
        let parsed = text.utf8.withContiguousStorageIfAvailable(IPAddress.parse) ?? Array(text.utf8).withUnsafeBufferPointer(IPAddress.parse)
        guard let parsed else { return nil }
        bytes = parsed
    }

    /// `init(_:)` on UTF-8 text.
    init?(utf8 text: UnsafeBufferPointer<UInt8>) {
        guard let parsed = IPAddress.parse(text) else { return nil }
        bytes = parsed
    }

    /// The address bytes of the text, or nil when it is not an address.
    private static func parse(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var lo = 0
        var hi = text.count
        func isSpaceOrBracket(_ c: UInt8) -> Bool { c == 0x5B || c == 0x5D || c == 0x20 || c == 0x09 }
        while lo < hi, isSpaceOrBracket(text[lo]) { lo += 1 }
        while hi > lo, isSpaceOrBracket(text[hi - 1]) { hi -= 1 }
        if hi - lo >= 5, Bytes.has("ipv6:", in: text, at: lo) { lo += 5 }
        if let pct = (lo..<hi).first(where: { text[$0] == 0x25 }) { hi = pct }  // zone id
        guard hi > lo, hi - lo <= 45 else { return nil }
        let t = UnsafeBufferPointer(rebasing: text[lo..<hi])
        if t.contains(0x3A) {
            var a = in6_addr()
            var z = [CChar](repeating: 0, count: t.count + 1)
            for (k, c) in t.enumerated() { z[k] = CChar(bitPattern: c) }
            guard inet_pton(AF_INET6, z, &a) == 1 else { return nil }
            return withUnsafeBytes(of: &a) { Array($0) }
        }
        // Four groups of one to three ASCII digits, each at most 255 and without a leading zero
        // (what inet_pton accepts), read here: this runs for every token that may be an address.
        var out: [UInt8] = []
        out.reserveCapacity(4)
        var value = 0
        var digits = 0
        for c in t {
            if c == 0x2E {
                guard digits > 0, out.count < 3 else { return nil }
                out.append(UInt8(value))
                value = 0
                digits = 0
                continue
            }
            guard Bytes.isDigit(c), digits < 3 else { return nil }
            if digits == 1, value == 0 { return nil }  // a leading zero
            value = value * 10 + Int(c - 0x30)
            digits += 1
            guard value <= 255 else { return nil }
        }
        guard digits > 0, out.count == 3 else { return nil }
        out.append(UInt8(value))
        return out
    }

    public init(bytes: [UInt8]) { self.bytes = bytes }

    public var isIPv4: Bool { bytes.count == 4 }

    public var description: String {
        var buf = [CChar](repeating: 0, count: 64)
        var copy = bytes
        let family = isIPv4 ? AF_INET : AF_INET6
        let ok = copy.withUnsafeMutableBytes { inet_ntop(family, $0.baseAddress, &buf, socklen_t(buf.count)) != nil }
        return ok ? String(cString: buf) : ""
    }

    /// Loopback, private (RFC 1918, RFC 4193), link-local, CGNAT, documentation, multicast and other
    /// special-purpose ranges (RFC 6890): never the public source of a message.
    public var isPrivateOrReserved: Bool {
        IPAddress.reserved.contains { $0.contains(self) }
    }

    /// An address block such as `192.0.2.0/24`.
    public struct Network: Sendable, Hashable {
        public let base: IPAddress
        public let prefix: Int

        public init?(_ text: String) {
            let parts = text.split(separator: "/", maxSplits: 1)
            guard let first = parts.first, let ip = IPAddress(first) else { return nil }
            let maxPrefix = ip.bytes.count * 8
            let p = parts.count == 2 ? Int(parts[1]) : maxPrefix
            guard let p, p >= 0, p <= maxPrefix else { return nil }
            base = ip
            prefix = p
        }

        public func contains(_ ip: IPAddress) -> Bool {
            var mapped = ip
            if ip.bytes.count == 16, base.bytes.count == 4,
                ip.bytes[0..<10].allSatisfy({ $0 == 0 }), ip.bytes[10] == 0xFF, ip.bytes[11] == 0xFF
            {
                mapped = IPAddress(bytes: Array(ip.bytes[12...]))
            }
            guard mapped.bytes.count == base.bytes.count else { return false }
            var bits = prefix
            for i in 0..<base.bytes.count where bits > 0 {
                let take = min(8, bits)
                let mask: UInt8 = take == 8 ? 0xFF : ~(0xFF >> UInt8(take))
                if mapped.bytes[i] & mask != base.bytes[i] & mask { return false }
                bits -= take
            }
            return true
        }
    }

    static let reserved: [Network] = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
        "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
        "::/128", "::1/128", "::ffff:0:0/96", "64:ff9b:1::/48", "100::/64", "2001:db8::/32", "2001::/23",
        "fc00::/7", "fe80::/10", "ff00::/8",
    ].compactMap { Network($0) }
}
