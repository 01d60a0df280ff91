import Foundation
#if canImport(Glibc)
    import Glibc
#endif
import TestBedSupport
import Testing

/// TLS that must be refused, each with exit 78 and a line that names the cause, and never a login
/// in clear: an expired certificate, a certificate for another name, a CA nobody configured, and a
/// plain `imap://` server that offers no STARTTLS.
@Suite(.serialized, .enabled(if: TestBed.isRunning, "the test bed (scripts/testbed.sh) is not running"))
struct TLSRefusalTests {
    let dir: String

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("watcher-tls-\(UUID().uuidString.prefix(6))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: dir + "/pass", contents: Data("very-secret-password".utf8), attributes: [.posixPermissions: 0o600])
    }

    func config(url: String, ca: String?) throws -> String {
        let path = dir + "/c-\(UUID().uuidString.prefix(4)).toml"
        try """
            [imap]
            url = "\(url)"
            user = "user20@example.test"
            password_file = "\(dir)/pass"
            \(ca.map { "ca_file = \"\($0)\"" } ?? "")

            [state]
            path = "\(dir)/state.sqlite"
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func anExpiredCertificateIsRefused() throws {
        let server = try #require(TestBed.expiredTLS)
        let r = try CLI.run(["check", "--config", try config(url: server.url, ca: server.ca)])
        #expect(r.status == 78, "\(r.stdout)")
        #expect(r.stdout.contains("FAIL  IMAP login") && r.stdout.contains("TLS certificate is not trusted") && r.stdout.contains("expired"), "\(r.stdout)")
    }

    @Test func aCertificateForAnotherNameIsRefused() throws {
        let server = try #require(TestBed.wrongNameTLS)
        let r = try CLI.run(["check", "--config", try config(url: server.url, ca: server.ca)])
        #expect(r.status == 78, "\(r.stdout)")
        #expect(r.stdout.contains("TLS certificate is not trusted"), "\(r.stdout)")
        #expect(r.stdout.lowercased().contains("name"), "says the name does not match: \(r.stdout)")
    }

    @Test func aCANobodyConfiguredIsRefused() throws {
        let r = try CLI.run(["run", "--config", try config(url: TestBed.imapsURL!, ca: nil)])
        #expect(r.status == 78, "\(r.stderr)")
        #expect(r.stderr.contains("TLS certificate is not trusted (set ca_file"), "\(r.stderr)")
    }

    @Test func aServerWithoutSTARTTLSNeverSeesTheLogin() throws {
        let server = try PlainIMAPServer()
        for command in ["check", "run"] {
            let r = try CLI.run([command, "--config", try config(url: "imap://127.0.0.1:\(server.port)", ca: nil)])
            #expect(r.status == 78, "\(command): \(r.stdout) \(r.stderr)")
            #expect((r.stdout + r.stderr).contains("offers no STARTTLS, and a login without TLS is refused"), "\(r.stdout) \(r.stderr)")
        }
        let heard = server.received
        #expect(server.connections >= 2)
        #expect(!heard.contains("very-secret-password") && !heard.uppercased().contains("LOGIN ") && !heard.uppercased().contains("AUTHENTICATE"), "\(heard)")
    }
}

/// A loopback IMAP server that offers no TLS and answers CAPABILITY only; it keeps what it hears.
final class PlainIMAPServer: @unchecked Sendable {
    let port: UInt16
    private let fd: Int32
    private let lock = NSLock()
    private var heard = ""
    private var count = 0

    var received: String { lock.withLock { heard } }
    var connections: Int { lock.withLock { count } }

    init() throws {
        (fd, port) = try loopbackListener(backlog: 8)
        Thread.detachNewThread { [self] in
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { return }
                lock.withLock { count += 1 }
                serve(client)
            }
        }
    }

    deinit { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }

    private func send(_ client: Int32, _ text: String) {
        _ = text.utf8CString.withUnsafeBufferPointer { Glibc.send(client, $0.baseAddress!, $0.count - 1, Int32(MSG_NOSIGNAL)) }
    }

    private func serve(_ client: Int32) {
        defer { close(client) }
        send(client, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=LOGIN] plain text only\r\n")
        var buffer = [UInt8](repeating: 0, count: 4096)
        var pending = ""
        while true {
            let n = read(client, &buffer, buffer.count)
            if n <= 0 { return }
            let text = String(decoding: buffer[0..<n], as: UTF8.self)
            lock.withLock { heard += text }
            pending += text
            while let end = pending.range(of: "\r\n") {
                let line = String(pending[..<end.lowerBound])
                pending = String(pending[end.upperBound...])
                let tag = line.split(separator: " ").first.map(String.init) ?? "*"
                if line.uppercased().contains("CAPABILITY") {
                    send(client, "* CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=LOGIN\r\n\(tag) OK done\r\n")
                } else {
                    send(client, "\(tag) BAD not here\r\n")
                }
            }
        }
    }
}
