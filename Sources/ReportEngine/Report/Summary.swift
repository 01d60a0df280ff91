import Foundation

/// The digest of a period, from the ledger: what came in, what was reported to whom, which domains
/// were new or reported again, which were taken down and how fast, how each desk has done over the
/// last 30 and 90 days, what is still pending or waits for review, and the runs that failed.
/// `watcher summary` prints it and mails it.
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
    /// Of `reports`, the follow-ups about domains still up long after their report.
    public var followUps = 0
    /// How each desk did over the 30 and the 90 days up to `until`.
    public var desks: [DeskOutcome] = []
    public var desks90: [DeskOutcome] = []
    /// The drafts that wait in the Drafts folder for the user to read and send (draft mode), when
    /// the server could be asked.
    public var awaitingReview: AwaitingReview?
    /// Reports the SMTP server refused for good in the period (never reached the desk; kept for the
    /// person), and those it deferred that still wait, with the soonest next attempt.
    public var refused: [Refusal] = []
    public var waiting = 0
    public var nextAttempt: Date?

    /// A report the SMTP server refused: to whom, its answer, and where the report was kept.
    public struct Refusal: Sendable, Hashable {
        public var desk: String
        public var kind: String
        public var created: Date
        public var reason: String
        public var kept: String
    }

    /// How one desk did over a window: reports sent, domains named, how many of them were taken
    /// down, and the median time from the first report to the takedown.
    public struct DeskOutcome: Sendable, Hashable {
        /// Its address (or addresses, comma-separated) or its form.
        public var desk: String
        public var name: String?
        public var nameJa: String?
        public var reports: Int
        public var domains: Int
        public var takedowns: Int
        public var medianHoursToTakedown: Double?

        public var isForm: Bool { desk.hasPrefix("http://") || desk.hasPrefix("https://") }
        /// Of the domains named, the share taken down (0…1).
        public var share: Double { domains == 0 ? 0 : Double(takedowns) / Double(domains) }
    }

    /// Drafts in the Drafts folder: how many, and when the oldest was made.
    public struct AwaitingReview: Sendable, Hashable {
        public var count: Int
        public var oldest: Date?

        public init(count: Int, oldest: Date?) {
            self.count = count
            self.oldest = oldest
        }
    }

    /// Reads the figures of `since`…`until` from the ledger.
    public static func make(ledger: Ledger, since: Date, until: Date = Date(), names: DeskNames = DeskNames()) throws -> Summary {
        // A refused report never reached its desk: it counts for no desk and is listed on its own.
        let everything = try ledger.history(since: min(since, until.addingTimeInterval(-90 * 86400))).filter { $0.created <= until }
        let all = everything.filter { !$0.isRefused }
        let history = all.filter { $0.created >= since }
        var byDesk: [String: Int] = [:]
        var repeats: [String] = []
        for h in history {
            byDesk[h.desk, default: 0] += 1
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
        summary.refused = everything.filter { $0.isRefused && $0.created >= since }.map {
            Refusal(desk: $0.desk, kind: $0.kind, created: $0.created, reason: $0.refusal ?? "", kept: $0.delivered ?? "")
        }
        (summary.waiting, summary.nextAttempt) = try ledger.deferredReports()
        summary.phishingReports = history.filter { $0.kind == DraftKind.phishing.rawValue || $0.kind == DraftKind.brand.rawValue }.count
        summary.followUps = history.filter { $0.kind == DraftKind.followUp.rawValue }.count
        for window in [30, 90] {
            let start = until.addingTimeInterval(-Double(window) * 86400)
            let outcome = Summary.outcomes(history: all.filter { $0.created >= start }, takedowns: try ledger.takedowns(since: start, until: until), names: names)
            if window == 30 { summary.desks = outcome } else { summary.desks90 = outcome }
        }
        return summary
    }

    /// Per desk: the reports in `history`, the domains they named, and of those the ones in
    /// `takedowns` with the median time to it; most reports first.
    static func outcomes(history: [HistoryEntry], takedowns: [Takedown], names: DeskNames) -> [DeskOutcome] {
        var reports: [String: Int] = [:]
        var domains: [String: Set<String>] = [:]
        for h in history {
            reports[h.desk, default: 0] += 1
            domains[h.desk, default: []].formUnion(h.domains)
        }
        var taken: [String: [String: TimeInterval]] = [:]
        for t in takedowns where reports[t.desk] != nil { taken[t.desk, default: [:]][t.domain] = t.after }
        return reports.keys.sorted { reports[$0]! != reports[$1]! ? reports[$0]! > reports[$1]! : $0 < $1 }.map { desk in
            let hours = (taken[desk]?.values.map { $0 / 3600 } ?? []).sorted()
            let median: Double? = hours.isEmpty ? nil
                : hours.count % 2 == 1 ? hours[hours.count / 2] : (hours[hours.count / 2 - 1] + hours[hours.count / 2]) / 2
            let n = names.names(of: desk)
            return DeskOutcome(desk: desk, name: n?.name, nameJa: n?.nameJa, reports: reports[desk]!, domains: domains[desk]?.count ?? 0,
                               takedowns: hours.count, medianHoursToTakedown: median.map { ($0 * 10).rounded() / 10 })
        }
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

    /// A duration in short words for machines and logs: `3d 4h`, `5h 10m`, `12m`.
    public static func duration(_ seconds: TimeInterval) -> String {
        let s = max(0, Int(seconds))
        let d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60
        if d > 0 { return h > 0 ? "\(d)d \(h)h" : "\(d)d" }
        if h > 0 { return m > 0 ? "\(h)h \(m)m" : "\(h)h" }
        return "\(m)m"
    }

    /// The `summary --json` object.
    public var json: JSONValue {
        func outcome(_ o: DeskOutcome) -> JSONValue {
            .object([
                ("name", o.name.map(JSONValue.string) ?? .null), ("nameJa", o.nameJa.map(JSONValue.string) ?? .null),
                (o.isForm ? "form" : "address", .string(o.desk)),
                ("reports", .number(o.reports)), ("domains", .number(o.domains)), ("takedowns", .number(o.takedowns)),
                ("share", .string(String(format: "%.2f", o.share))),
                ("medianHoursToTakedown", o.medianHoursToTakedown.map { .string(String(format: "%.1f", $0)) } ?? .null),
            ])
        }
        return .object([
            ("since", .string(Summary.iso(since))),
            ("until", .string(Summary.iso(until))),
            ("messages", .number(messages)),
            ("reports", .number(reports)),
            ("phishingReports", .number(phishingReports)),
            ("followUps", .number(followUps)),
            ("byDesk", .object(byDesk.map { ($0.desk, .number($0.count)) })),
            ("newDomains", .strings(newDomains)),
            ("repeatDomains", .strings(repeatDomains)),
            ("takedowns", .array(takedowns.map { t in
                .object([("domain", .string(t.domain)), ("desk", .string(t.desk)), ("status", .string(t.status)),
                         ("after", .string(Summary.duration(t.after)))])
            })),
            ("desks", .array(desks.map(outcome))),
            ("desks90", .array(desks90.map(outcome))),
            ("awaitingReview", awaitingReview.map { a in
                .object([("count", .number(a.count)), ("oldest", a.oldest.map { .string(Summary.iso($0)) } ?? .null)])
            } ?? .null),
            ("pendingLookups", .number(pendingLookups)),
            ("refused", .array(refused.map { r in
                .object([("desk", .string(r.desk)), ("kind", .string(r.kind)), ("created", .string(Summary.iso(r.created))),
                         ("reason", .string(r.reason)), ("kept", .string(r.kept))])
            })),
            ("waitingForSMTP", .object([("count", .number(waiting)), ("nextAttempt", nextAttempt.map { .string(Summary.iso($0)) } ?? .null)])),
            ("failedRuns", .array(failedRuns.map { r in
                .object([("command", .string(r.command)), ("started", .string(Summary.iso(r.startedAt))),
                         ("exitStatus", .number(r.exitStatus)), ("summary", .string(r.summary))])
            })),
        ])
    }

    /// What the summary templates show, written for a person in `format`'s language and zone.
    func context(format: SummaryFormat, names: DeskNames, now: Date) -> [String: Any] {
        let ja = format.language == .ja
        let peak = max(1, days.map { max($0.reports, $0.takedowns) }.max() ?? 1)
        func desk(_ address: String) -> [String: Any] {
            let name = names.name(of: address, in: format.language)
            return ["name": name ?? address, "address": name == nil ? "" : address, "hasAddress": name != nil]
        }
        // One row per domain, with every desk it was reported to.
        var rows: [String: (status: String, after: TimeInterval, since: Date, desks: [String])] = [:]
        for t in takedowns {
            var row = rows[t.domain] ?? (t.status, t.after, t.since, [])
            row.after = max(row.after, t.after)
            row.desks.append(t.desk)
            rows[t.domain] = row
        }
        let takedownRows = rows.sorted { $0.value.since != $1.value.since ? $0.value.since < $1.value.since : $0.key < $1.key }.map { domain, row in
            ["domain": domain, "status": format.status(row.status), "when": format.time(row.since),
             "after": format.duration(row.after), "desks": row.desks.map(desk)] as [String: Any]
        }
        func outcomes(_ list: [DeskOutcome]) -> [[String: Any]] {
            list.map { o in
                desk(o.desk).merging([
                    "reports": "\(o.reports)", "takedowns": "\(o.takedowns)", "domains": "\(o.domains)",
                    "share": "\(Int((o.share * 100).rounded()))%",
                    "median": o.medianHoursToTakedown.map { format.duration($0 * 3600) } ?? "–",
                ]) { a, _ in a }
            }
        }
        return [
            "period": "\(format.time(since))\(ja ? " 〜 " : " to ")\(format.time(until))",
            "zone": format.timeZone.identifier,
            "messages": "\(messages)", "reports": "\(reports)",
            "phishingReports": "\(phishingReports)", "followUps": "\(followUps)",
            "byDesk": byDesk.map { desk($0.desk).merging(["count": "\($0.count)"]) { a, _ in a } }, "hasDesks": !byDesk.isEmpty,
            "newDomains": newDomains.joined(separator: ", "), "newDomainCount": "\(newDomains.count)", "hasNewDomains": !newDomains.isEmpty,
            "repeatDomains": repeatDomains.joined(separator: ", "), "repeatDomainCount": "\(repeatDomains.count)", "hasRepeatDomains": !repeatDomains.isEmpty,
            "takedowns": takedownRows, "hasTakedowns": !takedownRows.isEmpty,
            "desks": outcomes(desks), "hasOutcomes": !desks.isEmpty, "desks90": outcomes(desks90), "hasOutcomes90": !desks90.isEmpty,
            "awaitingReview": awaitingReview.map { a -> [String: Any] in
                ["count": "\(a.count)", "oldest": a.oldest.map { format.duration(now.timeIntervalSince($0)) } ?? "", "hasOldest": a.oldest != nil && a.count > 0,
                 "none": a.count == 0]
            } as Any,
            "hasAwaitingReview": awaitingReview != nil,
            "pendingLookups": "\(pendingLookups)", "hasPendingLookups": pendingLookups > 0,
            "failedRuns": failedRuns.map { ["command": $0.command, "started": format.time($0.startedAt), "exitStatus": "\($0.exitStatus)", "summary": $0.summary] },
            "hasFailedRuns": !failedRuns.isEmpty,
            "refused": refused.map { r in
                desk(r.desk).merging(["when": format.time(r.created), "reason": r.reason, "kept": r.kept]) { a, _ in a }
            },
            "hasRefused": !refused.isEmpty,
            "waiting": "\(waiting)", "hasWaiting": waiting > 0, "nextAttempt": nextAttempt.map(format.time) ?? "",
            "days": days.map { d in
                ["day": d.day, "reports": "\(d.reports)", "takedowns": "\(d.takedowns)",
                 "reportWidth": "\(d.reports * 150 / peak)", "takedownWidth": "\(d.takedowns * 150 / peak)"]
            },
        ]
    }

    /// The summary as text.
    public func text(templates: ReportTemplates = .bundled, format: SummaryFormat, names: DeskNames = DeskNames(), now: Date = Date()) -> String {
        templates.render("summary-text", language: format.language, context(format: format, names: names, now: now))
    }

    /// The summary as an HTML page: tables and inline styles only (no script, no remote image), so any
    /// mail client shows it, and no wider than a phone's 390 px.
    public func html(templates: ReportTemplates = .bundled, format: SummaryFormat, names: DeskNames = DeskNames(), now: Date = Date()) -> String {
        templates.render("summary-html", language: format.language, context(format: format, names: names, now: now))
    }

    /// The summary mail: multipart/alternative with the text and the HTML.
    public func mail(from: String, to: String, format: SummaryFormat, templates: ReportTemplates = .bundled, names: DeskNames = DeskNames(),
                     now: Date = Date()) -> [UInt8] {
        let id = UUID().uuidString.lowercased()
        let boundary = "=_watcher_summary_" + id.replacingOccurrences(of: "-", with: "")
        var w = MessageWriter()
        w.header("From", raw: from)
        w.header("To", raw: to)
        w.header("Subject", text: format.language == .ja ? "watcher 報告のまとめ（\(format.day(since))〜\(format.day(until))）"
                                                         : "watcher summary (\(format.day(since)) to \(format.day(until)))")
        w.header("Date", raw: MessageWriter.rfc5322Date(now, timeZone: format.timeZone))
        w.header("Message-ID", raw: "<\(id)@\(Address.domain(of: Address.first(in: from) ?? "") ?? "watcher.invalid")>")
        w.header("MIME-Version", raw: "1.0")
        w.header("X-Watcher-Kind", raw: "summary")
        w.header("Content-Type", raw: "multipart/alternative; boundary=\"\(boundary)\"")
        w.body("This is a multi-part message in MIME format.")
        w.line("--\(boundary)")
        w.header("Content-Type", raw: "text/plain; charset=UTF-8")
        w.header("Content-Transfer-Encoding", raw: "8bit")
        w.body(text(templates: templates, format: format, names: names, now: now))
        w.line("--\(boundary)")
        w.header("Content-Type", raw: "text/html; charset=UTF-8")
        w.header("Content-Transfer-Encoding", raw: "8bit")
        w.body(html(templates: templates, format: format, names: names, now: now))
        w.line("--\(boundary)--")
        return w.message
    }
}

extension HistoryEntry {
    /// The desk it went to: its addresses, or its form.
    var desk: String { to.isEmpty ? (form ?? "-") : to.joined(separator: ",") }
}
