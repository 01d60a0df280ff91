import Foundation
@testable import ReportEngine
import Testing

/// Dates, durations and statuses as people write them, and desks by their names.
struct SummaryFormatTests {
    let ja = SummaryFormat(language: .ja)
    let en = SummaryFormat(language: .en, timeZone: TimeZone(identifier: "Asia/Tokyo"))

    @Test func timesInTheReadersZone() {
        let date = Date(timeIntervalSince1970: 1_796_336_640)  // 2026-12-03 22:24 UTC
        #expect(ja.time(date) == "12月4日 7:24")
        #expect(en.time(date) == "Dec 4, 7:24")
        #expect(SummaryFormat(language: .ja, timeZone: TimeZone(identifier: "UTC")).time(date) == "12月3日 22:24")
        #expect(ja.day(date) == "12月4日")
    }

    static let cases: [(Double, String, String)] = [
        (0, "1分未満", "under a minute"), (59, "1分未満", "under a minute"), (60, "1分", "1 minute"),
        (3 * 3600, "3時間", "3 hours"), (3 * 3600 + 600, "3時間10分", "3 hours 10 minutes"),
        (2 * 86400, "2日", "2 days"), (2 * 86400 + 5 * 3600, "2日5時間", "2 days 5 hours"),
    ]

    @Test(arguments: cases)
    func durations(_ seconds: Double, _ japanese: String, _ english: String) {
        #expect(ja.duration(seconds) == japanese)
        #expect(en.duration(seconds) == english)
    }

    @Test func statusesAndDeskNames() {
        #expect(ja.status("suspended") == "停止")
        #expect(ja.status("gone") == "削除")
        #expect(en.status("gone") == "deleted")
        let names = DeskNames()
        #expect(names.name(of: "imode-meiwaku@nttdocomo.co.jp", in: .ja) == "NTTドコモ")
        #expect(names.name(of: "info@antiphishing.jp", in: .ja) != nil)
        #expect(names.name(of: "abuse@unknown-registrar.example", in: .ja) == nil)
    }

    @Test func deskOutcomesCountTakedownsAndTheirMedian() {
        let day = 86400.0
        let now = Date()
        func entry(_ desk: String, _ domains: [String]) -> HistoryEntry {
            HistoryEntry(draftID: UUID().uuidString, created: now, kind: "registrar", to: [desk], form: nil, domains: domains,
                         repeatDomains: [], messageIDs: [], delivered: "Drafts")
        }
        let history = [entry("abuse@a.example", ["x.jp", "y.jp"]), entry("abuse@a.example", ["z.jp"]), entry("abuse@b.example", ["x.jp"])]
        let takedowns = [Takedown(domain: "x.jp", desk: "abuse@a.example", status: "suspended", after: 2 * day, since: now),
                         Takedown(domain: "y.jp", desk: "abuse@a.example", status: "gone", after: 4 * day, since: now),
                         Takedown(domain: "x.jp", desk: "abuse@b.example", status: "suspended", after: 1 * day, since: now)]
        let outcome = Summary.outcomes(history: history, takedowns: takedowns, names: DeskNames())
        #expect(outcome.map(\.desk) == ["abuse@a.example", "abuse@b.example"])
        #expect(outcome[0].reports == 2 && outcome[0].domains == 3 && outcome[0].takedowns == 2)
        #expect(outcome[0].medianHoursToTakedown == 72)
        #expect(abs(outcome[0].share - 2.0 / 3) < 0.001)
        #expect(outcome[1].medianHoursToTakedown == 24)
    }
}
