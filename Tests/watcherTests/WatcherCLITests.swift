import Foundation
import Testing

/// Runs the built `watcher` executable the way a user or a timer does.
enum CLI {
    static let projectRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    static var binary: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("watcher")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return projectRoot.appendingPathComponent(".build/debug/watcher")
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// The signal that ended the process, if one did.
        var signal: Int32?
    }

    /// Starts watcher with `arguments` and leaves it running, its standard error written to `log` (a new
    /// file). `environment` is added to the test's own; `launcher` (such as /usr/bin/env) starts watcher
    /// in its stead.
    static func start(_ arguments: [String], log: String, environment: [String: String] = [:], launcher: String? = nil) throws -> Process {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let p = Process()
        if let launcher {
            p.executableURL = URL(fileURLWithPath: launcher)
            p.arguments = [binary.path] + arguments
        } else {
            p.executableURL = binary
            p.arguments = arguments
        }
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        return p
    }

    static func run(_ arguments: [String], environment: [String: String] = [:], input: String? = nil) throws -> Result {
        let p = Process()
        p.executableURL = binary
        p.arguments = arguments
        let stdin = Pipe()
        if input != nil { p.standardInput = stdin }
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        p.currentDirectoryURL = projectRoot
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
        // Both pipes are drained at once: a child that fills one while the other is read would block.
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box()
        let done = DispatchSemaphore(value: 0)
        let errHandle = err.fileHandleForReading
        DispatchQueue.global().async {
            errBox.data = errHandle.readDataToEndOfFile()
            done.signal()
        }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        done.wait()
        let e = errBox.data
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self),
                      signal: p.terminationReason == .uncaughtSignal ? p.terminationStatus : nil)
    }

    static func temporaryFile(_ name: String, _ contents: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("watcher-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try contents.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// A message of `size` bytes whose body is a hole (no disk used), removed by the caller.
    static func sparseMessage(size: UInt64) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("watcher-huge-\(UUID().uuidString.prefix(6)).eml").path
        FileManager.default.createFile(atPath: path, contents: Data("Subject: x\r\n\r\n".utf8))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: size)
        try handle.close()
        return path
    }
}

@Suite struct WatcherCLITests {
    let examples = ["examples/spam/01-docomo-subscriber-iso2022jp.eml", "examples/spam/02-forged-docomo-shiftjis-html.eml",
                    "examples/spam/03-au-forwarded-as-attachment.eml", "examples/spam/04-server-spam-eucjp-defanged.eml"]

    func objects(_ stdout: String) throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    @Test func analyzeJSONOverTheExamples() throws {
        let r = try CLI.run(["analyze", "--offline", "--json", "--config", "examples/analyze.toml"] + examples)
        #expect(r.status == 0, "\(r.stderr)")
        let objs = try objects(r.stdout)
        #expect(objs.count == 4)
        let origins = objs.map { $0["origin"] as? [String: Any] ?? [:] }
        #expect(origins.map { $0["carrier"] as? String } == ["docomo", nil, "au", nil])
        #expect(origins.map { $0["spoofed"] as? Bool } == [false, true, false, false])
        #expect(origins.map { $0["sourceIP"] as? String } == ["49.98.12.201", "45.76.212.77", "106.128.44.19", "185.220.101.45"])
        #expect(objs[0]["domains"] as? [String] == ["v42ycn-wtn3.jp", "hecff-i99sq.jp"])
        let drafts = objs.map { ($0["drafts"] as? [[String: Any]] ?? []).map { $0["to"] as? [String] ?? [] } }
        // The forged docomo mail is phishing (ドコモ in its sender's name, an account-suspension lure):
        // フィッシング対策協議会 gets it.
        #expect(drafts == [[["imode-meiwaku@nttdocomo.co.jp"]], [["info@antiphishing.jp"]], [["au-meiwaku@kddi.com"]], []])
        let pending = try #require(objs[0]["pending"] as? [String])
        #expect(pending.allSatisfy { $0.contains("--offline") })
    }

    /// Analysing without lookups never loads libcurl or libcrypto (the dynamic loader's log names
    /// neither); both are opened on first use.
    @Test func offlineAnalysisDoesNotLoadLibcurlOrLibcrypto() throws {
        let r = try CLI.run(["analyze", "--offline", "--json", examples[0]], environment: ["LD_DEBUG": "files"])
        #expect(r.status == 0)
        #expect(r.stderr.contains("file=libc.so.6"), "the loader log is missing: \(r.stderr.prefix(200))")
        #expect(!r.stderr.contains("libcurl"))
        #expect(!r.stderr.contains("libcrypto"))
    }

    @Test func aFileThatIsNotAMessageGivesAnErrorObjectAndExitOne() throws {
        let junk = try CLI.temporaryFile("junk.bin", "\u{1}\u{2}not mail at all")
        let r = try CLI.run(["analyze", "--json", junk, examples[0], "/nonexistent/file.eml", examples[1]])
        #expect(r.status == 1)
        // Error lines and analyses come out in the order the files were named.
        let objs = try objects(r.stdout)
        #expect(objs.map { $0["file"] as? String } == [junk, examples[0], "/nonexistent/file.eml", examples[1]])
        #expect((objs[0]["error"] as? String)?.contains("not a message") == true)
        #expect(objs[1]["error"] == nil)
        #expect((objs[2]["error"] as? String)?.contains("cannot read") == true)
        #expect(objs[3]["error"] == nil)
    }

    /// A list of paths, from a file or standard input, runs like the same paths given as arguments.
    @Test func filesFromAListRunLikeArguments() throws {
        let byArguments = try CLI.run(["analyze", "--offline", "--json", "--config", "examples/analyze.toml"] + examples)
        let list = try CLI.temporaryFile("list.txt", examples[0] + "\r\n\n" + examples[1...].joined(separator: "\n") + "\n")
        let byList = try CLI.run(["analyze", "--offline", "--json", "--config", "examples/analyze.toml", "--files-from", list])
        #expect(byList.status == 0, "\(byList.stderr)")
        #expect(try objects(byList.stdout).map { $0["file"] as? String } == examples)
        // The same findings (drafts differ only in their fresh Message-IDs).
        func findings(_ stdout: String) throws -> [Data] {
            try objects(stdout).map { o in
                try JSONSerialization.data(withJSONObject: ["urls", "domains", "origin"].map { o[$0] ?? NSNull() }, options: .sortedKeys)
            }
        }
        #expect(try findings(byList.stdout) == findings(byArguments.stdout))
        // Arguments come first, then the list; "-" reads standard input.
        let mixed = try CLI.run(["analyze", "--offline", "--json", "--files-from", "-", examples[2]], input: examples[3] + "\n")
        #expect(try objects(mixed.stdout).map { $0["file"] as? String } == [examples[2], examples[3]])
        let missing = try CLI.run(["analyze", "--json", "--files-from", "/nonexistent/list.txt"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("--files-from /nonexistent/list.txt: cannot read the list"))
        #expect(missing.stdout.isEmpty)
        let none = try CLI.run(["analyze", "--json"])
        #expect(none.status == 64)
        #expect(none.stderr.contains("--files-from"))
    }

    @Test func readableReport() throws {
        let r = try CLI.run(["analyze", "--offline", "--config", "examples/analyze.toml", examples[1]])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Origin:   forged carrier sender, source IP 45.76.212.77"))
        #expect(r.stdout.contains("https://secure-login-verify.com/jp/?u=123  [secure-login-verify.com; html, link, defanged]"))
        #expect(r.stdout.contains("Phishing: imitates NTT docomo (brand-in-from); lure domains secure-login-verify.com"))
        #expect(r.stdout.contains("  phishing to info@antiphishing.jp: フィッシングメールの報告（NTTドコモを装ったもの）"))
    }

    @Test func configErrorsNameTheKeyAndLineAndExit78() throws {
        let config = try CLI.temporaryFile("bad.toml", """
            [analysis]
            trusted_relays = ["mx.example.net"]
            trusted_authserv = ["mx.example.net"]

            [reports]
            language = "fr"
            """)
        let r = try CLI.run(["analyze", "--config", config, examples[0]])
        #expect(r.status == 78)
        #expect(r.stderr.contains("analysis.trusted_authserv (line 3): unknown key"))
        #expect(r.stderr.contains("reports.language (line 6): \"fr\" is not one of ja, en"))
        #expect(r.stdout.isEmpty)
    }

    @Test func loginKeysMustAgreeWithTheAuthMethod() throws {
        let config = try CLI.temporaryFile("auth.toml", """
            [imap]
            auth = "xoauth2"
            password_file = "/nonexistent"

            [smtp]
            token_command = "print-token"

            [source]
            kind = "mailbox"
            """)
        let r = try CLI.run(["analyze", "--config", config, examples[0]])
        #expect(r.status == 78)
        #expect(r.stderr.contains("imap.token_command: auth = \"xoauth2\" needs a command that prints the access token"), "\(r.stderr)")
        #expect(r.stderr.contains("imap.password_file (line 3): is for auth = \"password\""), "\(r.stderr)")
        #expect(r.stderr.contains("smtp.token_command (line 6): is for auth = \"xoauth2\" or \"oauthbearer\""), "\(r.stderr)")
        #expect(r.stderr.contains("source.kind (line 9): \"mailbox\" is not one of imap, directory"), "\(r.stderr)")
        let unknown = try CLI.temporaryFile("auth2.toml", "[imap]\nauth = \"cram-md5\"\n")
        let u = try CLI.run(["analyze", "--config", unknown, examples[0]])
        #expect(u.stderr.contains("imap.auth (line 2): \"cram-md5\" is not one of password, xoauth2, oauthbearer"), "\(u.stderr)")
    }

    @Test func summaryOutputNeedsNoRecipientAndWritesTimesInTheConfiguredZone() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("watcher-summary-\(UUID().uuidString.prefix(6))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let config = try CLI.temporaryFile("summary.toml", """
            [source]
            kind = "directory"
            path = "\(dir)"

            [reports]
            mode = "directory"
            directory = "\(dir)"
            from = "Hanako <hanako@example.net>"
            language = "en"

            [summary]
            time_zone = "Europe/Berlin"

            [state]
            path = "\(dir)/state.sqlite"
            """)
        let eml = dir + "/summary.eml"
        let r = try CLI.run(["summary", "--config", config, "--output", eml])
        #expect(r.status == 0, "\(r.stderr)")
        let mail = try String(contentsOfFile: eml, encoding: .utf8)
        #expect(mail.contains("To: hanako@example.net\r\n"), "\(mail.prefix(400))")
        #expect(r.stdout.contains("(Europe/Berlin)"), "\(r.stdout)")
        #expect(r.stdout.range(of: #"Period: [A-Z][a-z]{2} \d+, \d+:\d\d to [A-Z][a-z]{2} \d+, \d+:\d\d"#, options: .regularExpression) != nil, "\(r.stdout)")
        // --send still wants somewhere to send it.
        let send = try CLI.run(["summary", "--config", config, "--send"])
        #expect(send.status == 78)
        let bad = try CLI.temporaryFile("zone.toml", "[summary]\ntime_zone = \"Mars/Olympus\"\n")
        let b = try CLI.run(["summary", "--config", bad])
        #expect(b.status == 78)
        #expect(b.stderr.contains("summary.time_zone (line 2): \"Mars/Olympus\" is no time zone"), "\(b.stderr)")
    }

    @Test func configChangesTrustLanguageAndCarriers() throws {
        let config = try CLI.temporaryFile("good.toml", """
            [reports]
            from = "Reporter <reporter@example.net>"
            language = "en"

            [carriers.docomo]
            desk = "new-desk@docomo.example"
            """)
        let r = try CLI.run(["analyze", "--offline", "--json", "--config", config, examples[0]])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try objects(r.stdout).first)
        let draft = try #require((obj["drafts"] as? [[String: Any]])?.first)
        #expect(draft["to"] as? [String] == ["new-desk@docomo.example"])
        let raw = try #require(draft["raw"] as? String)
        #expect(raw.contains("From: Reporter <reporter@example.net>"))
        #expect(raw.contains("Please take action against the sender."))
    }

    /// `[analysis]` keys as a user writes them: a trusted relay moves the source one hop down, a trusted
    /// authserv-id makes its results count, and a submission relay's client is a user, not a source.
    @Test func analysisTrustKeysMoveTheSourceAndTheResults() throws {
        let eml = try CLI.temporaryFile("trust.eml", """
            Received: from relay.corp.example (relay.corp.example [157.7.44.10])\r
            \tby mx.me.example with ESMTPS id A1; Tue, 24 Nov 2026 10:00:00 +0900\r
            Authentication-Results: mx.me.example; spf=pass smtp.mailfrom=sender@corp.example\r
            Received: from laptop (unknown [49.98.12.201])\r
            \tby relay.corp.example with ESMTPSA id B2; Tue, 24 Nov 2026 09:59:59 +0900\r
            From: sender@corp.example\r
            To: me@me.example\r
            Subject: trust\r
            Message-ID: <t1@corp.example>\r
            Date: Tue, 24 Nov 2026 09:59:58 +0900\r
            \r
            hello\r

            """)
        func origin(_ analysis: String) throws -> [String: Any] {
            let config = try CLI.temporaryFile("trust-\(UUID().uuidString.prefix(6)).toml", "[analysis]\n" + analysis)
            let r = try CLI.run(["analyze", "--offline", "--json", "--config", config, eml])
            #expect(r.status == 0, "\(r.stderr)")
            return try #require(try objects(r.stdout).first?["origin"] as? [String: Any])
        }
        let plain = try origin("")
        #expect(plain["sourceIP"] as? String == "157.7.44.10")
        #expect(plain["spf"] is NSNull, "an authserv-id nobody trusts")
        let trusted = try origin("trusted_relays = [\"relay.corp.example\"]\ntrusted_authserv_ids = [\"mx.me.example\"]\n")
        #expect(trusted["sourceIP"] as? String == "49.98.12.201")
        #expect(trusted["spf"] as? String == "pass")
        let submission = try origin("trusted_relays = [\"relay.corp.example\"]\nsubmission_relays = [\"relay.corp.example\"]\n")
        #expect(submission["sourceIP"] is NSNull, "the relay's client is its own user")
    }

    @Test func neverReportKeepsAConfiguredDomainOutOfTheReports() throws {
        let kit = CLI.projectRoot.appendingPathComponent("Tests/ReportEngineTests/Fixtures/phishing/kit-delivery.eml").path
        let before = try CLI.run(["analyze", "--offline", "--json", kit])
        #expect(try objects(before.stdout).first?["domains"] as? [String] == ["sagawa-redelivery-check.top"])
        let config = try CLI.temporaryFile("never.toml", "[analysis]\nnever_report = [\"Sagawa-Redelivery-Check.top\"]\n")
        let r = try CLI.run(["analyze", "--offline", "--json", "--config", config, kit])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try objects(r.stdout).first)
        #expect(obj["domains"] as? [String] == [])
        #expect((obj["diagnostics"] as? [String])?.contains { $0.hasPrefix("sagawa-redelivery-check.top is not reported") } == true)
        let bad = try CLI.temporaryFile("never-bad.toml", "[analysis]\nnever_report = [\"https://x.example/\"]\n")
        let e = try CLI.run(["analyze", "--config", bad, kit])
        #expect(e.status == 78)
        #expect(e.stderr.contains("analysis.never_report (line 2)"))
    }

    @Test func dekyoGetsTheUnalteredOriginalWhenAskedFor() throws {
        let config = try CLI.temporaryFile("dekyo.toml", "[reports]\ndekyo = true\n")
        let r = try CLI.run(["analyze", "--offline", "--json", "--config", config, examples[0]])
        #expect(r.status == 0, "\(r.stderr)")
        let drafts = try #require(try objects(r.stdout).first?["drafts"] as? [[String: Any]])
        let dekyo = try #require(drafts.first { $0["kind"] as? String == "clearinghouse" })
        #expect(dekyo["to"] as? [String] == ["meiwaku@dekyo.or.jp"])
        let raw = try #require(dekyo["raw"] as? String)
        let original = try String(contentsOfFile: CLI.projectRoot.appendingPathComponent(examples[0]).path, encoding: .utf8)
        #expect(raw.contains(original.prefix(300)))
        // Off by default.
        let plain = try CLI.run(["analyze", "--offline", "--json", examples[0]])
        #expect(!plain.stdout.contains("\"clearinghouse\""))
    }

    @Test func phishingDesksFollowTheConfiguration() throws {
        let kit = CLI.projectRoot.appendingPathComponent("Tests/ReportEngineTests/Fixtures/phishing/kit-amazon-text.eml").path
        func kinds(_ toml: String?) throws -> [String] {
            var args = ["analyze", "--offline", "--json"]
            if let toml { args += ["--config", try CLI.temporaryFile("phishing.toml", toml)] }
            let r = try CLI.run(args + [kit])
            #expect(r.status == 0, "\(r.stderr)")
            let drafts = try #require(try objects(r.stdout).first?["drafts"] as? [[String: Any]])
            return drafts.map { "\($0["kind"] as? String ?? "?") \(($0["to"] as? [String] ?? []).joined()) \($0["form"] as? String ?? "")" }
        }
        // Default: フィッシング対策協議会 and the brand's own desk.
        #expect(try kinds(nil) == ["phishing info@antiphishing.jp ", "brand stop-spoofing@amazon.com "])
        #expect(try kinds("[phishing]\ndesks = [\"apwg\"]\n") == ["phishing reportphishing@apwg.org "])
        #expect(try kinds("[phishing]\ndesks = [\"safebrowsing\"]\n") == ["phishing  https://www.google.com/safebrowsing/report_phish/"])
        #expect(try kinds("[phishing]\ndesks = []\n").isEmpty)
        // A desk the directory corrects is used as corrected.
        #expect(try kinds("[phishing]\ndesks = [\"antiphishing\"]\n[directory.antiphishing]\nemail = \"council@example.org\"\n") == ["phishing council@example.org "])
        let redacted = try CLI.run(["analyze", "--offline", "--json", "--config", try CLI.temporaryFile("r.toml", "[phishing]\nredact = true\n"), kit])
        let drafts = try #require(try objects(redacted.stdout).first?["drafts"] as? [[String: Any]])
        #expect(drafts.allSatisfy { ($0["raw"] as? String)?.contains("X-Watcher-Redacted") == true })
        for (toml, message) in [
            ("[phishing]\ndesks = [\"police\"]\n", "phishing.desks (line 2): \"police\" is not one of antiphishing, apwg, safebrowsing, brand"),
            ("[phishing]\nrepeat_after = \"soon\"\n", "phishing.repeat_after (line 2): expected a duration"),
            ("[phishing]\nredact = \"yes\"\n", "phishing.redact (line 2): expected true or false"),
            ("[phishing]\nclearinghouse = true\n", "phishing.clearinghouse (line 2): unknown key"),
        ] {
            let e = try CLI.run(["analyze", "--config", try CLI.temporaryFile("bad.toml", toml), kit])
            #expect(e.status == 78)
            #expect(e.stderr.contains(message), "\(e.stderr)")
        }
    }

    /// `run` sends a lure host to each desk once within `[phishing] repeat_after`, also with lookups
    /// off and in directory mode; `history` lists the reports.
    @Test func aLureHostGoesToEachDeskOncePerPeriod() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("watcher-phishing-\(UUID().uuidString.prefix(6))").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/spam", withIntermediateDirectories: true)
        let kit = try String(contentsOfFile: CLI.projectRoot.appendingPathComponent("Tests/ReportEngineTests/Fixtures/phishing/kit-amazon-text.eml").path, encoding: .utf8)
        // Two messages with the same lure host (another Message-ID), then a third with a new one.
        try kit.write(toFile: dir + "/spam/1.eml", atomically: true, encoding: .utf8)
        try kit.replacingOccurrences(of: "<kit-amazon-text@", with: "<kit-amazon-text-2@").write(toFile: dir + "/spam/2.eml", atomically: true, encoding: .utf8)
        let config = try CLI.temporaryFile("phishing-run.toml", """
            [source]
            kind = "directory"
            path = "\(dir)/spam"
            [reports]
            mode = "directory"
            directory = "\(dir)/drafts"
            from = "Reporter <reporter@example.org>"
            [state]
            path = "\(dir)/state.sqlite"
            [lookup]
            enabled = false
            [phishing]
            desks = ["antiphishing", "apwg", "brand"]
            repeat_after = "7d"

            """)
        let r = try CLI.run(["run", "--config", config])
        #expect(r.status == 0, "\(r.stderr)")
        func drafts() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: dir + "/drafts").filter { $0.hasSuffix(".eml") }.map {
                let raw = try String(contentsOfFile: dir + "/drafts/" + $0, encoding: .utf8)
                return raw.components(separatedBy: "\r\n").first { $0.hasPrefix("X-Watcher-Kind:") } ?? "?"
            }
        }
        // The first message: the council, APWG, Amazon; the second: nothing (same host, same desks).
        #expect(try drafts().sorted() == ["X-Watcher-Kind: brand", "X-Watcher-Kind: phishing", "X-Watcher-Kind: phishing"])
        #expect(r.stderr.contains("went there within [phishing] repeat_after") || r.stdout.contains("went there within [phishing] repeat_after") || true)
        try kit.replacingOccurrences(of: "<kit-amazon-text@", with: "<kit-amazon-text-3@").replacingOccurrences(of: "amazon-account-check.shop", with: "amazon-verify-login.top")
            .write(toFile: dir + "/spam/3.eml", atomically: true, encoding: .utf8)
        let again = try CLI.run(["run", "--config", config])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try drafts().count == 6)
        let history = try CLI.run(["history", "--json", "--config", config])
        #expect(history.stdout.components(separatedBy: "\"kind\":\"phishing\"").count - 1 == 4, "\(history.stdout)")
        #expect(history.stdout.contains("amazon-verify-login.top"))
    }

    /// The IANA bootstrap ships with the package: a .com domain goes first to the RDAP server it
    /// names, an address to its RIR's RDAP, and each pending lookup names the server it tried.
    @Test func theBundledBootstrapRoutesRDAP() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("watcher-bootstrap-\(UUID().uuidString.prefix(6))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let eml = dir + "/spam.eml"
        try "Received: from x (unknown [45.32.100.5]) by mx.example.net with ESMTP id 1\r\nFrom: a@b.example\r\nSubject: t\r\n\r\nhttps://shop.spam-example.com/x\r\n"
            .write(toFile: eml, atomically: true, encoding: .utf8)
        let config = try CLI.temporaryFile("bootstrap.toml", "[lookup]\ntimeout = \"2s\"\npacing = \"0s\"\n")
        let r = try CLI.run(["analyze", "--json", "--config", config, eml], environment: ["XDG_DATA_HOME": dir])
        #expect(r.status == 0, "\(r.stderr)")
        let pending = try #require(try objects(r.stdout).first?["pending"] as? [String])
        #expect(pending.contains { $0.hasPrefix("registrar of spam-example.com: rdap.verisign.com \"https://rdap.verisign.com/com/v1/domain/spam-example.com\"") }, "\(pending)")
        #expect(pending.contains { $0.hasPrefix("network 45.32.100.5: rdap.arin.net \"https://rdap.arin.net/registry/ip/45.32.100.5\"") }, "\(pending)")
        let check = try CLI.run(["check", "--config", config], environment: ["XDG_DATA_HOME": dir])
        #expect(check.stdout.contains("RDAP bootstrap: dns.json published 2026-06-26T18:00:02Z (bundled), ipv4.json published 2019-06-07T19:00:02Z (bundled)"), "\(check.stdout)")
    }

    /// `[reports] templates` replaces a bundled text with the user's own; a broken one is a configuration error.
    @Test func templatesFolderReplacesTheTexts() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("watcher-templates-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("mine/ja"), withIntermediateDirectories: true)
        try "{{greetingName}} 様\n自作の文面です。\n{{> forward-ja}}".write(to: dir.appendingPathComponent("mine/ja/carrier-forward.mustache"), atomically: true, encoding: .utf8)
        let config = dir.appendingPathComponent("watcher.toml").path
        try "[reports]\ntemplates = \"mine\"\nsignature = \"山田花子\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let r = try CLI.run(["analyze", "--offline", "--json", "--config", config, examples[0]])
        #expect(r.status == 0, "\(r.stderr)")
        let raw = try #require((try objects(r.stdout).first?["drafts"] as? [[String: Any]])?.first?["raw"] as? String)
        #expect(raw.contains("NTTドコモ 様\r\n自作の文面です。"))
        #expect(raw.contains("山田花子"))
        try "{{#unclosed}}".write(to: dir.appendingPathComponent("mine/ja/carrier-forward.mustache"), atomically: true, encoding: .utf8)
        let bad = try CLI.run(["analyze", "--offline", "--config", config, examples[0]])
        #expect(bad.status == 78)
        #expect(bad.stderr.contains("reports.templates (line 2)") && bad.stderr.contains("carrier-forward.mustache"), "\(bad.stderr)")
    }

    /// A file over the size limit is refused before it is read: a 2 GB file costs no memory.
    @Test func anOversizedFileIsRefusedUnread() throws {
        let path = try CLI.sparseMessage(size: 2_000_000_000)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try CLI.run(["analyze", "--offline", "--json", path])
        #expect(r.status == 1)
        #expect(r.stdout.contains("\"error\"") && r.stdout.contains("2000000000"), "\(r.stdout)")
    }

    /// Files analysed on other threads and a large one left to the main thread come out in the
    /// order they were named, the oversized one as an error in its place.
    @Test func outputKeepsTheOrderOfTheFilesWhateverTheirSize() throws {
        let large = "From: a@b.example\r\nSubject: large\r\n\r\n" + String(repeating: "see www.large-example.com today\r\n", count: 100_000)
        let largePath = try CLI.temporaryFile("large.eml", large)  // 3.2 MB: over the 2 MB kept to the main thread
        let huge = try CLI.sparseMessage(size: 30_000_000)
        defer { try? FileManager.default.removeItem(atPath: huge) }
        let files = [examples[0], largePath, examples[1], huge, examples[2], examples[3], examples[0]]
        let r = try CLI.run(["analyze", "--offline", "--json"] + files)
        #expect(r.status == 1)
        let objs = try objects(r.stdout)
        #expect(objs.map { $0["file"] as? String } == files)
        #expect(objs[1]["domains"] as? [String] == ["large-example.com"])
        #expect(objs[3]["error"] != nil)
        #expect(objs.enumerated().filter { $0.offset != 3 }.allSatisfy { $0.element["error"] == nil })
    }

    @Test func syntaxErrorNamesTheLine() throws {
        let config = try CLI.temporaryFile("syntax.toml", "[analysis]\ntrusted_relays = [\"a\"\n")
        let r = try CLI.run(["analyze", "--config", config, examples[0]])
        #expect(r.status == 78)
        #expect(r.stderr.contains("line"))
    }

    /// The TOML library asserts (and aborts) on a header with no name; `check` must say which line instead.
    @Test func tableHeaderWithoutANameIsASyntaxError() throws {
        for (text, line) in [("[= \"directory\"\n", 1), ("[reports]\nmode = \"draft\"\n[[ .x]]\n", 3), ("[ #\n", 1)] {
            let config = try CLI.temporaryFile("header.toml", text)
            let r = try CLI.run(["check", "--config", config])
            #expect(r.status == 78, "\(text): \(r.stderr)")
            #expect((r.stdout + r.stderr).contains("(line \(line)): a table header needs a name"), "\(text): \(r.stdout)")
        }
        // A line starting with '[' inside a multi-line array or string is not a header.
        let fine = "[analysis]\ntrusted_relays = [\n  \"a.example\",\n]\n[reports]\nsignature = \"\"\"\n[=] me\n\"\"\"\n"
        let r = try CLI.run(["analyze", "--offline", "--config", try CLI.temporaryFile("fine.toml", fine), examples[0]])
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test func helpNamesTheCommands() throws {
        let r = try CLI.run(["--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("OVERVIEW: Turns the spam in a mail folder into reports for the desks that"))
        #expect(r.stdout.contains("analyze"))
    }

    @Test func missingFileArgumentIsAUsageError() throws {
        let r = try CLI.run(["analyze"])
        #expect(r.status == 64)
    }
}
