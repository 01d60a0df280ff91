internal import CCurl
import Foundation

/// Where and how to reach an IMAP or SMTP server.
public struct ServerConfiguration: Sendable, Hashable {
    /// How the program logs in: a password (LOGIN or SASL PLAIN/LOGIN, as libcurl picks), or an
    /// OAuth 2.0 access token (SASL XOAUTH2 or OAUTHBEARER, RFC 7628).
    public enum Auth: String, Sendable, Hashable, CaseIterable {
        case password, xoauth2, oauthbearer
    }

    /// `imaps://host[:port]` or `imap://host[:port]` (STARTTLS required unless `allowInsecure`).
    public var url: String
    public var user: String
    /// The password, or the access token with OAuth. Never logged or put in an error message.
    public var password: String
    public var auth: Auth = .password
    /// Asked for the password or token at each connection (an access token lives an hour); when
    /// nil, `password` is used. What it throws is shown; it must never hold the secret.
    public var secret: (@Sendable () throws -> String)?
    /// An extra CA certificate (PEM) for a self-signed server; system CAs otherwise.
    public var caFile: String?
    /// Allows a connection without TLS (plain imap://) and skips certificate verification.
    public var allowInsecure: Bool
    /// Seconds to wait for the server at any step.
    public var timeout: Int

    public init(url: String, user: String, password: String, caFile: String? = nil, allowInsecure: Bool = false, timeout: Int = 30) {
        self.url = url
        self.user = user
        self.password = password
        self.caFile = caFile
        self.allowInsecure = allowInsecure
        self.timeout = timeout
    }

    public static func == (a: ServerConfiguration, b: ServerConfiguration) -> Bool {
        a.url == b.url && a.user == b.user && a.password == b.password && a.auth == b.auth && a.caFile == b.caFile
            && a.allowInsecure == b.allowInsecure && a.timeout == b.timeout
    }

    public func hash(into h: inout Hasher) {
        h.combine(url)
        h.combine(user)
        h.combine(auth)
    }

    /// Sets the user and the password or token on `curl`, asking `secret` for it now.
    func applyLogin(to curl: CurlEasy) throws(MailError) {
        let value: String
        if let secret {
            do {
                value = try secret()
            } catch {
                throw MailError(.authentication, server: server, command: "login",
                                message: "cannot get the \(auth == .password ? "password" : "access token"): \(error)")
            }
        } else {
            value = password
        }
        curl.set(CURLOPT_USERNAME, user)
        switch auth {
        case .password:
            curl.set(CURLOPT_PASSWORD, value)
        case .xoauth2, .oauthbearer:
            curl.set(CURLOPT_XOAUTH2_BEARER, value)
            curl.set(CURLOPT_LOGIN_OPTIONS, "AUTH=" + auth.rawValue.uppercased())
        }
    }

    /// `scheme://host:port` without a path, for messages.
    public var server: String {
        guard let r = url.range(of: "://") else { return url }
        let rest = url[r.upperBound...]
        return String(url[..<r.upperBound]) + String(rest.prefix { $0 != "/" })
    }
}

/// What EXAMINE or SELECT reports about a mailbox.
public struct MailboxStatus: Sendable, Hashable {
    public var uidValidity: UInt32
    public var uidNext: UInt32?
    public var exists: Int
    /// The flags a client may set for good (`[PERMANENTFLAGS (…)]`), when the server said; EXAMINE
    /// gets none or an empty list, so only a SELECT tells.
    public var permanentFlags: [String]? = nil

    /// Whether the mailbox keeps a keyword such as `$Reported`: PERMANENTFLAGS has `\*` (new keywords
    /// may be made) or the keyword itself. Nil when the server did not say.
    public func keeps(keyword: String) -> Bool? {
        guard let flags = permanentFlags else { return nil }
        return flags.contains("\\*") || flags.contains { $0.caseInsensitiveCompare(keyword) == .orderedSame }
    }
}

/// A mailbox as LIST shows it: its name and attributes, e.g. `\Junk` (RFC 6154 SPECIAL-USE).
public struct ListedMailbox: Sendable, Hashable {
    public var name: MailboxName
    public var attributes: [String]

    /// Whether it carries `attribute` (`\Junk`, `\Drafts` …), in any case.
    public func has(_ attribute: String) -> Bool {
        attributes.contains { $0.caseInsensitiveCompare(attribute) == .orderedSame }
    }
}

/// A message fetched with `BODY.PEEK[]` (its \Seen flag untouched).
public struct FetchedMessage: Sendable, Hashable {
    public var uid: UInt32
    public var flags: [String]
    public var bytes: [UInt8]
}

/// One authenticated IMAP connection (RFC 3501, with UIDPLUS, MOVE and IDLE where the server has them).
///
/// libcurl connects, negotiates TLS (verified) and logs in (`CURLOPT_CONNECT_ONLY`); this class then
/// speaks IMAP itself over that channel and reads literals by byte count, so batched `UID FETCH …
/// BODY.PEEK[]` works without size limits and without setting \Seen. Not thread-safe: one connection,
/// one thread.
public final class IMAPSession {
    public let configuration: ServerConfiguration
    private let curl: CurlEasy
    private var buffer: [UInt8] = []
    private var position = 0
    private var tagCounter = 0
    private var selected: MailboxName?
    private var selectedReadOnly = true
    private var openStatus: MailboxStatus?
    private var capabilityCache: Set<String>?
    /// An `* N EXISTS` came in some answer since the open mailbox was last searched: new mail the next
    /// IDLE would not announce again.
    private var newMailSeen = false

    /// Connects and logs in.
    /// - Throws: `MailError` (`.connection`, `.authentication`, `.certificate`).
    public convenience init(_ configuration: ServerConfiguration) throws(MailError) {
        do {
            try self.init(configuration, login: true)
        } catch let e where e.kind == .authentication && configuration.auth == .password {
            // Refused: a server that takes no password at all deserves a line that says so.
            guard let offered = IMAPSession.capabilitiesBeforeLogin(configuration),
                offered.contains("LOGINDISABLED") || !offered.contains(where: { $0 == "AUTH=PLAIN" || $0 == "AUTH=LOGIN" })
            else { throw e }
            let oauth = offered.filter { $0 == "AUTH=XOAUTH2" || $0 == "AUTH=OAUTHBEARER" }.sorted()
            throw MailError(.authentication, server: configuration.server, command: "login",
                            message: "the server takes no password (it says " + (offered.contains("LOGINDISABLED") ? "LOGINDISABLED" : "no AUTH=PLAIN")
                                + (oauth.isEmpty ? "" : " and offers \(oauth.joined(separator: ", "))")
                                + "): set auth = \"xoauth2\" or \"oauthbearer\" with a token_command that prints an access token")
        }
    }

    private init(_ configuration: ServerConfiguration, login: Bool) throws(MailError) {
        self.configuration = configuration
        curl = try CurlEasy.forServer(configuration.server)
        curl.set(CURLOPT_URL, configuration.server + "/")
        // Without a user name libcurl connects, negotiates TLS and reads the capabilities, nothing more.
        if login { try configuration.applyLogin(to: curl) }
        curl.set(CURLOPT_CONNECT_ONLY, 1)
        curl.set(CURLOPT_CONNECTTIMEOUT, configuration.timeout)
        // The whole login too: a server that takes the connection and then says nothing (one caught
        // restarting) must not hold a run, or watch, forever.
        curl.set(CURLOPT_TIMEOUT, configuration.timeout * 2)
        curl.configureTLS(url: configuration.url, caFile: configuration.caFile, allowInsecure: configuration.allowInsecure)
        do {
            try curl.perform(operation: login ? "connect and log in" : "connect", url: configuration.server)
        } catch {
            throw MailError(curl: error, server: configuration.server)
        }
    }

    /// What the server offers before a login (AUTH=…, LOGINDISABLED), on a connection of its own;
    /// nil when it cannot be asked.
    static func capabilitiesBeforeLogin(_ configuration: ServerConfiguration) -> Set<String>? {
        guard let probe = try? IMAPSession(configuration, login: false) else { return nil }
        return try? probe.capabilities()
    }

    deinit {
        // Best effort: a polite goodbye, never an error.
        if let _ = try? write("W0 LOGOUT\r\n") {}
    }

    // MARK: - Commands

    /// Every mailbox the server lists, decoded.
    public func list() throws(MailError) -> [MailboxName] {
        try listMailboxes().map(\.name)
    }

    /// What the server says it can do (CAPABILITY), in upper case; asked once a session.
    public func capabilities() throws(MailError) -> Set<String> {
        if let known = capabilityCache { return known }
        let r = try run("CAPABILITY")
        var out = Set<String>()
        for line in r.untagged where line.text.uppercased().hasPrefix("* CAPABILITY ") {
            out.formUnion(line.words.dropFirst(2).map { $0.uppercased() })
        }
        capabilityCache = out
        return out
    }

    /// Every mailbox with its attributes. A server with SPECIAL-USE is asked for those attributes
    /// (`RETURN (SPECIAL-USE)`, RFC 6154 §5.1); others say what they say.
    public func listMailboxes() throws(MailError) -> [ListedMailbox] {
        let special = try capabilities().contains("SPECIAL-USE")
        let r = try run("LIST \"\" \"*\"" + (special ? " RETURN (SPECIAL-USE)" : ""))
        return r.untagged.compactMap { line in
            guard line.text.uppercased().hasPrefix("* LIST ") else { return nil }
            var attributes: [String] = []
            if let open = line.text.firstIndex(of: "("), let close = line.text[open...].firstIndex(of: ")") {
                attributes = line.text[line.text.index(after: open)..<close].split(separator: " ").map(String.init)
            }
            var name = line.literals.first.map { String(decoding: $0, as: UTF8.self) }
            if name == nil {
                let t = line.text
                if t.hasSuffix("\"") {
                    let body = t.dropLast()
                    if let open = body.lastIndex(of: "\"") { name = String(body[body.index(after: open)...]) }
                } else {
                    name = t.split(separator: " ").last.map(String.init)
                }
            }
            return name.map { ListedMailbox(name: MailboxName.decode($0), attributes: attributes) }
        }
    }

    /// The first mailbox that carries the SPECIAL-USE `attribute` (`\Junk`, `\Drafts`, `\Sent`).
    public func mailbox(marked attribute: String) throws(MailError) -> MailboxName? {
        try listMailboxes().first { $0.has(attribute) }?.name
    }

    /// Opens a mailbox read-only (EXAMINE) or read-write (SELECT).
    /// - Throws: `MailError.missingMailbox` when it does not exist.
    @discardableResult
    public func open(_ mailbox: MailboxName, readOnly: Bool) throws(MailError) -> MailboxStatus {
        let command = (readOnly ? "EXAMINE " : "SELECT ") + mailbox.wire
        let r: Response
        do {
            r = try run(command)
        } catch let e where e.kind == .protocolError {
            // A failed SELECT leaves no mailbox selected (RFC 3501 §6.3.1).
            selected = nil
            openStatus = nil
            throw MailError(.missingMailbox, server: configuration.server, command: command,
                            message: "mailbox \"\(mailbox)\" cannot be opened: \(e.message)")
        }
        var status = MailboxStatus(uidValidity: 0, uidNext: nil, exists: 0)
        for line in r.untagged + [r.tagged] {
            if let v = line.code("UIDVALIDITY")?.first.flatMap({ UInt32($0) }) { status.uidValidity = v }
            if let v = line.code("UIDNEXT")?.first.flatMap({ UInt32($0) }) { status.uidNext = v }
            if let flags = line.list(afterCode: "PERMANENTFLAGS") { status.permanentFlags = flags }
            let w = line.words
            if w.count >= 3, w[2].uppercased() == "EXISTS", let n = Int(w[1]) { status.exists = n }
        }
        selected = mailbox
        selectedReadOnly = readOnly
        openStatus = status
        newMailSeen = false
        return status
    }

    /// Opens `mailbox` unless it is already the open one (with at least the access asked for).
    @discardableResult
    public func ensureOpen(_ mailbox: MailboxName, readOnly: Bool) throws(MailError) -> MailboxStatus {
        if let status = openStatus, selected == mailbox, readOnly || !selectedReadOnly { return status }
        let status = try open(mailbox, readOnly: readOnly)
        openStatus = status
        selectedReadOnly = readOnly
        return status
    }

    /// `UID SEARCH <criteria>` in the open mailbox.
    public func uidSearch(_ criteria: String) throws(MailError) -> [UInt32] {
        newMailSeen = false
        let r = try run("UID SEARCH " + criteria)
        var uids: [UInt32] = []
        for line in r.untagged where line.text.uppercased().hasPrefix("* SEARCH") {
            uids += line.words.dropFirst(2).compactMap { UInt32($0) }
        }
        return uids.sorted()
    }

    /// Fetches messages without setting \Seen (`BODY.PEEK[]`), in batches. With `maxBytes`, at most
    /// `maxBytes + 1` octets of each (`BODY.PEEK[]<0.n>`): a message that arrives that long is over
    /// the limit, and a huge one never has to fit in memory.
    public func fetch(uids: [UInt32], batch: Int = 50, maxBytes: Int? = nil) throws(MailError) -> [FetchedMessage] {
        var out: [FetchedMessage] = []
        var start = 0
        let section = maxBytes.map { "BODY.PEEK[]<0.\($0 + 1)>" } ?? "BODY.PEEK[]"
        while start < uids.count {
            let chunk = uids[start..<min(uids.count, start + batch)]
            let r = try run("UID FETCH \(IMAPSession.uidSet(chunk)) (UID FLAGS \(section))")
            for line in r.untagged where line.text.contains(" FETCH ") {
                guard let uid = line.number(after: "UID"), let body = line.literals.last else { continue }
                out.append(FetchedMessage(uid: uid, flags: line.flags, bytes: body))
            }
            start += batch
        }
        return out
    }

    /// The sizes (RFC822.SIZE, octets) of messages, by UID; asked for runs of consecutive UIDs, a few
    /// hundred at a time, so a long backlog never makes an overlong command line.
    public func sizes(uids: [UInt32]) throws(MailError) -> [UInt32: Int] {
        var out: [UInt32: Int] = [:]
        var start = 0
        while start < uids.count {
            let r = try run("UID FETCH \(IMAPSession.uidSet(uids[start..<min(uids.count, start + 500)])) (UID RFC822.SIZE)")
            for line in r.untagged {
                if let uid = line.number(after: "UID"), let size = line.number(after: "RFC822.SIZE") { out[uid] = Int(size) }
            }
            start += 500
        }
        return out
    }

    /// A UID set with runs written as ranges: 3,4,5,9 -> "3:5,9". Every command that names
    /// messages writes its set this way.
    static func uidSet(_ uids: some Sequence<UInt32>) -> String {
        var parts: [String] = []
        var run: (first: UInt32, last: UInt32)?
        func close() {
            guard let run else { return }
            parts.append(run.first == run.last ? "\(run.first)" : "\(run.first):\(run.last)")
        }
        for uid in uids {
            if let r = run, r.last < .max, uid == r.last + 1 {
                run = (r.first, uid)
            } else {
                close()
                run = (uid, uid)
            }
        }
        close()
        return parts.joined(separator: ",")
    }

    /// When the server received a message (INTERNALDATE, RFC 3501 §2.3.3), if it says.
    public func internalDate(uid: UInt32) throws(MailError) -> Date? {
        let r = try run("UID FETCH \(uid) (UID INTERNALDATE)")
        for line in r.untagged {
            guard let start = line.text.range(of: "INTERNALDATE \"", options: .caseInsensitive),
                let end = line.text[start.upperBound...].firstIndex(of: "\"") else { continue }
            let text = line.text[start.upperBound..<end].trimmingCharacters(in: " ")
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.dateFormat = "d-MMM-yyyy HH:mm:ss Z"
            return f.date(from: text)
        }
        return nil
    }

    /// The flags of messages, by UID.
    public func flags(uids: [UInt32]) throws(MailError) -> [UInt32: [String]] {
        guard !uids.isEmpty else { return [:] }
        let r = try run("UID FETCH \(IMAPSession.uidSet(uids)) (UID FLAGS)")
        var out: [UInt32: [String]] = [:]
        for line in r.untagged { if let uid = line.number(after: "UID") { out[uid] = line.flags } }
        return out
    }

    /// Appends a message with flags; returns the new UID when the server says it (UIDPLUS).
    @discardableResult
    public func append(_ message: [UInt8], to mailbox: MailboxName, flags: [String] = []) throws(MailError) -> UInt32? {
        let tag = nextTag()
        let command = "APPEND \(mailbox.wire) (\(flags.joined(separator: " "))) {\(message.count)}"
        try write(tag + " " + command + "\r\n")
        // Wait for the continuation before sending the literal.
        while true {
            let line = try readLine(command: "APPEND")
            if line.isContinuation { break }
            if line.text.hasPrefix(tag + " ") {
                throw refusal(String(line.text.dropFirst(tag.count + 1)), command: "APPEND to \(mailbox)")
            }
        }
        try write(message + Array("\r\n".utf8), command: "APPEND")
        let r = try finish(tag: tag, command: "APPEND to \(mailbox)")
        return r.tagged.code("APPENDUID").flatMap { $0.count >= 2 ? UInt32($0[1]) : nil }
    }

    /// Adds (or removes) flags or keywords on messages in the open mailbox.
    public func store(uids: [UInt32], flags: [String], add: Bool = true) throws(MailError) {
        guard !uids.isEmpty else { return }
        _ = try run("UID STORE \(IMAPSession.uidSet(uids)) \(add ? "+" : "-")FLAGS.SILENT (\(flags.joined(separator: " ")))")
    }

    /// Moves messages to another mailbox (MOVE, RFC 6851; COPY + \Deleted + UID EXPUNGE without it).
    /// A mailbox the server says does not exist yet (`[TRYCREATE]`, RFC 3501 §6.4.7) is created and
    /// the move tried once more.
    public func move(uids: [UInt32], to mailbox: MailboxName) throws(MailError) {
        guard !uids.isEmpty else { return }
        let set = IMAPSession.uidSet(uids)
        let canMove = try capabilities().contains("MOVE")
        func attempt() throws(MailError) {
            if canMove {
                _ = try run("UID MOVE \(set) \(mailbox.wire)")
            } else {
                _ = try run("UID COPY \(set) \(mailbox.wire)")
                try store(uids: uids, flags: ["\\Deleted"])
                // UID EXPUNGE (UIDPLUS) removes only these; a plain EXPUNGE would remove every
                // message marked \Deleted, so without UIDPLUS they are left to the user's client.
                if try capabilities().contains("UIDPLUS") { _ = try run("UID EXPUNGE \(set)") }
            }
        }
        do {
            try attempt()
        } catch let e where e.kind == .protocolError && e.message.uppercased().contains("[TRYCREATE]") {
            try create(mailbox)
            try attempt()
        }
    }

    /// Deletes every message of a mailbox (STORE \Deleted, EXPUNGE).
    public func expungeAll(_ mailbox: MailboxName) throws(MailError) {
        let status = try open(mailbox, readOnly: false)
        guard status.exists > 0 else { return }
        _ = try run("UID STORE 1:* +FLAGS.SILENT (\\Deleted)")
        _ = try run("EXPUNGE")
    }

    public func create(_ mailbox: MailboxName) throws(MailError) { _ = try run("CREATE " + mailbox.wire) }
    public func delete(_ mailbox: MailboxName) throws(MailError) {
        if selected == mailbox { _ = try? run("UNSELECT"); selected = nil; openStatus = nil }
        _ = try run("DELETE " + mailbox.wire)
    }

    /// The longest one IDLE command is kept before it is renewed: servers may end an IDLE after 30
    /// minutes of it (RFC 2177 §3), so it is ended well before.
    public static let idleRenewal = 25 * 60

    /// Waits up to `seconds` for the server to announce new mail in the open mailbox (IDLE, RFC 2177),
    /// looking at `shouldStop` every `tick` seconds. A quiet server is what IDLE waits for, not a
    /// failure: only a broken connection or an answer that does not come after DONE throws. An IDLE
    /// is renewed (DONE, IDLE) every `renewEvery` seconds on the same connection. Returns whether
    /// something arrived; nil at once when the server has no IDLE (the caller polls instead).
    public func idle(seconds: Int, tick: Int = 2, renewEvery: Int = IMAPSession.idleRenewal,
                     shouldStop: () -> Bool = { false }) throws(MailError) -> Bool? {
        // Mail that came while the last pass ran was announced then, not again at IDLE.
        if newMailSeen {
            newMailSeen = false
            return true
        }
        // Deadlines on the monotonic clock: a wall clock set back or forward (NTP, a person) neither
        // stretches an IDLE past the server's limit nor cuts it short.
        let deadline = Monotonic.now + Double(seconds)
        while true {
            let renewal = min(deadline, Monotonic.now + Double(max(1, renewEvery)))
            guard let changed = try idleOnce(until: renewal, tick: tick, shouldStop: shouldStop) else { return nil }
            if changed || Monotonic.now >= deadline || shouldStop() { return changed }
        }
    }

    /// One IDLE command up to `until`; nil when the server refuses IDLE.
    private func idleOnce(until: Double, tick: Int, shouldStop: () -> Bool) throws(MailError) -> Bool? {
        let tag = nextTag()
        try write(tag + " IDLE\r\n")
        var changed = false
        while true {
            let line = try readLine(command: "IDLE")
            if line.isContinuation { break }
            if line.text.hasPrefix(tag + " ") { return nil }  // no IDLE support
            // New mail the server tells of as IDLE starts, before its "+".
            if line.isExists { changed = true }
        }
        while !changed, Monotonic.now < until, !shouldStop() {
            let wait = max(1, min(tick, Int((until - Monotonic.now).rounded(.up))))
            guard let line = try lineIfAny(within: wait, command: "IDLE") else { continue }
            if line.isExists { changed = true }
        }
        try write("DONE\r\n")
        _ = try finish(tag: tag, command: "IDLE")
        return changed
    }

    /// The next response line if one starts within `seconds`, else nil. Once a line has begun, the rest
    /// of it is read with the usual timeout.
    private func lineIfAny(within seconds: Int, command: String) throws(MailError) -> IMAPResponseLine? {
        if buffer[position...].contains(0x0A) { return try readLine(command: command) }
        let more: [UInt8]?
        do {
            more = try curl.receiveIfAny(within: seconds, operation: command, url: configuration.server)
        } catch {
            throw MailError(curl: error, server: configuration.server)
        }
        guard let more else { return nil }
        if more.isEmpty {
            throw MailError(.connection, server: configuration.server, command: command, message: "the server closed the connection")
        }
        buffer += more
        return try readLine(command: command)
    }

    /// Ends the session.
    public func logout() {
        _ = try? run("LOGOUT")
    }

    // MARK: - Wire

    struct Response {
        var untagged: [IMAPResponseLine]
        var tagged: IMAPResponseLine
    }

    private func nextTag() -> String {
        tagCounter += 1
        return "W\(tagCounter)"
    }

    /// Sends a command and reads up to its tagged answer.
    /// - Throws: `.protocolError` for NO/BAD, `.connection` when the connection fails.
    private func run(_ command: String) throws(MailError) -> Response {
        let tag = nextTag()
        try write(tag + " " + command + "\r\n")
        return try finish(tag: tag, command: command.split(separator: " ").prefix(2).joined(separator: " "))
    }

    /// The error for a NO or BAD `answer`: over quota when it says OVERQUOTA (RFC 9208 §4.3), else
    /// the answer itself.
    private func refusal(_ answer: String, command: String) -> MailError {
        MailError(answer.uppercased().contains("[OVERQUOTA]") ? .overQuota : .protocolError, server: configuration.server, command: command, message: answer)
    }

    private func finish(tag: String, command: String) throws(MailError) -> Response {
        var untagged: [IMAPResponseLine] = []
        while true {
            let line = try readLine(command: command)
            if line.text.hasPrefix(tag + " ") {
                let status = line.text.dropFirst(tag.count + 1).prefix(3).uppercased()
                guard status.hasPrefix("OK") else { throw refusal(String(line.text.dropFirst(tag.count + 1)), command: command) }
                return Response(untagged: untagged, tagged: line)
            }
            if line.isExists { newMailSeen = true }
            if line.text.uppercased().hasPrefix("* BYE") {
                throw MailError(.connection, server: configuration.server, command: command, message: "server closed the session: \(line.text)")
            }
            untagged.append(line)
        }
    }

    private func write(_ text: String) throws(MailError) {
        try write(Array(text.utf8), command: String(text.split(separator: " ").dropFirst().first ?? ""))
    }

    private func write(_ bytes: [UInt8], command: String) throws(MailError) {
        do {
            try curl.send(bytes, timeout: configuration.timeout, operation: command, url: configuration.server)
        } catch {
            throw MailError(curl: error, server: configuration.server)
        }
    }

    /// Reads one response line, with its literals.
    private func readLine(command: String, timeout: Int? = nil) throws(MailError) -> IMAPResponseLine {
        var text: [UInt8] = []
        var literals: [[UInt8]] = []
        while true {
            let line = try readRawLine(command: command, timeout: timeout)
            text += line
            // A line ending in {N} (or {N+}) is followed by N bytes of literal, then the rest of the line.
            guard line.last == 0x7D, let open = line.lastIndex(of: 0x7B),
                let n = Int(String(decoding: line[(open + 1)..<(line.count - 1)].filter { $0 != 0x2B }, as: UTF8.self))
            else { break }
            literals.append(try readBytes(n, command: command, timeout: timeout))
        }
        return IMAPResponseLine(text: String(decoding: text, as: UTF8.self), literals: literals)
    }

    private func fill(command: String, timeout: Int?) throws(MailError) {
        if position > 65536 {
            buffer.removeFirst(position)
            position = 0
        }
        let more: [UInt8]
        do {
            more = try curl.receive(timeout: timeout ?? configuration.timeout, operation: command, url: configuration.server)
        } catch {
            throw MailError(curl: error, server: configuration.server)
        }
        if more.isEmpty {
            throw MailError(.connection, server: configuration.server, command: command, message: "the server closed the connection")
        }
        buffer += more
    }

    private func readRawLine(command: String, timeout: Int?) throws(MailError) -> [UInt8] {
        while true {
            if let lf = buffer[position...].firstIndex(of: 0x0A) {
                var end = lf
                if end > position, buffer[end - 1] == 0x0D { end -= 1 }
                let line = Array(buffer[position..<end])
                position = lf + 1
                return line
            }
            try fill(command: command, timeout: timeout)
        }
    }

    private func readBytes(_ n: Int, command: String, timeout: Int?) throws(MailError) -> [UInt8] {
        while buffer.count - position < n { try fill(command: command, timeout: timeout) }
        let out = Array(buffer[position..<(position + n)])
        position += n
        return out
    }
}
