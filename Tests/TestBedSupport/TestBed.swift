import Foundation

/// The servers `scripts/testbed.sh start` runs on 127.0.0.1, read from its env file
/// (`$WATCHER_TESTBED/env`, default `/tmp/watcher-testbed/env`). Nil fields when it is not running;
/// live tests are enabled only then.
public enum TestBed {
    static let values: [String: String] = {
        let base = ProcessInfo.processInfo.environment["WATCHER_TESTBED"] ?? "/tmp/watcher-testbed"
        guard let text = try? String(contentsOfFile: base + "/env", encoding: .utf8) else { return [:] }
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            out[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        // Only a test bed that answers counts.
        return reachable(port: 10143) ? out : [:]
    }()

    public static var imapURL: String? { values["IMAP_URL"] }
    public static var imapsURL: String? { values["IMAPS_URL"] }
    public static var smtpURL: String? { values["SMTP_URL"] }
    public static var caFile: String? { values["CA_FILE"] }
    public static var password: String { values["PASSWORD"] ?? "" }
    public static var sinkUser: String { values["SINK_USER"] ?? "" }
    public static var sinkPassword: String { values["SINK_PASSWORD"] ?? "" }
    public static var isRunning: Bool { imapURL != nil }
    public static var dnsServer: String? { values["DNS_SERVER"] }
    /// The strict Dovecot: OAuth logins only, Japanese folder names found by SPECIAL-USE, no keywords.
    public static var strictURL: String? { values["STRICT_IMAPS_URL"] }
    public static var strictUser: String { values["STRICT_USER"] ?? "" }
    /// A file holding a valid access token (a JWT the strict Dovecot checks against its key).
    public static var strictTokenFile: String { values["STRICT_TOKEN_FILE"] ?? "" }
    /// TLS servers to refuse: an expired certificate and one for another name, each with its own CA file.
    public static var expiredTLS: (url: String, ca: String)? { values["EXPIRED_TLS_URL"].map { ($0, values["EXPIRED_TLS_CA"] ?? "") } }
    public static var wrongNameTLS: (url: String, ca: String)? { values["WRONG_NAME_TLS_URL"].map { ($0, values["WRONG_NAME_TLS_CA"] ?? "") } }
    /// Dovecot's log: each login is a line `imap-login: Info: Login: user=<…>`.
    public static var dovecotLog: String? { values["DOVECOT_LOG"] }

    /// How many times `user` has logged in to Dovecot so far.
    public static func logins(of user: String) -> Int {
        guard let path = dovecotLog, let text = try? String(contentsOfFile: path, encoding: .utf8) else { return 0 }
        return text.components(separatedBy: "imap-login: Info: Login: user=<\(user)>").count - 1
    }

    /// Postfix's log: each refused recipient is a line `NOQUEUE: reject: RCPT from …`.
    public static var postfixLog: String? { values["POSTFIX_LOG"] }

    /// How many times Postfix has answered a RCPT for `recipient` with a refusal so far.
    public static func refusals(of recipient: String) -> Int {
        guard let path = postfixLog, let text = try? String(contentsOfFile: path, encoding: .utf8) else { return 0 }
        return text.split(separator: "\n").filter { $0.contains("NOQUEUE: reject: RCPT") && $0.contains("<\(recipient)>") }.count
    }

    /// A test user of its own for each test that needs one (user1 … user32).
    public static func user(_ n: Int) -> String { "user\(n)@example.test" }

    static func reachable(port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
