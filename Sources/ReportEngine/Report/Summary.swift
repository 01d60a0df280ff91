import Foundation

/// The digest of a period, from the ledger: what came in, what was reported to whom, which domains
/// were new or reported again, which were taken down and how fast, what is still pending, and the
/// runs that failed. `watcher summary` prints it and mails it.
public struct Summary: Sendable {
    public var since: Date
    public var until: Date
    public var messages: Int
    public var reports: Int
    /// Reports per desk (address or form), most first.
    public var byDesk: [(desk: String, count: Int)]
    public var newDomains: [String]
    public var repeatDomains: [String]
    public var takedowns: [Takedown]
    public var pendingLookups: Int
    public var failedRuns: [RunRecord]
    /// Reports and takedowns per day of the period (Asia/Tokyo days), oldest first.
    public var days: [(day: String, reports: Int, takedowns: Int)]
    /// Of `reports`, those about phishing to clearing houses and imitated brands.
    public var phishingReports = 0

    /// Reads the figures of `since`…`until` from the ledger.
    public static func make(ledger: Ledger, since: Date, until: Date = Date()) throws -> Summary {
        let history = try ledger.history(since: since).filter { $0.created <= until }
        var byDesk: [String: Int] = [:]
        var repeats: [String] = []
        for h in history {
            byDesk[h.to.isEmpty ? (h.form ?? "-") : h.to.joined(separator: ","), default: 0] += 1
            for d in h.repeatDomains where !repeats.contains(d) { repeats.append(d) }
        }
        let takedowns = try ledger.takedowns(since: since, until: until)
        var days: [(String, Int, Int)] = []
        var day = Summary.dayStart(since)
        while day <= until, days.count < 400 {
            let next = day.addingTimeInterval(86400)
            days.append((Summary.dayName(day), history.filter { $0.created >= day && $0.created < next }.count,
                         Set(takedowns.filter { $0.since >= day && $0.since < next }.map(\.domain)).count))
            day = next
        }
        var summary = Summary(since: since, until: until, messages: try ledger.messageCount(since: since, until: until), reports: history.count,
                       byDesk: byDesk.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) },
                       newDomains: try ledger.newDomains(since: since, until: until), repeatDomains: repeats, takedowns: takedowns,
                       pendingLookups: try ledger.pendingLookupCount(), failedRuns: try ledger.failedRuns(since: since, until: until),
                       days: days)
        summary.phishingReports = history.filter { $0.kind == DraftKind.phishing.rawValue || $0.kind == DraftKind.brand.rawValue }.count
        return summary
    }

    static let tokyo = TimeZone(identifier: "Asia/Tokyo")!

    static func dayStart(_ date: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = tokyo
        return calendar.startOfDay(for: date)
    }

    /// A date as `YYYY-MM-DD` in Japan.
    public static func dayString(_ date: Date) -> String { dayName(date) }

    static func dayName(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: tokyo).year().month().day())
    }

    static func iso(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: tokyo))
    }

    /// A duration in words: `3d 4h`, `5h 10m`, `12m`.
    public static func duration(_ seconds: TimeInterval) -> String {
        let s = max(0, Int(seconds))
        let d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60
        if d > 0 { return h > 0 ? "\(d)d \(h)h" : "\(d)d" }
        if h > 0 { return m > 0 ? "\(h)h \(m)m" : "\(h)h" }
        return "\(m)m"
    }

    /// The `summary --json` object.
    public var json: JSONValue {
        .object([
            ("since", .string(Summary.iso(since))),
            ("until", .string(Summary.iso(until))),
            ("messages", .number(messages)),
            ("reports", .number(reports)),
            ("phishingReports", .number(phishingReports)),
            ("byDesk", .object(byDesk.map { ($0.desk, .number($0.count)) })),
            ("newDomains", .strings(newDomains)),
            ("repeatDomains", .strings(repeatDomains)),
            ("takedowns", .array(takedowns.map { t in
                .object([("domain", .string(t.domain)), ("desk", .string(t.desk)), ("status", .string(t.status)),
                         ("after", .string(Summary.duration(t.after)))])
            })),
            ("pendingLookups", .number(pendingLookups)),
            ("failedRuns", .array(failedRuns.map { r in
                .object([("command", .string(r.command)), ("started", .string(Summary.iso(r.startedAt))),
                         ("exitStatus", .number(r.exitStatus)), ("summary", .string(r.summary))])
            })),
        ])
    }

    /// What the summary templates show.
    func context(language: ReportLanguage) -> [String: Any] {
        let peak = max(1, days.map { max($0.reports, $0.takedowns) }.max() ?? 1)
        return [
            "since": Summary.iso(since), "until": Summary.iso(until),
            "messages": "\(messages)", "reports": "\(reports)",
            "byDesk": byDesk.map { ["desk": $0.desk, "count": "\($0.count)"] }, "hasDesks": !byDesk.isEmpty,
            "newDomains": newDomains.joined(separator: ", "), "newDomainCount": "\(newDomains.count)",
            "repeatDomains": repeatDomains.joined(separator: ", "), "repeatDomainCount": "\(repeatDomains.count)",
            "takedowns": takedowns.map { ["domain": $0.domain, "desk": $0.desk, "status": $0.status, "after": Summary.duration($0.after)] },
            "hasTakedowns": !takedowns.isEmpty,
            "pendingLookups": "\(pendingLookups)",
            "failedRuns": failedRuns.map { ["command": $0.command, "started": Summary.iso($0.startedAt), "exitStatus": "\($0.exitStatus)", "summary": $0.summary] },
            "hasFailedRuns": !failedRuns.isEmpty,
            "days": days.map { d in
                ["day": d.day, "reports": "\(d.reports)", "takedowns": "\(d.takedowns)",
                 "reportWidth": "\(d.reports * 200 / peak)", "takedownWidth": "\(d.takedowns * 200 / peak)"]
            },
        ]
    }

    /// The summary as text.
    public func text(templates: ReportTemplates = .bundled, language: ReportLanguage) -> String {
        templates.render("summary-text", language: language, context(language: language))
    }

    /// The summary as an HTML page: tables and inline styles only (no script, no remote image), so any
    /// mail client shows it.
    public func html(templates: ReportTemplates = .bundled, language: ReportLanguage) -> String {
        templates.render("summary-html", language: language, context(language: language))
    }

    /// The summary mail: multipart/alternative with the text and the HTML.
    public func mail(from: String, to: String, language: ReportLanguage, templates: ReportTemplates = .bundled, now: Date = Date()) -> [UInt8] {
        let id = UUID().uuidString.lowercased()
        let boundary = "=_watcher_summary_" + id.replacingOccurrences(of: "-", with: "")
        var w = MessageWriter()
        w.header("From", raw: from)
        w.header("To", raw: to)
        w.header("Subject", text: language == .ja ? "watcher 報告のまとめ (\(Summary.dayName(since)) 〜 \(Summary.dayName(until)))"
                                                  : "watcher summary (\(Summary.dayName(since)) to \(Summary.dayName(until)))")
        w.header("Date", raw: MessageWriter.rfc5322Date(now))
        w.header("Message-ID", raw: "<\(id)@\(Address.domain(of: Address.first(in: from) ?? "") ?? "watcher.invalid")>")
        w.header("MIME-Version", raw: "1.0")
        w.header("X-Watcher-Kind", raw: "summary")
        w.header("Content-Type", raw: "multipart/alternative; boundary=\"\(boundary)\"")
        w.body("This is a multi-part message in MIME format.")
        w.line("--\(boundary)")
        w.header("Content-Type", raw: "text/plain; charset=UTF-8")
        w.header("Content-Transfer-Encoding", raw: "8bit")
        w.body(text(templates: templates, language: language))
        w.line("--\(boundary)")
        w.header("Content-Type", raw: "text/html; charset=UTF-8")
        w.header("Content-Transfer-Encoding", raw: "8bit")
        w.body(html(templates: templates, language: language))
        w.line("--\(boundary)--")
        return w.message
    }
}
