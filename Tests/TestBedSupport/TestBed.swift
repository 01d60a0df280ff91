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

    /// The restartable Dovecot: plain IMAP over the same users and mailboxes, and its configuration.
    public static var restartURL: String? { values["RESTART_IMAP_URL"] }
    public static var restartConfig: String? { values["RESTART_DOVECOT_CONF"] }

    /// Stops a Dovecot of the test bed (its master, as an operator would), waits `pause` seconds, starts
    /// it again and waits until `answers()` says it serves again (at most 20 s). False when it did not.
    @discardableResult
    public static func restartDovecot(config: String, pause: TimeInterval = 0, answers: () -> Bool) -> Bool {
        let run = (config as NSString).deletingLastPathComponent + "/run"
        if let text = try? String(contentsOfFile: run + "/master.pid", encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            kill(pid, SIGTERM)
            // Gone, or a zombie nobody reaps (the master was daemonized: its parent is this machine's
            // init, which may reap late), which Dovecot would still take for a running master.
            func running() -> Bool {
                guard kill(pid, 0) == 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
                return !stat.contains(") Z ")
            }
            for _ in 0..<200 where running() { usleep(50_000) }
            if running() { kill(pid, SIGKILL); usleep(200_000) }
        }
        try? FileManager.default.removeItem(atPath: run + "/master.pid")
        if pause > 0 { usleep(useconds_t(pause * 1_000_000)) }
        // posix_spawn and waitpid, not Foundation's Process: dovecot forks its master and exits at
        // once, and Process.waitUntilExit missed that exit in a soak and waited forever.
        var child: pid_t = 0
        let words: [String] = ["/usr/sbin/dovecot", "-c", config]
        var argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) }
        argv.append(nil)
        defer { argv.forEach { free($0) } }
        // Its standard streams on /dev/null: a daemon that kept the test's output open would keep
        // whatever reads that output (swift test) waiting after the tests end.
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd in [Int32(0), 1, 2] { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
        // No signal blocked: a test thread blocks most of them, a child inherits that mask, and a
        // master spawned with it ignored the SIGTERM of the next restart.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        guard posix_spawn(&child, "/usr/sbin/dovecot", &actions, &attributes, argv, environ) == 0 else { return false }
        var status: Int32 = 0
        waitpid(child, &status, 0)
        for _ in 0..<200 {
            if answers() { return true }
            usleep(100_000)
        }
        return false
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
