import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// A socket listening on 127.0.0.1 (`port` 0: any free one): its descriptor and port.
public func loopbackListener(port wanted: UInt16 = 0, backlog: Int32 = 64) throws -> (fd: Int32, port: UInt16) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var yes: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = wanted.bigEndian
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    guard bound == 0, listen(fd, backlog) == 0 else {
        close(fd)
        throw CocoaError(.fileWriteUnknown)
    }
    var out = sockaddr_in()
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &out) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return (fd, UInt16(bigEndian: out.sin_port))
}

/// A TCP proxy on loopback in front of a test-bed server that breaks connections as told: each new
/// connection asks `plan` (with its number, from 0) whether to pass everything, to cut both ways
/// once so many bytes went through, or to stall there (stop passing bytes, keep the sockets open).
/// TLS passes through untouched: the client still talks to the real server.
public final class FaultProxy: @unchecked Sendable {
    public enum Fault: Sendable, Hashable {
        case none
        case cut(after: Int)
        case stall(after: Int)
    }

    public let port: UInt16
    private let fd: Int32
    private let target: UInt16
    private let lock = NSLock()
    private var planner: @Sendable (Int) -> Fault
    private var count = 0
    private var open: [Int32] = []

    public init(target: UInt16, plan: @escaping @Sendable (Int) -> Fault) throws {
        (fd, port) = try loopbackListener()
        self.target = target
        planner = plan
        Thread.detachNewThread { [weak self] in
            while let self {
                let client = accept(self.fd, nil, nil)
                if client < 0 { return }
                self.start(client)
            }
        }
    }

    /// Changes what later connections get.
    public func plan(_ plan: @escaping @Sendable (Int) -> Fault) { lock.withLock { planner = plan } }

    /// Calls `body` with each chunk a client sends, just before it goes on to the server: over a plain-text
    /// protocol a test can act at the moment a command goes by. When `body` returns true, nothing more
    /// the server sends on that connection reaches the client (the server took the command; its answer
    /// is lost, as when the server dies before it goes out), until the server closes it.
    public func observeClient(_ body: @escaping @Sendable ([UInt8]) -> Bool) { lock.withLock { observer = body } }
    private var observer: (@Sendable ([UInt8]) -> Bool)?

    /// Cuts every connection open now, both ways, as a network that drops them would.
    public func cutAll() {
        let sockets = lock.withLock { () -> [Int32] in
            defer { open.removeAll() }
            return open
        }
        for s in sockets { shutdown(s, Int32(SHUT_RDWR)) }
    }

    /// How many connections came so far.
    public var connections: Int { lock.withLock { count } }

    deinit {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
        for s in lock.withLock({ open }) { shutdown(s, Int32(SHUT_RDWR)) }
    }

    private func start(_ client: Int32) {
        let (n, fault) = lock.withLock { () -> (Int, Fault) in
            defer { count += 1 }
            return (count, planner(count))
        }
        _ = n
        let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = target.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard connected == 0 else {
            close(server)
            close(client)
            return
        }
        lock.withLock { open += [client, server] }
        // The bytes that went through, both ways, shared by the two pumps.
        let passed = Counter()
        let limit: Int? = switch fault {
        case .none: nil
        case .cut(let after), .stall(let after): after
        }
        let stall = if case .stall = fault { true } else { false }
        let observer = lock.withLock { self.observer }
        let held = Flag()
        for (from, to) in [(client, server), (server, client)] {
            let observe = from == client ? observer : nil
            let replies = from == server
            Thread.detachNewThread {
                var buffer = [UInt8](repeating: 0, count: 16384)
                while true {
                    let n = read(from, &buffer, buffer.count)
                    if n <= 0 { break }
                    var send = n
                    if let limit {
                        let before = passed.add(n)
                        send = max(0, min(n, limit - before))
                    }
                    if replies, held.isSet { continue }
                    // Looked at before it goes on: the server cannot answer before the hold is in place.
                    if let observe, observe(Array(buffer[0..<send])) { held.set() }
                    var done = 0
                    while done < send {
                        // send, not write: a peer that went away must not raise SIGPIPE in the test process.
                        let w = buffer.withUnsafeBufferPointer { Glibc.send(to, $0.baseAddress! + done, send - done, Int32(MSG_NOSIGNAL)) }
                        if w <= 0 { break }
                        done += w
                    }
                    if send < n {
                        if stall {
                            // Keep both sockets open and pass nothing more until the client gives up.
                            while read(from, &buffer, buffer.count) > 0 {}
                        }
                        break
                    }
                }
                shutdown(from, Int32(SHUT_RDWR))
                shutdown(to, Int32(SHUT_RDWR))
            }
        }
    }

    private final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        var isSet: Bool { lock.withLock { value } }
        func set() { lock.withLock { value = true } }
    }

    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        /// Adds `n`; returns the value before.
        func add(_ n: Int) -> Int { lock.withLock { defer { value += n }; return value } }
    }
}
