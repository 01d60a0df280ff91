import Foundation
import GRDB
import IMAPWatcher
import ReportEngine
import TestBedSupport
import Testing

/// Reports the SMTP server does not take, in `mode = "send"` against the test bed's Postfix, whose
/// recipient table answers for some desk addresses as a desk's server would (refusals.regexp in
/// scripts/testbed.sh): 5xx settles the report with a copy in Drafts and it is never sent again;
/// 4xx leaves it in the ledger for a later run after a back-off, and the run ends 75 naming the
/// answer; 421, a cut or a stall while sending hold the rest of the run. Nothing lost, nothing doubled.
@Suite(.serialized, .enabled(if: TestBed.isRunning, "the test bed (scripts/testbed.sh) is not running"))
struct SMTPRefusalTests {
    typealias Account = RunIntegrationTests.Account

    /// Send mode with the docomo and au desks at the given addresses.
    func config(_ account: Account, docomo: String, au: String = "abuse-au@desk.test", smtpURL: String = TestBed.smtpURL!) throws -> String {
        try account.config(extra: """
            mode = "send"

            [smtp]
            url = "\(smtpURL)"
            user = "\(account.user)"
            password_file = "\(account.dir)/imap.pass"
            ca_file = "\(TestBed.caFile!)"

            [carriers.docomo]
            desk = "\(docomo)"

            [carriers.au]
            desk = "\(au)"
            """)
    }

    func seed(_ account: Account, _ indices: [Int], tag: String) throws {
        let s = try account.session()
        for i in indices { _ = try s.append(RunIntegrationTests.spam(i, tag: tag), to: "Junk") }
    }

    func reports(_ account: Account) throws -> [HistoryEntry] {
        try Ledger(path: account.dir + "/state.sqlite").history()
    }

    /// Makes every deferred report due now, as if its back-off had passed; `age` moves its creation back too.
    func makeDue(_ account: Account, age: TimeInterval = 0) throws {
        let db = try DatabaseQueue(path: account.dir + "/state.sqlite")
        try db.write { db in
            try db.execute(sql: "UPDATE report SET nextAttemptAt = '2000-01-01 00:00:00.000' WHERE status = 'pending'")
            if age > 0 {
                try db.execute(sql: "UPDATE report SET createdAt = ? WHERE status = 'pending'", arguments: [Date().addingTimeInterval(-age)])
            }
        }
    }

    func draftCount(_ account: Account) throws -> Int {
        let s = try account.session()
        return try s.open("Drafts", readOnly: true).exists
    }

    @Test func aRefusalSettlesTheReportKeepsItInDraftsAndNeverSendsItAgain() throws {
        let account = try Account(25)
        let tag = "R\(UUID().uuidString.prefix(5))"
        try seed(account, [0, 1], tag: tag)  // a docomo and an au subscriber
        let path = try config(account, docomo: "nouser550@desk.test", au: "refused554@desk.test")
        let first = try CLI.run(["run", "--config", path])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("550 5.1.1"), "names the answer: \(first.stderr)")
        #expect(first.stderr.contains("554 5.7.1"), "\(first.stderr)")
        #expect(first.stderr.contains("refused the carrier-forward report to nouser550@desk.test"), "\(first.stderr)")
        #expect(try draftCount(account) == 2, "each refused report is kept in Drafts for the person")
        let entries = try reports(account)
        #expect(entries.count == 2)
        #expect(entries.allSatisfy { $0.isRefused && $0.delivered?.contains("kept in Drafts UID") == true }, "\(entries)")
        // Settled: the next run sends nothing and keeps nothing again.
        let second = try CLI.run(["run", "--config", path])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(TestBed.refusals(of: "nouser550@desk.test") >= 1)
        let before = TestBed.refusals(of: "nouser550@desk.test")
        #expect(try CLI.run(["run", "--config", path]).status == 0)
        #expect(TestBed.refusals(of: "nouser550@desk.test") == before, "not sent again")
        #expect(try draftCount(account) == 2)
        // The summary lists them and counts them for no desk.
        let summary = try CLI.run(["summary", "--config", path, "--json", "--no-drafts"])
        #expect(summary.status == 0, "\(summary.stderr)")
        #expect(summary.stdout.contains("\"desk\":\"nouser550@desk.test\""), "\(summary.stdout)")
        #expect(summary.stdout.contains("554 5.7.1"))
        #expect(summary.stdout.contains("\"reports\":0"), "\(summary.stdout)")
        let text = try CLI.run(["summary", "--config", path, "--no-drafts"])
        #expect(text.stdout.contains("refused"), "\(text.stdout)")
        #expect(text.stdout.contains("550 5.1.1"), "\(text.stdout)")
    }

    @Test func aDeferralWaitsForItsBackOffThenGoesOutOrIsRefusedAfterFiveDays() throws {
        let account = try Account(26)
        let tag = "D\(UUID().uuidString.prefix(5))"
        try seed(account, [0, 1], tag: tag)
        let path = try config(account, docomo: "busy450@desk.test", au: "full452@desk.test")
        let first = try CLI.run(["run", "--config", path])
        #expect(first.status == 75, "\(first.stderr)")
        #expect(first.stderr.contains("450 4.2.1") || first.stderr.contains("452 4.2.2"), "names the answer: \(first.stderr)")
        #expect(first.stderr.contains("wait in the ledger, next attempt after"), "\(first.stderr)")
        var entries = try reports(account)
        #expect(entries.count == 2)
        #expect(entries.allSatisfy { $0.delivered == nil && $0.refusal != nil && $0.nextAttempt != nil }, "\(entries)")
        if let next = entries.first?.nextAttempt { #expect(abs(next.timeIntervalSinceNow - 300) < 60, "the first back-off is 5 minutes: \(next)") }
        #expect(try draftCount(account) == 0, "a deferred report is not a refused one")
        // Before the back-off ends the server is not asked again.
        let asked = TestBed.refusals(of: "busy450@desk.test")
        let early = try CLI.run(["run", "--config", path])
        #expect(early.status == 0, "\(early.stderr)")
        #expect(TestBed.refusals(of: "busy450@desk.test") == asked)
        // After it, once more: deferred again, with a longer back-off.
        try makeDue(account)
        let again = try CLI.run(["run", "--config", path])
        #expect(again.status == 75, "\(again.stderr)")
        #expect(TestBed.refusals(of: "busy450@desk.test") == asked + 1)
        entries = try reports(account)
        if let next = entries.first?.nextAttempt { #expect(abs(next.timeIntervalSinceNow - 900) < 60, "the second back-off is 15 minutes: \(next)") }
        // A server that still defers after five days has refused: kept in Drafts, settled.
        try makeDue(account, age: 6 * 86400)
        let late = try CLI.run(["run", "--config", path])
        #expect(late.status == 0, "\(late.stderr)")
        #expect(late.stderr.contains("still deferred after 5 days"), "\(late.stderr)")
        entries = try reports(account)
        #expect(entries.allSatisfy { $0.isRefused }, "\(entries)")
        #expect(try draftCount(account) == 2)
        // The failed runs are in the summary, with the answer.
        let summary = try CLI.run(["summary", "--config", path, "--json", "--no-drafts"])
        #expect(summary.stdout.contains("\"exitStatus\":75"), "\(summary.stdout)")
        #expect(summary.stdout.contains("busy450") || summary.stdout.contains("450 4.2.1"), "\(summary.stdout)")
    }

    @Test func a421HoldsTheRestOfTheRunAndTheReportsGoOutLater() throws {
        let account = try Account(27)
        let tag = "F\(UUID().uuidString.prefix(5))"
        try seed(account, [0, 3], tag: tag)  // two docomo subscribers
        let closing = try config(account, docomo: "closing421@desk.test")
        let before = TestBed.refusals(of: "closing421@desk.test")
        let first = try CLI.run(["run", "--config", closing])
        #expect(first.status == 75, "\(first.stderr)")
        #expect(first.stderr.contains("421 4.7.0"), "\(first.stderr)")
        #expect(first.stderr.contains("did not take 2 reports now"), "\(first.stderr)")
        #expect(TestBed.refusals(of: "closing421@desk.test") - before == 1, "after a 421 the run sends nothing more")
        #expect(try reports(account).allSatisfy { $0.delivered == nil })
    }

    @Test func aCutOrAStallWhileSendingDefersAndTheReportGoesOutOnceLater() throws {
        let account = try Account(28)
        let tag = "K\(UUID().uuidString.prefix(5))"
        try seed(account, [0, 1, 3], tag: tag)  // three carrier forwards
        let target = UInt16(TestBed.smtpURL!.split(separator: ":").last!)!
        // Cut in the middle of the exchange (after the TLS handshake, before the message's end), then stalled.
        let proxy = try FaultProxy(target: target) { _ in .cut(after: 3000) }
        var via = try config(account, docomo: "abuse-docomo@desk.test", smtpURL: "smtp://127.0.0.1:\(proxy.port)")
        let cut = try CLI.run(["run", "--config", via])
        #expect(cut.status == 75, "\(cut.stderr)")
        #expect(cut.stderr.contains("127.0.0.1:\(proxy.port)"), "names the server: \(cut.stderr)")
        #expect(proxy.connections == 1, "after a cut the run sends nothing more: \(proxy.connections) connections")
        #expect(try reports(account).allSatisfy { $0.delivered == nil })
        proxy.plan { _ in .stall(after: 3000) }
        try makeDue(account)
        try Account.shortenTimeouts(via)
        let started = Date()
        let stalled = try CLI.run(["run", "--config", via])
        #expect(stalled.status == 75, "\(stalled.stderr)")
        #expect(stalled.stderr.contains("timed out") || stalled.stderr.contains("Timeout"), "\(stalled.stderr)")
        #expect(Date().timeIntervalSince(started) < 30)
        // The server answers again: each report goes out once.
        try makeDue(account)
        via = try config(account, docomo: "abuse-docomo@desk.test")
        let good = try CLI.run(["run", "--config", via])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stderr.isEmpty || !good.stderr.contains("error"), "\(good.stderr)")
        let sent = try RunIntegrationTests().sinkMessages(tagged: tag, atLeast: 3)
        #expect(sent.count == 3, "each forward reached the desk once: \(sent.count)")
        let settled = try reports(account)
        #expect(settled.allSatisfy { $0.delivered != nil && !$0.isRefused }, "\(settled)\n\(good.stderr)")
        #expect(try CLI.run(["run", "--config", via]).status == 0)
        usleep(500_000)
        #expect(try RunIntegrationTests().sinkMessages(tagged: tag, atLeast: 4).count == 3, "none doubled")
    }
}
