import Foundation
import IMAPWatcher
import ReportEngine
import TestBedSupport
import Testing

/// `watcher run` against the real Dovecot and Postfix of `scripts/testbed.sh`. Each test has a user
/// (and so a mailbox) of its own.
@Suite(.serialized, .enabled(if: TestBed.isRunning, "the test bed (scripts/testbed.sh) is not running"))
struct RunIntegrationTests {
    struct Account {
        let user: String
        let dir: String

        init(_ n: Int) throws {
            user = TestBed.user(n)
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("watcher-run-\(n)-\(UUID().uuidString.prefix(6))").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let passwordFile = dir + "/imap.pass"
            FileManager.default.createFile(atPath: passwordFile, contents: Data(TestBed.password.utf8), attributes: [.posixPermissions: 0o600])
            let s = try session()
            for box in ["Junk", "Drafts", "Sent"] { try s.expungeAll(MailboxName(box)) }
        }

        func session() throws -> IMAPSession {
            try IMAPSession(ServerConfiguration(url: TestBed.imapsURL!, user: user, password: TestBed.password, caFile: TestBed.caFile, timeout: 10))
        }

        /// A configuration that sends reports through the test bed's Postfix.
        func sendModeConfig() throws -> String {
            try config(extra: """
                mode = "send"

                [smtp]
                url = "\(TestBed.smtpURL!)"
                user = "\(user)"
                password_file = "\(dir)/imap.pass"
                ca_file = "\(TestBed.caFile!)"
                """)
        }

        /// Sets `[lookup] timeout = "1s"` in the configuration at `path` (the servers' timeouts follow it), so
        /// that a stalled server is given up on in seconds.
        static func shortenTimeouts(_ path: String) throws {
            try (try String(contentsOfFile: path, encoding: .utf8)
                .replacingOccurrences(of: "[lookup]\nenabled = false", with: "[lookup]\nenabled = false\ntimeout = \"1s\""))
                .write(toFile: path, atomically: true, encoding: .utf8)
        }

        /// Writes a configuration; `extra` is appended (later sections and keys).
        func config(imap: [String: String] = [:], extra: String = "") throws -> String {
            var keys = ["url": "\"\(TestBed.imapsURL!)\"", "user": "\"\(user)\"", "password_file": "\"\(dir)/imap.pass\"",
                        "ca_file": "\"\(TestBed.caFile!)\"", "folder": "\"Junk\"", "drafts_folder": "\"Drafts\""]
            for (k, v) in imap { keys[k] = v }
            let imapSection = keys.sorted { $0.key < $1.key }.filter { !$0.value.isEmpty }.map { "\($0.key) = \($0.value)" }.joined(separator: "\n")
            let text = """
                [imap]
                \(imapSection)

                [state]
                path = "\(dir)/state.sqlite"

                [lookup]
                enabled = false

                [reports]
                from = "Owner <\(user)>"
                \(extra)
                """
            let path = dir + "/watcher.toml"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
    }

    /// A spam: every third from a docomo subscriber, every third from an au subscriber, the rest from a server.
    static func spam(_ i: Int, tag: String) -> [UInt8] {
        let kinds = [("docomo.ne.jp", "mfsmax.docomo.ne.jp"), ("ezweb.ne.jp", "mx.ezweb.ne.jp"), ("bulk.example", "mx.user.example")]
        let (domain, authserv) = kinds[i % 3]
        let auth = i % 3 == 2 ? "" : "Authentication-Results: \(authserv); spf=pass smtp.mailfrom=s\(i)@\(domain)\r\n"
        return Array("""
            Received: from sender (unknown [49.98.\(i % 200).\(i % 250 + 1)]) by \(authserv) with ESMTPA id \(i)\r
            \(auth)From: s\(i)@\(domain)\r
            To: victim@docomo.ne.jp\r
            Subject: =?UTF-8?B?\(Data("当選のお知らせ \(tag) #\(i)".utf8).base64EncodedString())?=\r
            Date: Fri, 20 Nov 2026 21:14:03 +0900\r
            Message-ID: <spam-\(tag)-\(i)@\(domain)>\r
            Content-Type: text/plain; charset=UTF-8\r
            \r
            登録はこちら https://prize-\(i % 7)-\(tag.lowercased()).example.com/entry?id=\(i)\r

            """.utf8)
    }

    /// Stops a watch with SIGTERM and checks that it was quiet: exit 0, no warning or error in its log,
    /// one login of `user` since `loginsBefore` (taken after the test's own session logged in).
    /// Returns the warnings.
    static func stopQuietWatch(_ p: Process, log: String, user: String, loginsBefore: Int) -> [Substring] {
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let (warnings, text) = RunIntegrationTests.warnings(inLog: log)
        #expect(warnings.isEmpty, "\(warnings)")
        #expect(TestBed.logins(of: user) - loginsBefore == 1, "one login: \(text)")
        return warnings
    }

    /// The warning and error lines in a watch's log, and the whole log.
    static func warnings(inLog path: String) -> (lines: [Substring], text: String) {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return (text.split(separator: "\n").filter { $0.contains(" watcher warning: ") || $0.contains(" watcher error: ") }, text)
    }

    static func carrierCount(_ n: Int) -> Int { (0..<n).filter { $0 % 3 != 2 }.count }

    func seed(_ account: Account, count: Int, tag: String) throws {
        let s = try account.session()
        for i in 0..<count {
            _ = try s.append(Self.spam(i, tag: tag), to: "Junk", flags: i % 4 == 0 ? ["\\Seen"] : [])
        }
    }

    struct DraftsState {
        var count: Int
        var ids: Set<String>
        var subjects: [String]
        var allDraftFlag: Bool
    }

    func drafts(_ account: Account, folder: String = "Drafts") throws -> DraftsState {
        let s = try account.session()
        try s.open(MailboxName(folder), readOnly: true)
        let uids = try s.uidSearch("ALL")
        let messages = try s.fetch(uids: uids)
        var ids = Set<String>()
        var subjects: [String] = []
        for m in messages {
            let text = String(decoding: m.bytes, as: UTF8.self)
            if let r = text.range(of: "X-Watcher-Draft-Id: ") { ids.insert(String(text[r.upperBound...].prefix { $0 != "\r" })) }
            let subject = text.components(separatedBy: "\r\n").first { $0.hasPrefix("Subject:") } ?? ""
            subjects.append(subject)
        }
        let flags = try s.flags(uids: uids)
        return DraftsState(count: messages.count, ids: ids, subjects: subjects,
                           allDraftFlag: flags.values.allSatisfy { $0.contains("\\Draft") })
    }

    @Test func twoHundredSpamsBecomeOneDraftPerCarrierMessageAndASecondRunAddsNothing() throws {
        let account = try Account(2)
        try seed(account, count: 200, tag: "A")
        let config = try account.config()
        let first = try CLI.run(["run", "--config", config])
        #expect(first.status == 0, "\(first.stderr)")
        let d = try drafts(account)
        #expect(d.count == Self.carrierCount(200))
        #expect(d.ids.count == d.count)
        #expect(d.allDraftFlag)
        // Junk: \Seen exactly as seeded, every message marked $Reported.
        let s = try account.session()
        try s.open("Junk", readOnly: true)
        let uids = try s.uidSearch("ALL")
        let flags = try s.flags(uids: uids)
        #expect(uids.count == 200)
        #expect(uids.enumerated().allSatisfy { i, uid in flags[uid]!.contains("\\Seen") == (i % 4 == 0) })
        #expect(flags.values.allSatisfy { $0.contains("$Reported") })
        #expect(first.stderr.contains("run finished: 200 new messages: \(Self.carrierCount(200)) reported, \(200 - Self.carrierCount(200)) needed no report; \(Self.carrierCount(200)) reports (\(Self.carrierCount(200)) forwards)"), "\(first.stderr.suffix(300))")
        #expect(first.stderr.split(separator: "\n").allSatisfy { $0.components(separatedBy: "watcher").count == 2 }, "the program is named once per line")
        let second = try CLI.run(["run", "--config", config])
        #expect(second.status == 0)
        #expect(try drafts(account).count == d.count)
        #expect(second.stderr.contains("run finished: no new message"))
    }

    /// `mark = "move:FOLDER"` moves each handled message there (fetched ahead over a second
    /// connection while the first moves); `mark = "none"` leaves the folder as it was, and the ledger
    /// alone keeps a second run from reporting again.
    @Test func markMoveEmptiesTheFolderAndMarkNoneLeavesItAlone() throws {
        let account = try Account(16)
        let s = try account.session()
        if !(try s.list()).contains(MailboxName("Reported")) { try s.create(MailboxName("Reported")) }
        try s.expungeAll(MailboxName("Reported"))
        try seed(account, count: 60, tag: "M")
        let move = try account.config(imap: ["mark": "\"move:Reported\""])
        let first = try CLI.run(["run", "--config", move, "--log-level", "debug"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(!first.stderr.contains("fetching ahead stopped"), "the second connection fetched every batch: \(first.stderr)")
        #expect(try drafts(account).count == Self.carrierCount(60))
        #expect(try s.open("Junk", readOnly: true).exists == 0)
        #expect(try s.open("Reported", readOnly: true).exists == 60)
        let moved = try s.flags(uids: try s.uidSearch("ALL"))
        #expect(moved.values.allSatisfy { !$0.contains("$Reported") }, "a move sets no keyword")

        try s.expungeAll(MailboxName("Drafts"))
        try seed(account, count: 30, tag: "N")
        let none = try account.config(imap: ["mark": "\"none\""])
        let second = try CLI.run(["run", "--config", none])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try drafts(account).count == Self.carrierCount(30))
        try s.open("Junk", readOnly: true)
        let left = try s.flags(uids: try s.uidSearch("ALL"))
        #expect(left.count == 30)
        #expect(left.values.allSatisfy { !$0.contains("$Reported") }, "none sets no keyword")
        let third = try CLI.run(["run", "--config", none])
        #expect(third.status == 0)
        #expect(third.stderr.contains("run finished: no new message"), "\(third.stderr)")
        #expect(try drafts(account).count == Self.carrierCount(30))
    }

    @Test(arguments: [2, 3, 5, 6])
    func aRunKilledMidwayLosesAndDoublesNothing(crashAfter: Int) throws {
        let account = try Account(3)
        try seed(account, count: 30, tag: "K\(crashAfter)")
        let config = try account.config()
        let killed = try CLI.run(["run", "--config", config], environment: ["WATCHER_CRASH_AFTER": "\(crashAfter)"])
        #expect(killed.signal == SIGKILL)
        let rerun = try CLI.run(["run", "--config", config])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let d = try drafts(account)
        #expect(d.count == Self.carrierCount(30))
        #expect(Set(d.subjects).count == d.count, "a message was reported twice")
    }

    /// A crash storm: a 1,000-message backlog in draft mode, runs killed with SIGKILL at 50 random
    /// ledger writes (1–10: a batch of 25 takes three) one after the other, then a normal run. Every spam from a carrier subscriber has
    /// exactly one draft: 0 lost, 0 doubled, counted on the server's Drafts folder.
    @Test func fiftyKillsAcrossAThousandMessagesLoseAndDoubleNothing() throws {
        let account = try Account(14)
        let s = try account.session()
        for i in 0..<1000 { _ = try s.append(Self.spam(i, tag: "Z"), to: "Junk", flags: []) }
        let config = try account.config()
        var generator = SystemRandomNumberGenerator()
        var kills = 0
        for _ in 0..<50 {
            let r = try CLI.run(["run", "--config", config], environment: ["WATCHER_CRASH_AFTER": "\(Int.random(in: 1...10, using: &generator))"])
            if r.signal == SIGKILL { kills += 1 }
        }
        let last = try CLI.run(["run", "--config", config])
        #expect(last.status == 0, "\(last.stderr)")
        let d = try drafts(account)
        #expect(d.count == Self.carrierCount(1000), "after \(kills) kills")
        #expect(Set(d.subjects).count == d.count, "a message was reported twice")
        #expect(kills >= 20, "the storm killed \(kills) runs")
    }

    @Test func aRecreatedFolderWithANewUIDVALIDITYReportsNothingTwice() throws {
        let account = try Account(4)
        try seed(account, count: 9, tag: "V")
        let config = try account.config()
        #expect(try CLI.run(["run", "--config", config]).status == 0)
        let before = try drafts(account).count
        let s = try account.session()
        try s.delete("Junk")
        try s.create("Junk")
        try seed(account, count: 9, tag: "V")
        let again = try CLI.run(["run", "--config", config])
        #expect(again.status == 0)
        #expect(again.stderr.contains("UIDVALIDITY changed"))
        #expect(again.stderr.contains("9 already known"))
        #expect(try drafts(account).count == before)
    }

    /// The server's `$Reported` mark is a guard of its own: a run with a lost ledger over a folder
    /// already reported drafts nothing; `--reprocess` reports it again.
    @Test func aLostLedgerOverAReportedFolderDraftsNothing() throws {
        let account = try Account(12)
        try seed(account, count: 6, tag: "L")
        let config = try account.config()
        #expect(try CLI.run(["run", "--config", config]).status == 0)
        let before = try drafts(account).count
        #expect(before == Self.carrierCount(6))
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: account.dir + "/state.sqlite" + suffix) }
        let again = try CLI.run(["run", "--config", config])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("run finished: no new message"), "\(again.stderr)")
        #expect(try drafts(account).count == before)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: account.dir + "/state.sqlite" + suffix) }
        let forced = try CLI.run(["run", "--config", config, "--reprocess"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try drafts(account).count == 2 * before)
    }

    /// `--dry-run` prints the reports it would write and changes nothing: no draft, no mark, no ledger.
    @Test func aDryRunChangesNothing() throws {
        let account = try Account(13)
        try seed(account, count: 6, tag: "D")
        let config = try account.config()
        let dry = try CLI.run(["run", "--config", config, "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        let lines = dry.stdout.split(separator: "\n").filter { $0.hasPrefix("would write carrier-forward to ") }
        #expect(lines.count == Self.carrierCount(6), "\(dry.stdout)")
        #expect(try drafts(account).count == 0)
        let s = try account.session()
        try s.open("Junk", readOnly: true)
        let flags = try s.flags(uids: try s.uidSearch("ALL"))
        #expect(flags.values.allSatisfy { !$0.contains("$Reported") })
        #expect(!FileManager.default.fileExists(atPath: account.dir + "/state.sqlite"))
        let real = try CLI.run(["run", "--config", config])
        #expect(real.status == 0)
        #expect(try drafts(account).count == Self.carrierCount(6))
    }

    @Test func serverTroubleGivesAClearLineAndTheRightExitStatus() throws {
        let account = try Account(5)
        try seed(account, count: 3, tag: "E")
        let good = try account.config()
        #expect(try CLI.run(["run", "--config", good]).status == 0)
        let ledger = account.dir + "/state.sqlite"
        func snapshot() throws -> String {
            let l = try Ledger(path: ledger)
            return "\(try l.processedCount()) \(try l.reports().map { "\($0.draftID) \($0.status)" }.sorted())"
        }
        let before = try snapshot()

        let down = try CLI.run(["run", "--config", try account.config(imap: ["url": "\"imaps://127.0.0.1:10999\""])])
        #expect(down.status == 75)
        #expect(down.stderr.contains("127.0.0.1:10999: cannot reach the server"))
        #expect(down.stderr.split(separator: "\n").count == 1)
        // libcurl is opened when the run first connects (the dynamic loader's log names it).
        let traced = try CLI.run(["run", "--config", try account.config(imap: ["url": "\"imaps://127.0.0.1:10999\""])],
                                 environment: ["LD_DEBUG": "files"])
        #expect(traced.stderr.contains("file=libcurl.so.4"))

        let wrongPass = account.dir + "/wrong.pass"
        FileManager.default.createFile(atPath: wrongPass, contents: Data("wrong".utf8), attributes: [.posixPermissions: 0o600])
        let denied = try CLI.run(["run", "--config", try account.config(imap: ["password_file": "\"\(wrongPass)\""])])
        #expect(denied.status == 78)
        #expect(denied.stderr.contains("login refused"))
        #expect(!denied.stderr.contains("wrong"))

        let untrusted = try CLI.run(["run", "--config", try account.config(imap: ["ca_file": ""])])
        #expect(untrusted.status == 78)
        #expect(untrusted.stderr.contains("certificate is not trusted"))

        let missing = try CLI.run(["run", "--config", try account.config(imap: ["folder": "\"No-Such-Folder\""])])
        #expect(missing.status == 78)
        #expect(missing.stderr.contains("No-Such-Folder"))

        let openPass = account.dir + "/open.pass"
        FileManager.default.createFile(atPath: openPass, contents: Data(TestBed.password.utf8), attributes: [.posixPermissions: 0o644])
        let readable = try CLI.run(["run", "--config", try account.config(imap: ["password_file": "\"\(openPass)\""])])
        #expect(readable.status == 78)
        #expect(readable.stderr.contains("imap.password_file"))

        #expect(try snapshot() == before, "the ledger changed")
    }

    @Test func anOverlappingRunExits75() throws {
        let account = try Account(6)
        let config = try account.config()
        #expect(try CLI.run(["run", "--config", config]).status == 0)
        let fd = open(account.dir + "/state.sqlite.lock", O_RDWR | O_CREAT, 0o600)
        defer { close(fd) }
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        #expect(fcntl(fd, F_SETLK, &lock) == 0)
        let r = try CLI.run(["run", "--config", config])
        #expect(r.status == 75)
        #expect(r.stderr.contains("another watcher run holds it"))
    }

    @Test func sendModeDeliversToTheCarrierDeskOverSMTP() throws {
        let account = try Account(7)
        let tag = "S\(UUID().uuidString.prefix(6))"
        try seed(account, count: 3, tag: tag)
        // [imap] sent_folder names where the copies of sent reports go.
        let mine = try account.session()
        if !(try mine.list()).contains(MailboxName("Sent Items")) { try mine.create(MailboxName("Sent Items")) }
        try mine.expungeAll(MailboxName("Sent Items"))
        let path = try account.sendModeConfig()
        let config = try CLI.temporaryFile("sent-items.toml", try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "[imap]\n", with: "[imap]\nsent_folder = \"Sent Items\"\n"))
        let r = try CLI.run(["run", "--config", config])
        #expect(r.status == 0, "\(r.stderr)")
        let found = try sinkMessages(tagged: tag, atLeast: 2)
        let heads = found.map { String(decoding: $0.bytes, as: UTF8.self) }
        #expect(found.count == 2)
        #expect(heads.contains { $0.contains("To: imode-meiwaku@nttdocomo.co.jp") })
        #expect(heads.contains { $0.contains("To: au-meiwaku@kddi.com") })
        #expect(try drafts(account, folder: "Sent Items").count == 2)
        #expect(try drafts(account, folder: "Sent").count == 0)
        #expect(try drafts(account).count == 0)
    }

    /// `[smtp] allow_insecure = true` takes a certificate nobody vouches for; without it the report
    /// waits in the ledger, and goes out once when the setting allows it (its password given by
    /// `[smtp] password_command`).
    @Test func smtpAllowInsecureTakesAnUnvouchedCertificate() throws {
        let account = try Account(7)
        let tag = "I\(UUID().uuidString.prefix(6))"
        try seed(account, count: 1, tag: tag)  // one docomo subscriber: one forward
        func sendConfig(_ extra: String) throws -> String {
            try account.config(extra: """
                mode = "send"

                [smtp]
                url = "\(TestBed.smtpURL!)"
                user = "\(account.user)"
                \(extra)
                """)
        }
        let refused = try CLI.run(["run", "--config", try sendConfig("password_file = \"\(account.dir)/imap.pass\"")])
        #expect(refused.status == 78, "\(refused.stderr)")
        #expect(refused.stderr.contains("certificate is not trusted"), "\(refused.stderr)")
        // The password from a command this time ([smtp] password_command).
        let taken = try CLI.run(["run", "--config", try sendConfig("allow_insecure = true\npassword_command = \"cat '\(account.dir)/imap.pass'\"")])
        #expect(taken.status == 0, "\(taken.stderr)")
        #expect(try sinkMessages(tagged: tag, atLeast: 1).count == 1)
    }

    /// The messages the sink account holds with `tag` in them, waited for (up to 10 s) until there are
    /// `atLeast`. The sink receives everything Postfix takes for outside addresses.
    func sinkMessages(tagged tag: String, atLeast: Int) throws -> [FetchedMessage] {
        let sink = try IMAPSession(ServerConfiguration(url: TestBed.imapsURL!, user: TestBed.sinkUser, password: TestBed.sinkPassword,
                                                       caFile: TestBed.caFile, timeout: 10))
        var found: [FetchedMessage] = []
        for _ in 0..<100 {
            try sink.open("INBOX", readOnly: true)
            found = try sink.fetch(uids: try sink.uidSearch("TEXT \"\(tag)\""))
            if found.count >= atLeast { break }
            usleep(100_000)
        }
        return found
    }

    /// Killed at each ledger write of a send-mode run, then run again: every desk gets each report
    /// exactly once, including when the kill falls between the server's acceptance and the Sent copy.
    @Test func sendModeKilledAtAnyPointSendsEachReportOnce() throws {
        var settledFromTheNote = false
        for crashAfter in 1...7 {
            let account = try Account(7)
            let tag = "C\(crashAfter)x\(UUID().uuidString.prefix(6))"
            try seed(account, count: 3, tag: tag)
            let config = try account.sendModeConfig()
            _ = try CLI.run(["run", "--config", config], environment: ["WATCHER_CRASH_AFTER": "\(crashAfter)"])
            let rerun = try CLI.run(["run", "--config", config])
            #expect(rerun.status == 0, "\(rerun.stderr)")
            if rerun.stderr.contains("accepted by") { settledFromTheNote = true }
            let sink = try IMAPSession(ServerConfiguration(url: TestBed.imapsURL!, user: TestBed.sinkUser, password: TestBed.sinkPassword,
                                                           caFile: TestBed.caFile, timeout: 10))
            var found: [UInt32] = []
            for _ in 0..<60 {
                try sink.open("INBOX", readOnly: true)
                found = try sink.uidSearch("TEXT \"\(tag)\"")
                if found.count >= 2 { break }
                usleep(100_000)
            }
            usleep(300_000)  // a second copy, if one were sent, would arrive by now
            try sink.open("INBOX", readOnly: true)
            found = try sink.uidSearch("TEXT \"\(tag)\"")
            #expect(found.count == 2, "crash after \(crashAfter) ledger writes: \(found.count) sent")
        }
        #expect(settledFromTheNote, "no kill fell between the server's acceptance and the Sent copy")
    }
}

@Suite(.serialized, .enabled(if: TestBed.isRunning, "the test bed (scripts/testbed.sh) is not running"))
struct WatchAndCheckTests {
    typealias Account = RunIntegrationTests.Account

    func draftCount(_ account: Account) throws -> Int {
        let s = try account.session()
        return try s.open("Drafts", readOnly: true).exists
    }

    @Test func watchReactsToNewMailThroughIDLEAndStopsOnSIGTERM() throws {
        let account = try Account(8)
        let config = try account.config()
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = ["watch", "--config", config]
        p.standardError = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { p.terminate() } }
        // New mail while watch waits in IDLE: a draft must appear within seconds, without polling intervals.
        usleep(1_000_000)
        let s = try account.session()
        _ = try s.append(RunIntegrationTests.spam(0, tag: "W\(UUID().uuidString.prefix(4))"), to: "Junk")
        var drafts = 0
        for _ in 0..<100 {
            drafts = try draftCount(account)
            if drafts > 0 { break }
            usleep(100_000)
        }
        #expect(drafts == 1)
        let started = Date()
        kill(p.processIdentifier, SIGTERM)
        for _ in 0..<100 where p.isRunning { usleep(100_000) }
        if p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            Issue.record("watch did not stop within 10 s of SIGTERM")
        }
        p.waitUntilExit()
        #expect(p.terminationReason == .exit)
        #expect(p.terminationStatus == 0)
        #expect(Date().timeIntervalSince(started) < 5)
    }

    /// Left idle, `watch` stays in one IDLE on one login: a quiet server is not trouble. New mail
    /// after a minute of quiet is drafted within a second.
    @Test func watchHoldsOneIDLEForAMinuteAndDraftsNewMailAtOnce() throws {
        let account = try Account(17)
        let s = try account.session()
        let before = TestBed.logins(of: account.user)
        let log = account.dir + "/watch.log"
        let p = try CLI.start(["watch", "--config", try account.config(), "--log-level", "info"], log: log)
        defer { if p.isRunning { p.terminate() } }
        // 60 s here; WATCHER_IDLE_SECONDS=600 makes it the ten-minute check RELIABILITY.md reports.
        let idle = Double(ProcessInfo.processInfo.environment["WATCHER_IDLE_SECONDS"] ?? "60") ?? 60
        usleep(useconds_t(idle * 1_000_000))
        let appended = Date()
        _ = try s.append(RunIntegrationTests.spam(0, tag: "I\(UUID().uuidString.prefix(4))"), to: "Junk")
        var delay: TimeInterval?
        for _ in 0..<200 {
            if try s.open("Drafts", readOnly: true).exists > 0 { delay = Date().timeIntervalSince(appended); break }
            usleep(20_000)
        }
        let warnings = RunIntegrationTests.stopQuietWatch(p, log: log, user: account.user, loginsBefore: before)
        #expect(delay != nil, "no draft within 4 s of the new mail")
        if let delay {
            print("watch: new mail drafted \(String(format: "%.2f", delay)) s after its APPEND, after \(Int(idle)) s in IDLE; "
                  + "\(TestBed.logins(of: account.user) - before) login(s), \(warnings.count) warning(s)")
            #expect(delay < 1.5, "drafted \(delay) s after the APPEND")
        }
    }

    @Test func watchNotesASpellOfServerTroubleOnceForTheSummary() throws {
        let account = try RunIntegrationTests.Account(15)
        _ = try account.session().append(RunIntegrationTests.spam(0, tag: "T"), to: "Junk")
        #expect(try CLI.run(["run", "--config", try account.config()]).status == 0)
        let started = Date()
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = ["watch", "--config", try account.config(imap: ["url": "\"imaps://127.0.0.1:10999\""])]
        p.standardError = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { p.terminate() } }
        // The first pass fails at once, the second 5 s later: one spell, one line in the ledger.
        usleep(6_500_000)
        kill(p.processIdentifier, SIGTERM)
        for _ in 0..<100 where p.isRunning { usleep(100_000) }
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let failed = try Ledger(path: account.dir + "/state.sqlite").failedRuns(since: started.addingTimeInterval(-1), until: Date())
        #expect(failed.count == 1, "\(failed)")
        #expect(failed.first?.command == "watch")
        #expect(failed.first?.exitStatus == 75)
        #expect(failed.first?.summary.contains("127.0.0.1:10999: cannot reach the server") == true, "\(failed)")
    }

    @Test func checkReportsEachStep() throws {
        let account = try Account(1)
        let good = try CLI.run(["check", "--config", try account.config()])
        #expect(good.status == 0, "\(good.stdout)")
        #expect(good.stdout.contains("ok    IMAP login: \(account.user)"))
        #expect(good.stdout.contains("ok    IMAP folders: spam Junk (imap.folder), drafts Drafts (imap.drafts_folder), sent Sent (\\Sent); Junk holds"),
                "\(good.stdout)")
        #expect(good.stdout.contains("ok    IMAP keywords: Junk keeps $Reported"))
        #expect(!good.stdout.contains(TestBed.password))
        // allow_insecure = true: a certificate nobody vouches for is taken (and STARTTLS made optional).
        let untrusted = try CLI.run(["check", "--config", try account.config(imap: ["ca_file": ""])])
        #expect(untrusted.status == 78, "\(untrusted.stdout)")
        let insecure = try CLI.run(["check", "--config", try account.config(imap: ["ca_file": "", "allow_insecure": "true"])])
        #expect(insecure.status == 0, "\(insecure.stdout)")
        #expect(insecure.stdout.contains("ok    IMAP login: \(account.user)"))
        let bad = try CLI.run(["check", "--config", try account.config(imap: ["drafts_folder": "\"Entwürfe\""])])
        #expect(bad.status == 78)
        #expect(bad.stdout.contains("FAIL  IMAP folders"))
        #expect(bad.stdout.contains("Entwürfe"))
    }
}

@Suite(.serialized, .enabled(if: TestBed.isRunning, "the test bed (scripts/testbed.sh) is not running"))
struct CredentialTests {
    typealias Account = RunIntegrationTests.Account

    /// A configuration without password_file, the password coming from elsewhere.
    func config(_ account: Account, extra: String = "") throws -> String {
        let path = try account.config(imap: ["password_file": ""])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try (text.replacingOccurrences(of: "[imap]\n", with: "[imap]\n\(extra)")).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func passwordFromTheEnvironmentCredentialsDirectoryOrACommand() throws {
        let account = try Account(1)
        let plain = try config(account)
        let env = try CLI.run(["check", "--config", plain], environment: ["WATCHER_IMAP_PASSWORD": TestBed.password])
        #expect(env.status == 0, "\(env.stdout)")
        let credentials = account.dir + "/credentials"
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        try TestBed.password.write(toFile: credentials + "/imap", atomically: true, encoding: .utf8)
        let systemd = try CLI.run(["check", "--config", plain], environment: ["CREDENTIALS_DIRECTORY": credentials])
        #expect(systemd.status == 0, "\(systemd.stdout)")
        let none = try CLI.run(["check", "--config", plain], environment: ["WATCHER_IMAP_PASSWORD": ""])
        #expect(none.status == 78)
        #expect(none.stdout.contains("no password"))
        // (config(_:extra:) rewrites the same file: the command comes last.)
        let command = try CLI.run(["check", "--config", try config(account, extra: "password_command = \"echo \(TestBed.password)\"\n")])
        #expect(command.status == 0, "\(command.stdout)")
        #expect(!command.stdout.contains(TestBed.password))
    }
}
