import ArgumentParser
import Foundation
import Logging
import IMAPWatcher
import ReportEngine

/// Loads the configuration and opens its ledger, or says why not (exit 78). A ledger that does not
/// exist yet is an empty history, not an error: nil.
func openLedger(config path: String) throws -> (WatcherConfig, Ledger?) {
    let settings: WatcherConfig
    do { settings = try WatcherConfig.load(path: path) } catch {
        printError("watcher: \(error)")
        throw ExitStatus.code(for: error)
    }
    guard FileManager.default.fileExists(atPath: settings.resolvedStatePath) else { return (settings, nil) }
    do { return (settings, try Ledger(path: settings.resolvedStatePath)) } catch {
        printError("watcher: \(error)")
        throw ExitStatus.failure
    }
}

/// `--since` values: a duration back from now (`24h`, `7d`) or a date (`2026-11-01`).
func parseSince(_ text: String?, default seconds: Int?) throws -> Date? {
    guard let text else { return seconds.map { Date().addingTimeInterval(-Double($0)) } }
    if let s = Duration.parse(text) { return Date().addingTimeInterval(-Double(s)) }
    if let d = try? Date(text, strategy: Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "Asia/Tokyo")!).year().month().day()) { return d }
    if let d = try? Date(text, strategy: .iso8601) { return d }
    throw ValidationError("--since takes a duration such as 24h or 7d, or a date such as 2026-11-01.")
}

let isoTokyo = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "Asia/Tokyo")!)

/// Text columns padded to their widest cell.
func table(_ header: [String], _ rows: [[String]]) -> String {
    let all = [header] + rows
    let widths = header.indices.map { i in all.map { $0[i].count }.max() ?? 0 }
    return all.map { row in
        row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
            .joined(separator: "  ")
    }.joined(separator: "\n")
}

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "What was reported, to whom and when: one line (or JSON object) per report.")

    @Option(name: .long, help: "Configuration file (TOML).")
    var config: String

    @Option(name: .long, help: "Only reports made since then: a duration back from now (24h, 7d) or a date (2026-11-01).")
    var since: String?

    @Flag(name: .long, help: "One JSON object per report per line.")
    var json = false

    func run() throws {
        let (_, ledger) = try openLedger(config: config)
        let entries = try ledger?.history(since: try parseSince(since, default: nil)) ?? []
        if json {
            for e in entries {
                print(JSONValue.object([
                    ("draftId", .string(e.draftID)), ("created", .string(e.created.formatted(isoTokyo))), ("kind", .string(e.kind)),
                    ("to", .strings(e.to)), ("form", .optional(e.form)), ("domains", .strings(e.domains)),
                    ("repeatDomains", .strings(e.repeatDomains)), ("messageIds", .strings(e.messageIDs)), ("delivered", .optional(e.delivered)),
                    ("refused", .optional(e.isRefused ? e.refusal : nil)), ("deferred", .optional(e.isRefused ? nil : e.refusal)),
                    ("nextAttempt", .optional(e.delivered == nil ? e.nextAttempt?.formatted(isoTokyo) : nil)),
                ]).serialized())
            }
            return
        }
        if entries.isEmpty { print("no report yet"); return }
        print(table(["created", "kind", "to", "domains", "repeat", "delivered"], entries.map { e in
            [e.created.formatted(isoTokyo), e.kind, e.to.isEmpty ? (e.form ?? "-") : e.to.joined(separator: ","),
             e.domains.isEmpty ? "-" : e.domains.joined(separator: ","), e.repeatDomains.isEmpty ? "-" : e.repeatDomains.joined(separator: ","),
             e.isRefused ? "refused (\(e.refusal!)): \(e.delivered!)"
                : e.delivered ?? (e.refusal.map { "deferred (\($0)), next attempt \(e.nextAttempt?.formatted(isoTokyo) ?? "soon")" } ?? "pending")]
        }))
    }
}

struct Domains: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "domains",
        abstract: "Every reported domain: how often, to whom, and whether it was taken down (see recheck).")

    @Option(name: .long, help: "Configuration file (TOML).")
    var config: String

    @Flag(name: .long, help: "One JSON object per domain per line.")
    var json = false

    func run() throws {
        let (_, ledger) = try openLedger(config: config)
        let entries = try ledger?.reportedDomains() ?? []
        if json {
            for e in entries {
                print(JSONValue.object([
                    ("domain", .string(e.domain)), ("messages", .number(e.messages)), ("reports", .number(e.reports)), ("desks", .strings(e.desks)),
                    ("firstReported", .string(e.firstReported.formatted(isoTokyo))), ("lastReported", .string(e.lastReported.formatted(isoTokyo))),
                    ("status", .string(e.status)), ("statusSince", .optional(e.statusSince?.formatted(isoTokyo))), ("evidence", .optional(e.evidence)),
                ]).serialized())
            }
            return
        }
        if entries.isEmpty { print("no domain reported yet"); return }
        print(table(["domain", "status", "since", "reports", "messages", "first reported", "desks"], entries.map { e in
            [e.domain, e.status, e.statusSince.map { Summary.dayString($0) } ?? "-", "\(e.reports)", "\(e.messages)", Summary.dayString(e.firstReported),
             e.desks.joined(separator: ",")]
        }))
    }
}

struct Recheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recheck",
        abstract: "Look reported domains up again and record which were suspended or are gone.",
        discussion: """
            A domain is looked up once its first report is older than [recheck] after (3d), again every \
            [recheck] every (7d), until [recheck] until (90d). Suspended: the name servers moved to a \
            registrar's abuse set, or a hold status; gone: the registry has no such domain. Exit status: 0, \
            or 78 for a configuration error.
            """)

    @Option(name: .long, help: "Check every reported domain first reported at least this long ago, however recently checked (0s: all).")
    var olderThan: String?

    @Option(name: .long, help: "Configuration file (TOML).")
    var config: String

    func run() throws {
        let (settings, opened) = try openLedger(config: config)
        guard let ledger = opened else { print("no domain reported yet"); return }
        var force = false
        var after = Double(settings.recheck.after)
        if let olderThan {
            guard let s = Duration.parse(olderThan) else { throw ValidationError("--older-than takes a duration such as 3d or 0s.") }
            after = Double(s)
            force = true
        }
        let domains = try ledger.domainsToRecheck(after: after, every: Double(settings.recheck.every), until: Double(settings.recheck.until), force: force)
        let resolver = settings.makeResolver(cache: ledger)
        // A re-check wants today's record: no cached answer is old news worth reusing.
        resolver.maxAge = 0
        var counts: [String: Int] = [:]
        var active: [(domain: String, evidence: String?)] = []
        for domain in domains {
            let (status, evidence) = resolver.recheck(domain)
            try ledger.setStatus(status, of: domain, evidence: evidence)
            if status == .active { active.append((domain, evidence)) }
            counts[status.rawValue, default: 0] += 1
            print("\(domain): \(status.rawValue)" + (evidence.map { " — \($0)" } ?? ""))
        }
        let text = DomainStatus.allCases.compactMap { s in counts[s.rawValue].map { "\($0) \(s.rawValue)" } }.joined(separator: ", ")
        print("rechecked \(domains.count) domain(s)" + (text.isEmpty ? "" : ": \(text)"))
        if let after = settings.recheck.followUpAfter {
            Log.bootstrap(level: .info)
            try Recheck.followUp(active: active, after: TimeInterval(after), settings: settings, ledger: ledger)
        }
    }

    /// One follow-up per desk for the domains it was told about that are still active `after` seconds
    /// after the latest report to it that named them (so at most one per domain and desk a period);
    /// none for a domain suspended or gone. Drafted, sent or written as `[reports] mode` says.
    static func followUp(active: [(domain: String, evidence: String?)], after: TimeInterval, settings: WatcherConfig, ledger: Ledger,
                         now: Date = Date()) throws {
        var byDesk: [String: (items: [FollowUpItem], messages: [Int64])] = [:]
        var order: [String] = []
        for (domain, evidence) in active {
            for record in try ledger.deskRecords(of: domain) where now.timeIntervalSince(record.last) >= after {
                if byDesk[record.desk] == nil { order.append(record.desk) }
                byDesk[record.desk, default: ([], [])].items.append(FollowUpItem(domain: domain, firstReported: record.first, reports: record.reports, evidence: evidence))
                byDesk[record.desk, default: ([], [])].messages += record.messageRowIDs
            }
        }
        guard !order.isEmpty else { return }
        let analyzer = settings.analyzerConfiguration
        let names = DeskNames(directory: settings.directoryTable, carriers: settings.carrierTable)
        let format = SummaryFormat(language: settings.reports.language, timeZone: settings.summary.timeZone)
        let reservations = order.map { desk -> ReportReservation in
            let (items, messages) = byDesk[desk]!
            let draft = FollowUpReport.make(desk: desk, deskName: names.name(of: desk, in: settings.reports.language), items: items,
                                            settings: analyzer.drafts, format: format, now: now)
            var seen = Set<Int64>()
            return ReportReservation(draft: draft, messageRowIDs: messages.filter { seen.insert($0).inserted }, domains: items.map(\.domain))
        }
        let pipeline = try Pipeline.make(config: settings, logger: Logger(label: "watcher"))
        for (draft, location) in try pipeline.deliverFollowUps(reservations) {
            print("follow-up to \(draft.desk) about \(draft.targets.joined(separator: ", ")): \(location)")
        }
    }
}

struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "The digest of what was reported: as text, JSON, an .eml file, or a mail to [summary] to.",
        discussion: """
            --send mails it to [summary] to (default: [imap] user): over SMTP when [smtp] is set, else it is put \
            in the IMAP INBOX. The mail has a text part and an HTML part with a chart of reports and takedowns \
            per day (tables and inline styles only).
            """)

    @Option(name: .long, help: "Configuration file (TOML).")
    var config: String

    @Option(name: .long, help: "The period: a duration back from now (default 24h) or a date (2026-11-01).")
    var since: String?

    @Flag(name: .long, help: "One JSON object.")
    var json = false

    @Flag(name: .long, help: "Mail the summary to [summary] to.")
    var send = false

    @Option(name: .long, help: "Write the summary mail to this .eml file.")
    var output: String?

    @Flag(name: .long, help: "Leave out the count of drafts waiting in the Drafts folder (no IMAP connection).")
    var noDrafts = false

    func run() throws {
        let (settings, opened) = try openLedger(config: config)
        let ledger = try opened ?? Ledger.inMemory()
        let names = DeskNames(directory: settings.directoryTable, carriers: settings.carrierTable)
        var summary = try Summary.make(ledger: ledger, since: try parseSince(since, default: 86400)!, names: names)
        if settings.reports.mode == .draft, settings.imap.server.url != nil, !noDrafts {
            summary.awaitingReview = SummaryCommand.awaitingReview(settings)
        }
        let format = SummaryFormat(language: settings.reports.language, timeZone: settings.summary.timeZone)
        if json { print(summary.json.serialized()) } else { print(summary.text(templates: settings.reports.templates, format: format, names: names)) }
        guard send || output != nil else { return }
        let from = settings.analyzerConfiguration.drafts.from
        // A file needs no recipient: it is addressed to the reporter's own address.
        guard let to = settings.summaryTo.flatMap({ Address.first(in: $0) }) ?? (send ? nil : Address.first(in: from)) else {
            printError("watcher: config: summary.to: no address to send the summary to (set [summary] to or [imap] user)")
            throw ExitStatus.config
        }
        let mail = summary.mail(from: from, to: to, format: format, templates: settings.reports.templates, names: names)
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: Data(mail)) else {
                printError("watcher: cannot write \(output)")
                throw ExitStatus.failure
            }
        }
        guard send else { return }
        do {
            if settings.smtp.url != nil {
                let smtp = try SMTPSubmission(settings.smtpServer(timeout: settings.lookupTimeout * 3))
                try smtp.send(mail, from: Address.first(in: from) ?? from, to: [to])
                printError("watcher: summary sent to \(to) over SMTP")
            } else {
                guard settings.imap.server.url != nil, let user = settings.imap.server.user else {
                    throw ConfigError(keyPath: "imap.url", line: nil, problem: "needed to put the summary in the INBOX when [smtp] is not set")
                }
                let session = try IMAPSession(settings.imapServer(timeout: settings.lookupTimeout * 3))
                _ = try session.append(mail, to: MailboxName("INBOX"), flags: [])
                printError("watcher: summary put in the INBOX of \(user)")
            }
        } catch {
            printError("watcher: \(error)")
            throw ExitStatus.code(for: error)
        }
    }
}

extension SummaryCommand {
    /// The drafts watcher made that still wait in the Drafts folder, and the oldest one's date; nil
    /// (with a line on standard error) when the server cannot be asked.
    static func awaitingReview(_ settings: WatcherConfig) -> Summary.AwaitingReview? {
        do {
            let session = try IMAPSession(settings.imapServer(timeout: settings.lookupTimeout * 3))
            let folders = try Folders.resolve(settings.imap, session: session, needsSpam: false, needsDrafts: true)
            try session.open(MailboxName(folders.drafts.name), readOnly: true)
            let uids = try session.uidSearch("HEADER X-Watcher-Draft-Id \"\"")
            let oldest = try uids.first.flatMap { try session.internalDate(uid: $0) }
            return Summary.AwaitingReview(count: uids.count, oldest: oldest)
        } catch {
            printError("watcher: the Drafts folder could not be read for the summary: \(error)")
            return nil
        }
    }
}
