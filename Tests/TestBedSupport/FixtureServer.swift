import Foundation

/// A loopback server that answers from recorded responses, for WHOIS (one line in, the answer out,
/// close) or HTTP (a GET in, a JSON answer out). It counts what it was asked; a `trap` server only
/// counts connections. Stops when released.
public final class FixtureServer: @unchecked Sendable {
    public enum Mode: Sendable { case whois, http, trap }

    public let port: UInt16
    private let fd: Int32
    private let mode: Mode
    private let lock = NSLock()
    private var answers: [String: String]
    private var _queries: [String] = []
    private var _connections = 0
    private var running = true

    /// - Parameter answers: query (WHOIS line, or HTTP path) → response text. A response of
    ///   `"<silence>"` accepts and never answers (a stalled server).
    public init(mode: Mode, answers: [String: String] = [:], port wanted: UInt16 = 0) throws {
        self.mode = mode
        self.answers = answers
        let (fd, port) = try loopbackListener(port: wanted)
        self.fd = fd
        self.port = port
        let thread = Thread { [weak self] in self?.serve() }
        thread.start()
    }

    deinit {
        running = false
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    public var address: String { "127.0.0.1:\(port)" }

    /// Replaces the recorded answers.
    public func setAnswers(_ answers: [String: String]) {
        lock.lock(); defer { lock.unlock() }
        self.answers = answers
    }
    public var queries: [String] { lock.lock(); defer { lock.unlock() }; return _queries }
    public var connections: Int { lock.lock(); defer { lock.unlock() }; return _connections }

    private func serve() {
        while running {
            let client = accept(fd, nil, nil)
            if client < 0 { if !running { return }; continue }
            lock.lock(); _connections += 1; lock.unlock()
            Thread { [weak self] in self?.handle(client) }.start()
        }
    }

    private func handle(_ client: Int32) {
        defer { close(client) }
        if mode == .trap { return }
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        while !request.contains(0x0A) {
            let n = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return }
            request += buffer[0..<n]
        }
        let firstLine = String(decoding: request.prefix { $0 != 0x0A }, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let key: String
        if mode == .http {
            key = firstLine.split(separator: " ").dropFirst().first.map(String.init) ?? ""
        } else {
            key = firstLine
        }
        lock.lock()
        _queries.append(key)
        let answer = answers[key]
        lock.unlock()
        if answer == "<silence>" {
            Thread.sleep(forTimeInterval: 30)
            return
        }
        var response: [UInt8]
        if mode == .http {
            let body = Array((answer ?? "{\"errorCode\":404}").utf8)
            let status = answer == nil ? "404 Not Found" : "200 OK"
            response = Array("HTTP/1.1 \(status)\r\nContent-Type: application/rdap+json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8) + body
        } else {
            response = Array((answer ?? "No match for \"\(key)\".\r\n").utf8)
        }
        _ = response.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }
}
