import Foundation
import IMAPWatcher
import ReportEngine
import TestBedSupport
import Testing

/// Reports that remember, against the real Dovecot and Postfix and the loopback WHOIS: one report per
/// desk per run, repeat notes, history and domains, the takedown re-check and the summary.
@Suite(.serialized, .enabled(if: TestBed.isRunning && TestBed.dnsServer != nil, "the test bed (scripts/testbed.sh) is not running"))
struct ReportMemoryTests {
    static func spam(_ id: String, urls: [String]) -> [UInt8] {
        Array("""
            Received: from mgw.docomo.ne.jp (mgw.docomo.ne.jp [203.138.180.71]) by mx.user.example with ESMTP id 1\r
            \tfor <victim@docomo.ne.jp>; Fri, 20 Nov 2026 21:14:05 +0900\r
            Received: from phone (unknown [49.98.12.201]) by mgw.docomo.ne.jp (docomo) with ESMTPA id 2\r
            Authentication-Results: mgw.docomo.ne.jp; spf=pass smtp.mailfrom=x@docomo.ne.jp\r
            From: x@docomo.ne.jp\r
            To: victim@docomo.ne.jp\r
            Subject: =?UTF-8?B?\(Data("当選のお知らせ \(id)".utf8).base64EncodedString())?=\r
            Date: Fri, 20 Nov 2026 21:14:03 +0900\r
            Message-ID: <\(id)@docomo.ne.jp>\r
            Content-Type: text/plain; charset=UTF-8\r
            \r
            \(urls.joined(separator: "\r\n"))\r

            """.utf8)
    }

    static func answers() -> [String: String] {
        var a = LookupIntegrationTests.answers()
        a["third-one.jp/e"] = LookupIntegrationTests.jprs("third-one.jp", registrant: "Test Registrant A")
        return a
    }

    struct Setup {
        let account: RunIntegrationTests.Account
        let whois: FixtureServer
        let config: String

        func run(_ args: [String] = []) throws -> CLI.Result {
            let r = try CLI.run(["run", "--config", config] + args)
            #expect(r.status == 0, "\(r.stderr)")
            return r
        }

        func seed(_ messages: [[UInt8]]) throws {
            let s = try account.session()
            for m in messages { _ = try s.append(m, to: "Junk", flags: []) }
        }

        /// The drafts of one kind, as text.
        func drafts(kind: String) throws -> [String] {
            let s = try account.session()
            try s.open("Drafts", readOnly: true)
            return try s.fetch(uids: try s.uidSearch("ALL")).map { String(decoding: $0.bytes, as: UTF8.self) }
                .filter { $0.contains("X-Watcher-Kind: \(kind)\r\n") }
        }

        func json(_ command: [String]) throws -> [[String: Any]] {
            let r = try CLI.run(command + ["--config", config, "--json"])
            #expect(r.status == 0, "\(r.stderr)")
            return try r.stdout.split(separator: "\n").map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        }
    }

    func setup(_ n: Int, extra: String = "") throws -> Setup {
        let account = try RunIntegrationTests.Account(n)
        try account.session().expungeAll(MailboxName("INBOX"))
        let whois = try FixtureServer(mode: .whois, answers: Self.answers())
        let config = try account.config(extra: """
            signature = "Hanako Yamada"
            \(extra)

            [lookup]
            whois_servers = { jp = "\(whois.address)", ip = "\(whois.address)", jpnic = "\(whois.address)", iana = "\(whois.address)" }
            dns_server = "\(TestBed.dnsServer!)"
            pacing = "0s"
            timeout = "3s"
            """)
        // account.config writes [lookup] enabled = false before our section: drop it.
        let text = try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(of: "[lookup]\nenabled = false\n", with: "")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        return Setup(account: account, whois: whois, config: config)
    }

    @Test func twoRunsOverOverlappingDomainsGiveOneReportPerDeskAndARepeatNote() throws {
        let s = try setup(9)
        try s.seed([Self.spam("m1", urls: ["https://v42ycn-wtn3.jp/a?uid=victim"]), Self.spam("m2", urls: ["http://hecff-i99sq.jp/b"])])
        _ = try s.run()
        // Two spams naming two VALUE-DOMAIN domains: one report to that desk, both messages attached.
        let first = try s.drafts(kind: "registrar")
        #expect(first.count == 1)
        let report1 = try #require(first.first)
        #expect(report1.contains("v42ycn-wtn3.jp, hecff-i99sq.jp"))
        #expect(report1.contains("redacted-copy-1.eml") && report1.contains("redacted-copy-2.eml"))
        #expect(report1.contains("GMOデジロック株式会社 (バリュードメイン) ご担当者様"))
        #expect(report1.contains("Hanako Yamada"))
        #expect(!report1.contains("以前にも貴社へ報告した"))
        #expect(try s.drafts(kind: "carrier-forward").count == 2)

        // A later spam with one of those domains and a new one: the report notes the repeat.
        try s.seed([Self.spam("m3", urls: ["https://v42ycn-wtn3.jp/c", "https://third-one.jp/d"])])
        _ = try s.run()
        let second = try s.drafts(kind: "registrar").filter { $0 != report1 }
        #expect(second.count == 1)
        let report2 = try #require(second.first)
        let today = Summary.dayString(Date())
        #expect(report2.contains("v42ycn-wtn3.jp: 初回報告 \(today)、これまでに 1 件報告"), "\(report2)")
        #expect(!report2.contains("third-one.jp: 初回報告"))
        #expect(report2.contains("受信した迷惑メールは1通ごとに報告しております"))
        #expect(report2.contains("v42ycn-wtn3.jp, third-one.jp は同じ登録者名（Test Registrant A）で登録されています"), "\(report2)")
        try report2.write(toFile: FileManager.default.temporaryDirectory.appendingPathComponent("watcher-repeat-report.eml").path,
                          atomically: true, encoding: .utf8)

        // history and domains agree with what was delivered.
        let history = try s.json(["history"]).filter { $0["kind"] as? String == "registrar" }
        #expect(history.count == 2)
        #expect(history.map { ($0["messageIds"] as? [String])?.count } == [2, 1])
        #expect(history[1]["repeatDomains"] as? [String] == ["v42ycn-wtn3.jp"])
        #expect(history[1]["domains"] as? [String] == ["third-one.jp", "v42ycn-wtn3.jp"])
        #expect(history.allSatisfy { ($0["delivered"] as? String)?.hasPrefix("Drafts UID") == true })
        #expect(history.allSatisfy { $0["form"] as? String == "https://www.value-domain.com/" && ($0["to"] as? [String]) == [] })
        let domains = try s.json(["domains"])
        let alpha = try #require(domains.first { $0["domain"] as? String == "v42ycn-wtn3.jp" })
        #expect(alpha["messages"] as? Int == 2)
        #expect((alpha["desks"] as? [String])?.contains("https://www.value-domain.com/") == true)
        #expect(alpha["status"] as? String == "unchecked")

        // Weeks later the registry answers with the registrar's abuse name servers: suspended.
        var answers = Self.answers()
        answers["v42ycn-wtn3.jp/e"] = answers["v42ycn-wtn3.jp/e"]!
            .replacingOccurrences(of: "ns1.tg5ns.info", with: "ns1.abuse-value-domain.com")
            .replacingOccurrences(of: "ns2.tg5ns.info", with: "ns2.abuse-value-domain.com")
        s.whois.setAnswers(answers)
        // Not yet: [recheck] after is three days by default.
        let early = try CLI.run(["recheck", "--config", s.config])
        #expect(early.stdout.contains("rechecked 0 domain(s)"), "\(early.stdout)")
        // [recheck] after = "0s" makes them due; until = "0s" would let them go again.
        let past = s.account.dir + "/recheck-until.toml"
        try (try String(contentsOfFile: s.config, encoding: .utf8) + "\n[recheck]\nafter = \"0s\"\nuntil = \"0s\"\n").write(toFile: past, atomically: true, encoding: .utf8)
        #expect(try CLI.run(["recheck", "--config", past]).stdout.contains("rechecked 0 domain(s)"))
        let recheck = try CLI.run(["recheck", "--config", s.config, "--older-than", "0s"])
        #expect(recheck.status == 0, "\(recheck.stderr)")
        #expect(recheck.stdout.contains("v42ycn-wtn3.jp: suspended"))
        let after = try s.json(["domains"])
        let suspended = try #require(after.first { $0["domain"] as? String == "v42ycn-wtn3.jp" })
        #expect(suspended["status"] as? String == "suspended")
        #expect((suspended["evidence"] as? String)?.contains("[Name Server]                   ns1.abuse-value-domain.com") == true)
        #expect(suspended["statusSince"] is String)
        #expect(after.first { $0["domain"] as? String == "hecff-i99sq.jp" }?["status"] as? String == "active")

        // [recheck] follow_up_after: the still-active domain's desks get one follow-up each; the
        // suspended domain none; a second recheck within the period makes none again.
        let followUpConfig = s.account.dir + "/follow-up.toml"
        try (try String(contentsOfFile: s.config, encoding: .utf8) + "\n[recheck]\nfollow_up_after = \"0s\"\n")
            .write(toFile: followUpConfig, atomically: true, encoding: .utf8)
        let desksOfActive = Set(try #require(after.first { $0["domain"] as? String == "hecff-i99sq.jp" }?["desks"] as? [String]))
        let followRun = try CLI.run(["recheck", "--config", followUpConfig, "--older-than", "0s"])
        #expect(followRun.status == 0, "\(followRun.stderr)")
        let followUps = try s.drafts(kind: "follow-up")
        #expect(!followUps.isEmpty, "\(followRun.stdout) \(followRun.stderr)")
        #expect(followUps.allSatisfy { $0.contains("hecff-i99sq.jp") && !$0.contains("v42ycn-wtn3.jp") })
        #expect(followUps.allSatisfy { $0.contains("X-Watcher-Targets: hecff-i99sq.jp") }, "\(followUps.first ?? "")")
        #expect(followUps.contains { $0.contains("=?UTF-8?B?") })
        #expect(followUps.allSatisfy { !$0.contains("nil") })
        let history2 = try s.json(["history"]).filter { $0["kind"] as? String == "follow-up" }
        #expect(history2.count == followUps.count)
        #expect(Set(history2.map { (($0["to"] as? [String]) ?? []).joined(separator: ",") + (($0["form"] as? String) ?? "") })
                .isSubset(of: desksOfActive.union(desksOfActive.map { $0 })), "\(history2) \(desksOfActive)")
        let onceMore = s.account.dir + "/follow-up-1h.toml"
        try (try String(contentsOfFile: s.config, encoding: .utf8) + "\n[recheck]\nfollow_up_after = \"1h\"\n")
            .write(toFile: onceMore, atomically: true, encoding: .utf8)
        let withinPeriod = try CLI.run(["recheck", "--config", onceMore, "--older-than", "0s"])
        #expect(withinPeriod.status == 0, "\(withinPeriod.stderr)")
        #expect(try s.drafts(kind: "follow-up").count == followUps.count, "one follow-up per domain and desk a period")
        let counted = try #require(try s.json(["domains"]).first { $0["domain"] as? String == "hecff-i99sq.jp" })
        #expect((counted["reports"] as? Int ?? 0) >= 2 + followUps.count - 1)

        // The summary shows the reports, the repeat domain and the takedown.
        let summary = try #require(try s.json(["summary", "--since", "1h"]).first)
        #expect((summary["reports"] as? Int ?? 0) >= 4)
        #expect(summary["messages"] as? Int == 3)
        #expect((summary["repeatDomains"] as? [String])?.contains("v42ycn-wtn3.jp") == true)
        // Two reports and the follow-up.
        #expect((summary["byDesk"] as? [String: Int])?["https://www.value-domain.com/"] == 3)
        let takedowns = try #require(summary["takedowns"] as? [[String: Any]])
        #expect(takedowns.contains { $0["domain"] as? String == "v42ycn-wtn3.jp" && $0["status"] as? String == "suspended"
                && $0["desk"] as? String == "https://www.value-domain.com/" })
        // Each desk's outcome over 30 days, named from the directory.
        let outcomes = try #require(summary["desks"] as? [[String: Any]])
        let valueDomain = try #require(outcomes.first { $0["form"] as? String == "https://www.value-domain.com/" }, "\(outcomes)")
        #expect(valueDomain["nameJa"] as? String != nil && valueDomain["name"] as? String != nil)
        #expect(valueDomain["reports"] as? Int == 3)
        #expect(valueDomain["takedowns"] as? Int == 1)
        #expect(valueDomain["domains"] as? Int == 3)
        #expect(valueDomain["medianHoursToTakedown"] is String)
        #expect(outcomes.contains { $0["address"] as? String == "imode-meiwaku@nttdocomo.co.jp" && $0["name"] as? String == "NTT docomo" })
        #expect(summary["desks90"] is [[String: Any]])
        #expect((summary["followUps"] as? Int ?? 0) >= 1)
        // The drafts this test left in the Drafts folder wait for review.
        let waiting = try #require(summary["awaitingReview"] as? [String: Any])
        let draftsNow = try s.account.session().open("Drafts", readOnly: true).exists
        #expect(waiting["count"] as? Int == draftsNow, "\(waiting)")
        #expect(waiting["oldest"] is String)
        // The text names desks and says dates, statuses and durations in Japanese.
        let text = try CLI.run(["summary", "--config", s.config, "--since", "1h"]).stdout
        #expect(text.contains("下書きフォルダーで確認を待っている報告: \(draftsNow)件"), "\(text)")
        #expect(text.contains("v42ycn-wtn3.jp: 停止（"), "\(text)")
        #expect(text.contains("NTTドコモ（imode-meiwaku@nttdocomo.co.jp）") || text.contains("NTT docomo"), "\(text)")
        #expect(text.range(of: #"期間: \d+月\d+日 \d+:\d\d 〜 \d+月\d+日 \d+:\d\d（Asia/Tokyo）"#, options: .regularExpression) != nil, "\(text)")
        #expect(!text.contains("suspended") && !text.contains("T0") && !text.contains("+0900"), "\(text)")

        // --send: into the INBOX by IMAP without [smtp]; through Postfix with it.
        let inbox = try CLI.run(["summary", "--config", s.config, "--since", "1h", "--send"])
        #expect(inbox.status == 0, "\(inbox.stderr)")
        let smtpConfig = try String(contentsOfFile: s.config, encoding: .utf8) + """

            [smtp]
            url = "\(TestBed.smtpURL!)"
            user = "\(s.account.user)"
            password_file = "\(s.account.dir)/imap.pass"
            ca_file = "\(TestBed.caFile!)"
            """
        let smtpPath = s.account.dir + "/smtp.toml"
        try smtpConfig.write(toFile: smtpPath, atomically: true, encoding: .utf8)
        let sent = try CLI.run(["summary", "--config", smtpPath, "--since", "1h", "--send"])
        #expect(sent.status == 0, "\(sent.stderr)")
        let session = try s.account.session()
        var summaries: [String] = []
        for _ in 0..<100 {
            try session.open("INBOX", readOnly: true)
            summaries = try session.fetch(uids: try session.uidSearch("HEADER X-Watcher-Kind summary")).map { String(decoding: $0.bytes, as: UTF8.self) }
            if summaries.count >= 2 { break }
            usleep(100_000)
        }
        #expect(summaries.count == 2)
        #expect(summaries.filter { $0.contains("by 127.0.0.1") || $0.contains("Postfix") }.count == 1, "one came through Postfix")
        #expect(summaries.allSatisfy { $0.contains("multipart/alternative") && $0.contains("text/html") && $0.contains("v42ycn-wtn3.jp") })

        // The HTML part as a real browser renders it.
        let eml = s.account.dir + "/summary.eml"
        let boss = s.account.dir + "/summary-to.toml"
        try (try String(contentsOfFile: s.config, encoding: .utf8) + "\n[summary]\nto = \"Boss <boss@example.test>\"\n").write(toFile: boss, atomically: true, encoding: .utf8)
        let written = try CLI.run(["summary", "--config", boss, "--since", "1h", "--output", eml])
        #expect(written.status == 0, "\(written.stderr)")
        #expect(try String(contentsOfFile: eml, encoding: .utf8).contains("To: boss@example.test\r\n"))
        try checkRendering(eml: eml)
    }

    /// Opens the summary's HTML part in headless Chromium (Debian's package) and checks the page it
    /// renders: the figures, the takedown, one chart row per day, nothing loaded from outside.
    func checkRendering(eml: String) throws {
        guard let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-headless-shell"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            Issue.record("no headless Chromium installed (scripts/test.sh installs Debian's chromium)")
            return
        }
        let message = try MIMEMessage.parse(Array(try Data(contentsOf: URL(fileURLWithPath: eml))))
        #expect(message.root.contentType.mimeType == "multipart/alternative")
        let htmlPart = try #require(message.root.parts.first { $0.contentType.subtype == "html" })
        let html = htmlPart.decodedText().text
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("src=\"http"))
        let page = (eml as NSString).deletingLastPathComponent + "/summary.html"
        try html.write(toFile: page, atomically: true, encoding: .utf8)
        func chrome(_ args: [String]) throws -> String {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: chromium)
            p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=\(page).profile"] + args
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            try p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
        let dom = try chrome(["--dump-dom", "file://\(page)"])
        #expect(dom.contains("<td id=\"messages\""), "\(dom.prefix(300))")
        #expect(dom.contains("v42ycn-wtn3.jp"))
        #expect(dom.contains("停止"))
        #expect(dom.contains("name=\"viewport\""))
        #expect(dom.components(separatedBy: "class=\"bar-reports\"").count - 1 >= 1)
        // On a phone (390 px) nothing is wider than the screen: a copy of the page, laid out 390 px
        // wide (a headless window is never narrower than 500 px), measures itself.
        let measured = page + ".measure.html"
        try html.replacingOccurrences(of: "<html lang=", with: "<html style=\"width:390px\" lang=").replacingOccurrences(of: "</body>", with: """
            <script>var w = 0; document.querySelectorAll('table, p, h1, h2, ul, div').forEach(function (e) { w = Math.max(w, e.getBoundingClientRect().right); });
            document.body.setAttribute('data-widest', String(Math.ceil(w))); document.body.setAttribute('data-scroll', String(Math.max(document.documentElement.scrollWidth - (window.innerWidth - 390), 0)));</script></body>
            """).write(toFile: measured, atomically: true, encoding: .utf8)
        let phone = try chrome(["--window-size=390,900", "--dump-dom", "file://\(measured)"])
        let widest = phone.firstMatch(of: /data-widest="(\d+)"/).map { Int($0.1)! } ?? .max
        let scroll = phone.firstMatch(of: /data-scroll="(\d+)"/).map { Int($0.1)! } ?? .max
        #expect(widest <= 390 && scroll <= 390, "widest \(widest) px, page \(scroll) px at 390 px")
        for width in [390, 900] {
            let shot = (eml as NSString).deletingLastPathComponent + "/summary-\(width).png"
            _ = try chrome(["--screenshot=\(shot)", "--window-size=\(width),1400", "file://\(page)"])
            let png = try Data(contentsOf: URL(fileURLWithPath: shot))
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 5000, "a screenshot was rendered at \(width) px")
            try? FileManager.default.removeItem(atPath: FileManager.default.temporaryDirectory.appendingPathComponent("watcher-summary-\(width).png").path)
            try? FileManager.default.copyItem(atPath: shot, toPath: FileManager.default.temporaryDirectory.appendingPathComponent("watcher-summary-\(width).png").path)
        }
    }

    /// A run with lookups, killed at any ledger write, then run again: every spam forwarded once, and
    /// every desk's report made once, covering each message once.
    @Test(arguments: [2, 5, 9, 14, 20, 30, 45])
    func aRunWithLookupsKilledAnywhereMakesEachReportOnce(crashAfter: Int) throws {
        let s = try setup(11)
        try s.seed([Self.spam("c1", urls: ["https://v42ycn-wtn3.jp/a"]), Self.spam("c2", urls: ["http://hecff-i99sq.jp/b"]),
                    Self.spam("c3", urls: ["https://v42ycn-wtn3.jp/c", "https://third-one.jp/d"]), Self.spam("c4", urls: ["http://hecff-i99sq.jp/e"])])
        _ = try CLI.run(["run", "--config", s.config], environment: ["WATCHER_CRASH_AFTER": "\(crashAfter)"])
        _ = try s.run()
        _ = try s.run()
        let forwards = try s.drafts(kind: "carrier-forward")
        #expect(forwards.count == 4)
        let history = try s.json(["history"])
        #expect(history.allSatisfy { $0["delivered"] is String }, "nothing left pending")
        // Each desk got its report about each message once.
        var seen = Set<String>()
        for entry in history where entry["kind"] as? String != "carrier-forward" {
            let desk = (entry["to"] as? [String])?.first ?? (entry["form"] as? String ?? "")
            for id in entry["messageIds"] as? [String] ?? [] {
                #expect(seen.insert("\(desk) \(id)").inserted, "\(desk) got \(id) twice")
            }
        }
        let registrar = history.filter { $0["kind"] as? String == "registrar" }
        #expect(Set(registrar.flatMap { $0["messageIds"] as? [String] ?? [] }) == ["<c1@docomo.ne.jp>", "<c2@docomo.ne.jp>", "<c3@docomo.ne.jp>", "<c4@docomo.ne.jp>"])
        // The Drafts folder holds exactly what the ledger says was delivered there.
        let s2 = try s.account.session()
        try s2.open("Drafts", readOnly: true)
        #expect(try s2.uidSearch("ALL").count == history.count)
    }

    /// Send mode mails only desks the program knows (carriers, its directory) and those on
    /// `[reports] allowlist`; a desk learned from WHOIS alone gets a draft for review instead.
    @Test func sendModeMailsAWHOISLearnedDeskOnlyWhenAllowlisted() throws {
        let s = try setup(11, extra: """
            mode = "send"
            allowlist = ["abuse@rental-server.example.jp"]

            [smtp]
            url = "\(TestBed.smtpURL!)"
            user = "\(TestBed.user(11))"
            password_file = "PASSWORD_FILE"
            ca_file = "\(TestBed.caFile!)"
            """)
        let text = try String(contentsOfFile: s.config, encoding: .utf8)
        try text.replacingOccurrences(of: "PASSWORD_FILE", with: s.account.dir + "/imap.pass").write(toFile: s.config, atomically: true, encoding: .utf8)
        let sink = try IMAPSession(ServerConfiguration(url: TestBed.imapsURL!, user: TestBed.sinkUser, password: TestBed.sinkPassword,
                                                       caFile: TestBed.caFile, timeout: 10))
        func sent(to desk: String) throws -> Int {
            try sink.open("INBOX", readOnly: true)
            return try sink.uidSearch("HEADER To \"\(desk)\"").count
        }
        let hostingBefore = try sent(to: "abuse@rental-server.example.jp")
        let networkBefore = try sent(to: "abuse@mobile-carrier.example.jp")
        try s.seed([Self.spam("al\(UUID().uuidString.prefix(6))", urls: ["https://v42ycn-wtn3.jp/x"])])
        _ = try s.run()
        // The hosting desk is on the allowlist: mailed. The network desk is known from WHOIS only: a draft.
        var hosting = 0
        for _ in 0..<100 {
            hosting = try sent(to: "abuse@rental-server.example.jp") - hostingBefore
            if hosting > 0 { break }
            usleep(100_000)
        }
        #expect(hosting == 1)
        #expect(try sent(to: "abuse@mobile-carrier.example.jp") == networkBefore)
        #expect(try s.drafts(kind: "hosting").isEmpty)
        let network = try s.drafts(kind: "network")
        #expect(network.count == 1)
        #expect(network.first?.contains("To: abuse@mobile-carrier.example.jp") == true)
    }

    @Test func skipLeavesOutTheDomainsReportedBefore() throws {
        let s = try setup(10, extra: "repeat_policy = \"skip\"")
        try s.seed([Self.spam("k1", urls: ["https://v42ycn-wtn3.jp/a"])])
        _ = try s.run()
        #expect(try s.drafts(kind: "registrar").count == 1)
        try s.seed([Self.spam("k2", urls: ["https://v42ycn-wtn3.jp/again"]), Self.spam("k3", urls: ["https://v42ycn-wtn3.jp/b", "http://hecff-i99sq.jp/c"])])
        let r = try s.run()
        #expect(r.stderr.contains("reported there before: v42ycn-wtn3.jp") || r.stderr.contains("left out of the report to https://www.value-domain.com/, reported there before: v42ycn-wtn3.jp"))
        let registrar = try s.drafts(kind: "registrar")
        #expect(registrar.count == 2)
        let newer = try #require(registrar.first { $0.contains("hecff-i99sq.jp") })
        #expect(!newer.contains("対象ドメイン: v42ycn-wtn3.jp"))
        #expect(newer.contains("対象ドメイン: hecff-i99sq.jp"))
        // The carrier forward is never skipped.
        #expect(try s.drafts(kind: "carrier-forward").count == 3)
    }
}
