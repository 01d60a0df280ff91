import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// WHOIS over TCP (RFC 3912): send the query and CRLF, read until the server closes.
public struct WhoisQuery: Sendable {
    public let timeout: Int

    public init(timeout: Int = 10) { self.timeout = timeout }

    /// Asks `server` (`host` or `host:port`, port 43 by default).
    /// - Throws: `MailError(.connection)` naming the server when it cannot be reached or stalls.
    public func ask(_ query: String, server: String) throws(MailError) -> [UInt8] {
        var host = server
        var port = "43"
        if server.filter({ $0 == ":" }).count == 1, let colon = server.lastIndex(of: ":") {
            host = String(server[..<colon])
            port = String(server[server.index(after: colon)...])
        }
        func fail(_ message: String, _ kind: MailError.Kind = .connection) -> MailError {
            MailError(kind, server: "whois \(server)", command: "query", message: message)
        }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, port, &hints, &list) == 0, let first = list else { throw fail("cannot resolve \(host)") }
        defer { freeaddrinfo(list) }
        var fd: Int32 = -1
        var connectErrno: Int32 = 0
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let a = node {
            fd = socket(a.pointee.ai_family, a.pointee.ai_socktype, a.pointee.ai_protocol)
            if fd >= 0 {
                var tv = timeval(tv_sec: timeout, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                if connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 { break }
                connectErrno = errno
                close(fd)
                fd = -1
            }
            node = a.pointee.ai_next
        }
        guard fd >= 0 else {
            let stalled = connectErrno == EINPROGRESS || connectErrno == EAGAIN || connectErrno == ETIMEDOUT
            throw stalled ? fail("no connection in \(timeout) s", .timeout) : fail("connection refused or unreachable")
        }
        defer { close(fd) }
        let request = Array((query + "\r\n").utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else { throw fail("cannot send the query") }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while answer.count < 4_000_000 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                throw errno == EAGAIN || errno == EWOULDBLOCK ? fail("no answer in \(timeout) s", .timeout) : fail("connection broken")
            }
            answer += buffer[0..<n]
        }
        return answer
    }
}
