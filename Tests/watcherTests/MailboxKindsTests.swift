import Foundation
import IMAPWatcher
import ReportEngine
import TestBedSupport
import Testing

/// A mailbox as some providers have it, served by the test bed's strict Dovecot: it takes only OAuth
/// 2.0 logins (LOGINDISABLED), names its folders 迷惑メール and 下書き and says so only by SPECIAL-USE,
/// and keeps no keywords. A configuration that names no folder works there.
@Suite(.serialized, .enabled(if: TestBed.isRunning && TestBed.strictURL != nil, "the test bed (scripts/testbed.sh) is not running"))
struct MailboxKindsTests {
    let dir: String
    let token: String

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("watcher-strict-\(UUID().uuidString.prefix(6))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        token = try String(contentsOfFile: TestBed.strictTokenFile, encoding: .utf8)
        let s = try session()
        for box in ["迷惑メール", "下書き", "送信済み"] { try s.expungeAll(MailboxName(box)) }
    }

    func session(_ auth: ServerConfiguration.Auth = .xoauth2) throws -> IMAPSession {
        var c = ServerConfiguration(url: TestBed.strictURL!, user: TestBed.strictUser, password: token, caFile: TestBed.caFile, timeout: 10)
        c.auth = auth
        return try IMAPSession(c)
    }

    /// A configuration with no folder names; `imap` replaces or adds keys of [imap].
    func config(_ imap: [String: String] = [:]) throws -> String {
        var keys = ["url": "\"\(TestBed.strictURL!)\"", "user": "\"\(TestBed.strictUser)\"", "auth": "\"xoauth2\"",
                    "token_command": "\"cat \(TestBed.strictTokenFile)\"", "ca_file": "\"\(TestBed.caFile!)\""]
        for (k, v) in imap { keys[k] = v }
        let text = """
            [imap]
            \(keys.sorted { $0.key < $1.key }.filter { !$0.value.isEmpty }.map { "\($0.key) = \($0.value)" }.joined(separator: "\n"))

            [lookup]
            enabled = false

            [state]
            path = "\(dir)/state.sqlite"
            """
        let path = dir + "/watcher-\(UUID().uuidString.prefix(4)).toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func bothOAuthMechanismsLogInAndTheFoldersAreFoundBySpecialUse() throws {
        for auth in [ServerConfiguration.Auth.xoauth2, .oauthbearer] {
            let s = try session(auth)
            #expect(try s.mailbox(marked: "\\Junk") == "迷惑メール")
            #expect(try s.mailbox(marked: "\\Drafts") == "下書き")
            #expect(try s.mailbox(marked: "\\Sent") == "送信済み")
            #expect(try s.open("迷惑メール", readOnly: false).keeps(keyword: "$Reported") == false)
        }
        // The test bed's other Dovecot keeps keywords.
        let plain = try IMAPSession(ServerConfiguration(url: TestBed.imapsURL!, user: TestBed.user(18), password: TestBed.password,
                                                        caFile: TestBed.caFile, timeout: 10))
        #expect(try plain.open("Junk", readOnly: false).keeps(keyword: "$Reported") == true)
        var wrong = ServerConfiguration(url: TestBed.strictURL!, user: TestBed.strictUser, password: "not.a.token", caFile: TestBed.caFile, timeout: 10)
        wrong.auth = .xoauth2
        #expect(throws: MailError.self) { try IMAPSession(wrong) }
    }

    @Test func checkPassesWithNoFolderNamesAndWarnsThatNoKeywordIsKept() throws {
        let r = try CLI.run(["check", "--config", try config()])
        #expect(r.status == 0, "\(r.stdout)")
        #expect(r.stdout.contains("ok    IMAP login: \(TestBed.strictUser) at \(TestBed.strictURL!) (XOAUTH2)"), "\(r.stdout)")
        #expect(r.stdout.contains("ok    IMAP folders: spam 迷惑メール (\\Junk), drafts 下書き (\\Drafts), sent 送信済み (\\Sent)"), "\(r.stdout)")
        #expect(r.stdout.contains("WARN  IMAP keywords: 迷惑メール keeps no keywords (PERMANENTFLAGS without \\*)"), "\(r.stdout)")
        #expect(!r.stdout.contains(token) && !r.stderr.contains(token))
        // OAUTHBEARER as well.
        let bearer = try CLI.run(["check", "--config", try config(["auth": "\"oauthbearer\""])])
        #expect(bearer.status == 0, "\(bearer.stdout)")
        #expect(bearer.stdout.contains("(OAUTHBEARER)"))
        // A password where the server takes none: refused, with a line that says what to set.
        FileManager.default.createFile(atPath: dir + "/pass", contents: Data("secret".utf8), attributes: [.posixPermissions: 0o600])
        let password = try CLI.run(["check", "--config", try config(["auth": "", "token_command": "", "password_file": "\"\(dir)/pass\""])])
        #expect(password.status == 78, "\(password.stdout)")
        #expect(password.stdout.contains("the server takes no password (it says LOGINDISABLED and offers AUTH=OAUTHBEARER, AUTH=XOAUTH2)"), "\(password.stdout)")
        // A token command that fails is named, and nothing it printed is shown.
        let failing = try CLI.run(["check", "--config", try config(["token_command": "\"echo leaked-token-text; exit 3\""])])
        #expect(failing.status != 0)
        #expect(failing.stdout.contains("imap.token_command: exited with status 3"), "\(failing.stdout)")
        #expect(!failing.stdout.contains("leaked-token-text") && !failing.stderr.contains("leaked-token-text"))
    }

    @Test func runAndWatchDraftIntoTheJapaneseDraftsFolderOnceEach() throws {
        let s = try session()
        _ = try s.append(RunIntegrationTests.spam(0, tag: "K\(UUID().uuidString.prefix(4))"), to: "迷惑メール")
        let config = try config()
        let first = try CLI.run(["run", "--config", config])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("迷惑メール keeps no keywords"), "\(first.stderr)")
        #expect(try s.open("下書き", readOnly: true).exists == 1)
        // No keyword on the server: the ledger alone keeps the spam from a second report.
        let second = try CLI.run(["run", "--config", config])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try s.open("下書き", readOnly: true).exists == 1)
        #expect(!first.stderr.contains(token) && !second.stderr.contains(token))

        let log = dir + "/watch.log"
        FileManager.default.createFile(atPath: log, contents: nil)
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = ["watch", "--config", config]
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { p.terminate() } }
        usleep(1_500_000)
        _ = try s.append(RunIntegrationTests.spam(1, tag: "L\(UUID().uuidString.prefix(4))"), to: "迷惑メール")
        var drafts = 0
        for _ in 0..<100 {
            drafts = try s.open("下書き", readOnly: true).exists
            if drafts == 2 { break }
            usleep(100_000)
        }
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        #expect(drafts == 2)
        #expect(p.terminationStatus == 0)
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(!text.contains(" watcher warning: "), "\(text)")
        #expect(!text.contains(token))
    }
}

/// `mark = "move:Reported"` with no such folder: the server answers the move with TRYCREATE, and
/// the folder is made (RFC 3501 §6.4.7), where every run used to fail after its drafts were made.
@Suite(.serialized, .enabled(if: TestBed.isRunning, "the test bed (scripts/testbed.sh) is not running"))
struct MoveMarkTests {
    @Test func aMissingMoveFolderIsCreatedOnTheFirstMove() throws {
        let account = try RunIntegrationTests.Account(19)
        let s = try account.session()
        let target = MailboxName("Reported-\(UUID().uuidString.prefix(6))")
        defer { try? s.delete(target) }
        _ = try s.append(RunIntegrationTests.spam(0, tag: "M\(UUID().uuidString.prefix(4))"), to: "Junk")
        let config = try account.config(imap: ["mark": "\"move:\(target)\""])
        let check = try CLI.run(["check", "--config", config])
        #expect(check.stdout.contains("ok    IMAP mark: handled spam moves to \(target), which does not exist yet: the first move creates it"), "\(check.stdout)")
        let r = try CLI.run(["run", "--config", config])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try s.open("Junk", readOnly: true).exists == 0)
        #expect(try s.open(target, readOnly: true).exists == 1)
        #expect(try s.open("Drafts", readOnly: true).exists == 1)
        let again = try CLI.run(["check", "--config", config])
        #expect(again.stdout.contains("moves to \(target), which exists"), "\(again.stdout)")
    }
}
