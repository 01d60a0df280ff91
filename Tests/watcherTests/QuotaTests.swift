import Foundation
import IMAPWatcher
import TestBedSupport
import Testing

/// The Drafts folder's account over its quota (Dovecot's quota plugin; user30 holds 40 KB in the
/// test bed): APPEND is refused with OVERQUOTA, the run exits 74 with a line that says what to free,
/// the reports wait in the ledger, and once mail is deleted the next run drafts each exactly once.
@Suite(.serialized, .enabled(if: TestBed.isRunning, "the test bed (scripts/testbed.sh) is not running"))
struct QuotaTests {
    typealias Account = RunIntegrationTests.Account

    @Test func anAccountOverItsQuotaStopsTheRunWith74AndNothingIsLostOrDoubled() throws {
        let account = try Account(30)
        let s = try account.session()
        let tag = "Q\(UUID().uuidString.prefix(5))"
        // Most of the 40 KB taken by one old message, then four spams: no room for their forwards.
        let filler = Array("From: old@example.test\r\nSubject: old\r\n\r\n".utf8)
            + Array(repeating: Array((String(repeating: "y", count: 76) + "\r\n").utf8), count: 400).flatMap { $0 }
        _ = try s.append(filler, to: "INBOX")
        for i in [0, 1, 3, 4] { _ = try s.append(RunIntegrationTests.spam(i, tag: tag), to: "Junk") }
        let full = try CLI.run(["run", "--config", try account.config()])
        #expect(full.status == 74, "\(full.stderr)")
        #expect(full.stderr.contains("over its quota") && full.stderr.contains("OVERQUOTA"), "\(full.stderr)")
        #expect(full.stderr.contains("nothing was lost"), "\(full.stderr)")
        let made = try s.open("Drafts", readOnly: true).exists
        #expect(made < 4, "the quota did stop the drafts: \(made)")
        // Room again: the old message goes.
        try s.expungeAll("INBOX")
        let after = try CLI.run(["run", "--config", try account.config()])
        #expect(after.status == 0, "\(after.stderr)")
        #expect(try s.open("Drafts", readOnly: true).exists == 4, "each forward exactly once")
        #expect(try CLI.run(["run", "--config", try account.config()]).status == 0)
        #expect(try s.open("Drafts", readOnly: true).exists == 4)
    }
}
