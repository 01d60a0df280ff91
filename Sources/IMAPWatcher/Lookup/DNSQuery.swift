internal import CDNS

/// DNS queries through glibc's resolver, to the system's servers or to one given as `host:port`.
public struct DNSQuery: Sendable {
    public let server: String?
    public let port: Int
    public let timeout: Int

    /// - Parameter server: `127.0.0.1:5353`, an IPv4 address (port 53), or nil for /etc/resolv.conf.
    public init(server: String?, timeout: Int = 5) {
        if let server, let colon = server.lastIndex(of: ":") {
            self.server = String(server[..<colon])
            self.port = Int(server[server.index(after: colon)...]) ?? 53
        } else {
            self.server = server
            self.port = 53
        }
        self.timeout = timeout
    }

    /// The records of one type (`1` A, `28` AAAA, `2` NS, `16` TXT, `12` PTR); empty for NXDOMAIN or no data.
    /// - Throws: `MailError(.connection)` when no answer came.
    public func query(_ name: String, type: Int32) throws(MailError) -> [String] {
        var records = [cdns_record](repeating: cdns_record(), count: 32)
        var rcode: Int32 = 0
        let n = records.withUnsafeMutableBufferPointer { buf in
            cdns_query(name, type, server, Int32(port), Int32(timeout), buf.baseAddress, Int32(buf.count), &rcode)
        }
        let where_ = server.map { "\($0):\(port)" } ?? "the system resolver"
        guard n >= 0 else {
            throw MailError(.connection, server: where_, command: "DNS \(name)", message: "no answer (timeout, refused or server failure)")
        }
        return (0..<Int(n)).map { i in
            withUnsafeBytes(of: records[i].text) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self).lowercased() }
        }
    }
}
