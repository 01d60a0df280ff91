import Foundation
import IMAPWatcher
import Logging
import ReportEngine

/// What one pass did.
struct RunSummary: Sendable, CustomStringConvertible {
    var examined = 0
    var known = 0
    var unreadable = 0
    var settled = 0
    /// Carrier (and clearing-house) forwards made.
    var forwards = 0
    /// Reports to registrars, hosts, networks and nameserver operators made.
    var deskReports = 0
    /// Phishing reports to clearing houses and to imitated brands made.
    var phishingReports = 0
    /// This run's new messages, and those of them that got a report of any kind.
    var newMessages = Set<Int64>()
    var reportedMessages = Set<Int64>()
    /// Older messages whose lookups were retried.
    var retried = 0
    /// Reports the SMTP server deferred (4xx, a cut or a stall), left pending for a later attempt, and
    /// the last answer with the soonest next attempt.
    var deferred = 0
    var deferral: (reason: MailError, next: Date)?
    /// Reports the SMTP server refused for good (5xx): settled, kept for the person to read.
    var refused = 0

    var drafts: Int { forwards + deskReports + phishingReports }

    /// The line that says why reports wait and until when: "smtp://…: the server deferred the message
    /// (451 4.3.0 …): 2 reports wait in the ledger; next attempt after 2026-12-04 09:15".
    static func deferralLine(_ deferral: (reason: MailError, next: Date), count: Int) -> String {
        "\(deferral.reason.server): the server did not take \(count == 1 ? "a report" : "\(count) reports") now (\(deferral.reason.message)); "
            + "\(count == 1 ? "it waits" : "they wait") in the ledger, next attempt after \(Pipeline.clock(deferral.next))"
    }

    /// The run in plain words, naming only what happened: "3 new messages: 2 reported, 1 needed no report; 4 reports …".
    var description: String {
        func n(_ count: Int, _ one: String, _ many: String) -> String { "\(count) \(count == 1 ? one : many)" }
        var text: String
        if examined == 0 {
            text = "no new message"
        } else {
            let reported = newMessages.intersection(reportedMessages).count
            var parts: [String] = []
            if reported > 0 { parts.append("\(reported) reported") }
            if newMessages.count - reported > 0 { parts.append("\(newMessages.count - reported) needed no report") }
            if known > 0 { parts.append("\(known) already known") }
            if unreadable > 0 { parts.append("\(unreadable) unreadable") }
            text = n(examined, "new message", "new messages") + ": " + parts.joined(separator: ", ")
        }
        if drafts > 0 {
            var kinds: [String] = []
            if forwards > 0 { kinds.append(n(forwards, "forward", "forwards")) }
            if phishingReports > 0 { kinds.append(n(phishingReports, "phishing report", "phishing reports")) }
            if deskReports > 0 { kinds.append(n(deskReports, "to another desk", "to other desks")) }
            text += "; " + n(drafts, "report", "reports") + " (" + kinds.joined(separator: ", ") + ")"
        }
        if retried > 0 { text += "; lookups retried for " + n(retried, "older message", "older messages") }
        if settled > 0 { text += "; " + n(settled, "report", "reports") + " left by an interrupted run delivered" }
        if refused > 0 { text += "; " + n(refused, "report", "reports") + " refused by the SMTP server (kept for review)" }
        if deferred > 0 { text += "; " + n(deferred, "report", "reports") + " deferred by the SMTP server" }
        return text
    }
}

/// The composition root: builds the source, the sinks and the ledger from the configuration and runs
/// a pass. `run` and `watch` both come through here.
final class Pipeline {
    let config: WatcherConfig
    let logger: Logger
    let ledger: Ledger
    let source: MessageSource
    let sink: DraftSink
    let analyzer: AnalyzerConfiguration
    private let session: IMAPSession?
    /// The IMAP folders in use, as configured or found (nil without an IMAP server).
    let folders: Folders?
    private var resolver: Resolver?
    /// Set by `watch` when SIGTERM arrives: the message in hand is finished, then the pass stops.
    var shouldStop: () -> Bool = { false }
    /// `run --retry-lookups`: retry every pending lookup now, whatever its back-off.
    var retryAllLookups = false
    /// Whether `watch` has said once that the server has no IDLE, or that the spam folder keeps no keywords.
    private var idleMissingNoted = false
    private var keywordMissingNoted = false
    /// Set when the SMTP server closed, was cut off or stalled during this pass: the reports still to
    /// send wait for the next pass instead of meeting the same fault one by one.
    private var smtpHeld: MailError?

    /// How `run` was asked to go.
    struct Options {
        /// Analyse and print the reports; change nothing on the server or in the ledger.
        var dryRun = false
        /// Hand out messages that carry `$Reported` too.
        var reprocess = false
    }

    /// Connects what the configuration names.
    /// - Throws: `ConfigError(s)` for missing or bad settings, `MailError` for servers, `LedgerError`.
    static func make(config: WatcherConfig, logger: Logger, options: Options = Options()) throws -> Pipeline {
        try Pipeline(config: config, logger: logger, options: options)
    }

    private init(config: WatcherConfig, logger: Logger, options: Options) throws {
        self.config = config
        self.logger = logger
        analyzer = config.analyzerConfiguration
        var errors: [ConfigError] = []
        func need(_ value: String?, _ key: String) -> String {
            if value == nil || value!.isEmpty { errors.append(ConfigError(keyPath: key, line: nil, problem: "required for this setup")) }
            return value ?? ""
        }
        let usesIMAP = config.source.kind == .imap || config.reports.mode == .draft
        var session: IMAPSession?
        var imapConfiguration: ServerConfiguration?
        if usesIMAP {
            _ = need(config.imap.server.url, "imap.url")
            _ = need(config.imap.server.user, "imap.user")
            if !errors.isEmpty { throw ConfigErrors(errors: errors) }
            imapConfiguration = try config.imapServer(timeout: config.lookupTimeout * 3)
        }
        if config.source.kind == .directory { _ = need(config.source.path, "source.path") }
        if config.reports.mode == .directory { _ = need(config.reports.directory, "reports.directory") }
        if config.reports.mode == .send {
            _ = need(config.smtp.url, "smtp.url")
            _ = need(config.smtp.user ?? config.imap.server.user, "smtp.user")
        }
        if !errors.isEmpty { throw ConfigErrors(errors: errors) }
        // The server first: a run that cannot log in leaves the ledger as it was. The ledger's
        // read-only check runs meanwhile.
        let check = options.dryRun ? nil : LedgerCheck(path: config.resolvedStatePath)
        if let imapConfiguration { session = try IMAPSession(imapConfiguration) }
        if options.dryRun {
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("watcher-dry-run-\(getpid()).sqlite").path
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: scratch + suffix) }
            ledger = try Ledger.scratchCopy(of: config.resolvedStatePath, at: scratch)
        } else {
            ledger = try Ledger(path: config.resolvedStatePath, checked: check)
        }
        if config.lookup.enabled { resolver = config.makeResolver(cache: ledger) }
        self.session = session
        let folders = try session.map { s throws(MailError) in
            try Folders.resolve(config.imap, session: s, needsSpam: config.source.kind == .imap, needsDrafts: config.reports.mode != .directory)
        }
        self.folders = folders
        if config.source.kind == .directory {
            source = DirectorySource(path: config.resolvedPath(config.source.path)!)
        } else {
            source = IMAPMessageSource(session: session!, folder: folders!.spam.name, mark: config.imap.mark,
                                       honorMark: !options.reprocess, readOnly: options.dryRun, maxBytes: analyzer.limits.maxSize)
        }
        if options.dryRun {
            sink = PrintingSink()
            return
        }
        switch config.reports.mode {
        case .directory:
            sink = try DirectorySink(path: config.resolvedPath(config.reports.directory)!)
        case .send:
            let smtp = try SMTPSubmission(config.smtpServer(timeout: config.lookupTimeout * 3))
            // Automatic sending only to desks the program knows; WHOIS-learned addresses stay drafts.
            let desks = Set(config.carrierTable.carriers.map { $0.desk.lowercased() } + config.directoryTable.emails + config.reports.allowlist
                + analyzer.brands.brands.compactMap { $0.desk?.email?.lowercased() })
            let from = Address.first(in: analyzer.drafts.from) ?? analyzer.drafts.from
            sink = SMTPDraftSink(smtp: smtp, from: from, knownDesks: desks, copies: session, sentFolder: folders!.sent.name,
                                 fallback: session.map { IMAPDraftSink(session: $0, folder: folders!.drafts.name) },
                                 ledger: ledger, server: config.smtp.url!)
        default:
            sink = IMAPDraftSink(session: session!, folder: folders!.drafts.name)
        }
    }

    /// One pass: settle what an interrupted run left, then handle every new message.
    func runOnce() throws -> RunSummary {
        var summary = RunSummary()
        smtpHeld = nil
        // 1. Reports recorded but not known to be delivered (those a server deferred once their time comes).
        for pending in try ledger.pending() {
            if try settle(pending, summary: &summary) { summary.settled += 1 }
        }
        // 2. The source.
        let mailbox = source.identity
        let uidValidity = try source.open()
        if let imap = source as? IMAPMessageSource, imap.keepsMark == false, !keywordMissingNoted {
            keywordMissingNoted = true
            logger.notice("""
                \(imap.folder) keeps no keywords (PERMANENTFLAGS without \\*): $Reported cannot mark handled spam on the server, \
                so the ledger alone keeps a spam from being reported twice; mark = "move:Reported" would mark it by moving it
                """)
        }
        if try ledger.setUIDValidity(uidValidity, for: mailbox) {
            logger.notice("UIDVALIDITY changed: UID marks reset; content keys keep known messages from being reported again",
                          metadata: [LogKeys.mailbox: "\(mailbox)", LogKeys.uidValidity: "\(uidValidity)"])
        }
        let last = try ledger.mark(for: mailbox)?.lastUID ?? 0
        let uids = try source.uids(after: last)
        // The bar shares the terminal with the log: it shows only when no line per message is logged.
        let progress = Progress(total: uids.count, quiet: logger.logLevel <= .info)
        // One new message is a batch whatever its size: its size is not asked (a round trip per run).
        let batches = Pipeline.batches(uids, sizes: uids.count > 1 ? try source.sizes(uids) : nil)
        // A backlog's next batch is fetched while this one is handled, over a second connection.
        let ahead = batches.count > 1 ? source.fetchAhead(uidValidity: uidValidity).map { FetchAhead(batches: batches, connect: $0, logger: logger) } : nil
        defer { ahead?.stop() }
        for (index, batch) in batches.enumerated() {
            if shouldStop() { break }
            let fetched = try ahead?.take(index) ?? source.fetch(batch)
            let handled = try handle(fetched, mailbox: mailbox, uidValidity: uidValidity, summary: &summary)
            // The server's mark, then the UID mark: a run cut off between them meets these messages
            // again, finds them in the ledger and marks them.
            try source.markHandled(handled)
            if let last = handled.max() { try ledger.advance(mailbox, to: last) }
            for _ in handled { progress.step() }
        }
        progress.finish()
        // 3. The reports to the other desks, for this run's new mail and for older messages whose
        //    lookups are due again (after the new mail: a retry never delays it).
        try deskReports(summary: &summary)
        return summary
    }

    /// Messages are handled in batches of at most 25 and, where the source tells sizes, at most 8 MB
    /// (a larger message alone): with the batch fetched ahead, what a run holds is bounded whatever
    /// sizes the spam in the folder has.
    static func batches(_ uids: [UInt32], sizes: [UInt32: Int]?, count: Int = 25, bytes: Int = 8 << 20) -> [[UInt32]] {
        var batches: [[UInt32]] = []
        var current: [UInt32] = []
        var total = 0
        for uid in uids {
            let size = sizes?[uid] ?? 0
            if !current.isEmpty, current.count == count || total + size > bytes {
                batches.append(current)
                current = []
                total = 0
            }
            current.append(uid)
            total += size
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }

    /// Handles a fetched batch: each message analysed and checked against the ledger, the new ones
    /// reserved together (one transaction), their carrier forwards delivered, then all completed
    /// together (one transaction). A run cut off anywhere leaves reserved messages whose pending
    /// forwards the next run settles. Returns the UIDs handled.
    private func handle(_ fetched: [(uid: UInt32, bytes: [UInt8])], mailbox: String, uidValidity: UInt32,
                        summary: inout RunSummary) throws -> [UInt32] {
        struct New {
            var message: Ledger.NewMessage
            var analysis: MessageAnalysis
            var log: Logger
        }
        var handled: [UInt32] = []
        var news: [New] = []
        // Lure hosts this batch sends to each desk: the ledger knows them only once reserved.
        var lureHostsSent: [String: Set<String>] = [:]
        var keys = Set<String>()
        // The messages are analysed on every core, a few ahead; what follows (the ledger, the
        // forwards) takes them one at a time, in the order they were fetched.
        let analyzer = self.analyzer
        var failure: (any Error)?
        var stopped = false
        orderedParallelMap(count: fetched.count, workers: analysisWorkers, { i -> Result<MessageAnalysis, MIMEError>? in
            // Sources hand over at most one byte past the limit, so a longer message shows as that.
            guard fetched[i].bytes.count <= analyzer.limits.maxSize else { return nil }
            return Result { () throws(MIMEError) in try MessageAnalyzer.analyze(fetched[i].bytes, configuration: analyzer) }
        }) { i, outcome in
            guard failure == nil, !stopped else { return }
            if shouldStop() {
                stopped = true
                return
            }
            let (uid, bytes) = fetched[i]
            do {
                try take(uid: uid, bytes: bytes, outcome: outcome)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }

        func take(uid: UInt32, bytes: [UInt8], outcome: Result<MessageAnalysis, MIMEError>?) throws {
            handled.append(uid)
            summary.examined += 1
            var log = logger
            log[metadataKey: LogKeys.uid] = "\(uid)"
            let analysis: MessageAnalysis
            switch outcome {
            case nil:
                summary.unreadable += 1
                log.warning("skipped: larger than the \(analyzer.limits.maxSize)-byte message limit (no more of it was fetched)")
                return
            case .failure(let error):
                summary.unreadable += 1
                log.warning("skipped: \(error)")
                return
            case .success(let a):
                analysis = a
            }
            if let id = analysis.summary.messageID { log[metadataKey: LogKeys.messageID] = "\(id)" }
            let key = Ledger.contentKey(messageID: analysis.summary.messageID, raw: bytes)
            guard keys.insert(key).inserted else {
                summary.known += 1
                log.info("a copy of a message earlier in this batch; skipped")
                return
            }
            switch try ledger.state(ofContentKey: key) {
            case .processed:
                summary.known += 1
                log.info("handled by an earlier run; skipped")
                return
            case .reserved(let rowID):
                for pending in try ledger.pending(messageRowID: rowID) { try settle(pending, summary: &summary) }
                summary.settled += 1
                log.info("finished the reports an interrupted run left")
                return
            case .unknown:
                break
            }
            // The carrier forward goes out at once; the other desks' reports are made after the new
            // mail, one per desk. Until then the message stays on the lookup list, so a run cut off
            // meanwhile makes them next time.
            let needsLookups = resolver != nil
                && (!analysis.domains.isEmpty || analysis.origin.sourceIP != nil || analysis.urls.contains { $0.domain == nil })
            // A phishing or brand report whose lure hosts all went to the same desk within
            // `[phishing] repeat_after` is not made again.
            let since = Date().addingTimeInterval(-Double(analyzer.drafts.phishing.repeatAfter))
            var drafts: [Draft] = []
            for d in analysis.drafts {
                if d.kind == .phishing || d.kind == .brand, !d.hosts.isEmpty {
                    let recent = try ledger.lureHostsReported(desk: d.desk, hosts: d.hosts, since: since).union(lureHostsSent[d.desk] ?? [])
                    if d.hosts.allSatisfy(recent.contains) {
                        log.info("no \(d.kind.rawValue) report to \(d.desk): \(d.hosts.joined(separator: ", ")) went there within [phishing] repeat_after")
                        continue
                    }
                    lureHostsSent[d.desk, default: []].formUnion(d.hosts)
                }
                drafts.append(d)
            }
            // Phishing and brand reports count for the lure domains they name (never for an address).
            var domains: [String: [String]] = [:]
            for d in drafts where !d.targets.isEmpty { domains[d.id] = d.targets.filter { IPAddress($0) == nil } }
            news.append(New(message: Ledger.NewMessage(
                contentKey: key, messageID: analysis.summary.messageID, mailbox: mailbox, uidValidity: uidValidity, uid: uid,
                subject: analysis.summary.subject, sender: analysis.summary.from, drafts: drafts, domains: domains,
                lookups: needsLookups ? bytes : nil), analysis: analysis, log: log))
        }
        let rowIDs = try ledger.reserve(news.map(\.message))
        var completions: [(messageRowID: Int64, delivered: [(draftID: String, via: String, location: String)], outcome: String)] = []
        for (new, rowID) in zip(news, rowIDs) {
            let forwards = new.message.drafts
            let outcome = forwards.map { "\($0.kind.rawValue) to \($0.to.joined(separator: ","))" }.joined(separator: "; ")
            completions.append((rowID, try deliver(forwards, summary: &summary), outcome.isEmpty ? "no forward" : outcome))
            summary.newMessages.insert(rowID)
            let phishing = forwards.filter { $0.kind == .phishing || $0.kind == .brand }.count
            summary.phishingReports += phishing
            summary.forwards += forwards.count - phishing
            if !forwards.isEmpty { summary.reportedMessages.insert(rowID) }
            let origin = new.analysis.origin
            new.log.info("\(forwards.isEmpty ? "no forward" : "\(forwards.count) forward(s) via \(sink.via)"): carrier=\(origin.carrier ?? "-") source=\(origin.sourceIP ?? "-") domains=\(new.analysis.domains.count)")
        }
        try sink.flush()
        try ledger.complete(completions)
        return handled
    }

    /// The reports to registrars, hosts, networks and nameserver operators for the messages whose
    /// lookups are due: one report per desk, naming every domain of those messages it can act on and
    /// attaching each (at most 10 messages or 10 MB a report), with a note on the domains reported to
    /// the same desk before (`repeat_policy = "note"`) or without them (`"skip"`).
    ///
    /// The reports and the messages' new place on the lookup list are recorded in one transaction
    /// before anything is delivered: a run cut off before it makes them again, after it settles them.
    private func deskReports(summary: inout RunSummary) throws {
        guard resolver != nil else { return }
        // A first run over a large folder has thousands of messages to look up: they are taken 100 at
        // a time, so memory stays flat (a desk may then get one report per hundred).
        let started = Date()
        var after: Int64 = 0
        while !shouldStop() {
            let batch = try ledger.lookupRetries(due: retryAllLookups ? nil : started, after: after, limit: 100)
            guard let last = batch.last else { break }
            after = last.messageRowID
            try deskReports(for: batch, summary: &summary)
        }
    }

    private func deskReports(for retries: [Ledger.LookupRetry], summary: inout RunSummary) throws {
        guard let resolver else { return }
        struct Item {
            var retry: Ledger.LookupRetry
            var analysis: MessageAnalysis
            var found: Resolver.Result
        }
        var items: [Item] = []
        var dropped: [RetryUpdate] = []
        for retry in retries {
            if shouldStop() { break }
            guard var analysis = try? MessageAnalyzer.analyze(retry.raw, configuration: analyzer) else {
                dropped.append(RetryUpdate(messageRowID: retry.messageRowID, raw: retry.raw, pending: [], retryAfter: 0))
                continue
            }
            let found = resolver.resolve(analysis)
            analysis.contacts = found.contacts
            analysis.pending += found.pending
            analysis.registrants = found.registrants
            var log = logger
            if let id = analysis.summary.messageID { log[metadataKey: LogKeys.messageID] = "\(id)" }
            for p in found.pending { log.notice("lookup pending: \(p)") }
            if !summary.newMessages.contains(retry.messageRowID) { summary.retried += 1 }
            items.append(Item(retry: retry, analysis: analysis, found: found))
        }
        // Each desk's part of each message, desks in the order first met.
        var order: [String] = []
        var groups: [String: [(item: Int, contact: Contact)]] = [:]
        var registrants: [String: String] = [:]
        for (i, item) in items.enumerated() {
            registrants.merge(item.found.registrants) { a, _ in a }
            for contact in Contact.merged(item.found.contacts, by: \.desk) where !item.retry.reportedDesks.contains(contact.desk) {
                if groups[contact.desk] == nil { order.append(contact.desk) }
                groups[contact.desk, default: []].append((i, contact))
            }
        }
        var reservations: [ReportReservation] = []
        for desk in order {
            var chunks: [[(item: Int, contact: Contact)]] = [[]]
            var size = 0
            for entry in groups[desk]! {
                let bytes = items[entry.item].retry.raw.count
                if !chunks[chunks.count - 1].isEmpty, chunks[chunks.count - 1].count == 10 || size + bytes > 10_000_000 {
                    chunks.append([])
                    size = 0
                }
                chunks[chunks.count - 1].append(entry)
                size += bytes
            }
            for chunk in chunks {
                var contact = Contact.merged(chunk.map(\.contact), by: { _ in desk })[0]
                let prior = try ledger.priorReports(desk: desk, domains: contact.domains)
                var repeats = contact.domains.compactMap { d in prior[d].map { RepeatNote(domain: d, first: $0.first, count: $0.count) } }
                if config.reports.repeatPolicy == .skip, !repeats.isEmpty {
                    logger.info("left out of the report to \(desk), reported there before: \(repeats.map(\.domain).joined(separator: ", "))")
                    contact.domains.removeAll { d in repeats.contains { $0.domain == d } }
                    repeats = []
                    if contact.domains.isEmpty, contact.role != "network" { continue }
                }
                let draft = DeskReport.make(contact: contact, messages: chunk.map { items[$0.item].analysis }, settings: analyzer.drafts,
                                            repeats: repeats, registrants: registrants)
                var carriers: [String: [Int64]] = [:]
                for entry in chunk {
                    for d in entry.contact.domains where contact.domains.contains(d) { carriers[d, default: []].append(items[entry.item].retry.messageRowID) }
                }
                reservations.append(ReportReservation(draft: draft, messageRowIDs: chunk.map { items[$0.item].retry.messageRowID },
                                                      domains: contact.domains, repeatDomains: repeats.map(\.domain), carriers: carriers))
            }
        }
        let updates = items.map {
            RetryUpdate(messageRowID: $0.retry.messageRowID, raw: $0.retry.raw, pending: $0.found.retryable,
                        retryAfter: Ledger.LookupRetry.backoff(afterAttempts: $0.retry.attempts))
        }
        try ledger.reserve(reservations, retries: updates + dropped)
        for r in reservations {
            guard let location = try hand(r.draft, summary: &summary) else { continue }
            try sink.flush()
            try ledger.markDelivered([(r.draft.id, sink.via, location)])
            summary.deskReports += 1
            summary.reportedMessages.formUnion(r.messageRowIDs)
            let before = r.repeatDomains.isEmpty ? "" : "; reported there before: \(r.repeatDomains.joined(separator: ", "))"
            logger.info("\(r.draft.kind.rawValue) report to \(r.draft.desk) about \(r.messageRowIDs.count) message(s) via \(sink.via): \(location)\(before)")
        }
        let stillPending = items.filter { !$0.found.retryable.isEmpty }.count
        if !items.isEmpty {
            logger.info("lookups done for \(items.count) message(s): \(reservations.count) report(s) to other desks, \(stillPending) message(s) with lookups still pending")
        }
    }

    /// Records follow-ups as pending, then delivers each and records where it went: a run cut off
    /// in between is settled by the next run, as any report.
    func deliverFollowUps(_ reservations: [ReportReservation]) throws -> [(draft: Draft, location: String)] {
        try ledger.reserve(reservations, retries: [])
        var summary = RunSummary()
        return try reservations.compactMap { r in
            guard let location = try hand(r.draft, summary: &summary) else { return nil }
            try sink.flush()
            try ledger.markDelivered([(r.draft.id, sink.via, location)])
            logger.info("follow-up to \(r.draft.desk) about \(r.domains.joined(separator: ", ")) via \(sink.via): \(location)")
            return (r.draft, location)
        }
    }

    /// Hands each draft to the sink; what the ledger records of those delivered.
    private func deliver(_ drafts: [Draft], summary: inout RunSummary) throws -> [(draftID: String, via: String, location: String)] {
        try drafts.compactMap { d in try hand(d, summary: &summary).map { (d.id, sink.via, $0) } }
    }

    /// Hands a draft to the sink and returns where it went; nil when the SMTP server did not take it.
    /// A refusal (5xx, or deferrals for longer than `Ledger.deferralLimit`) settles the report in the
    /// ledger with the server's answer and keeps a copy in the Drafts folder for the person; a
    /// deferral (4xx, a cut, a stall) leaves it pending until its back-off ends. After a fault that
    /// concerns the server rather than the report (421, a cut, a stall) the pass sends nothing more.
    private func hand(_ draft: Draft, created: Date = Date(), summary: inout RunSummary) throws -> String? {
        var log = logger
        log[metadataKey: LogKeys.draftID] = "\(draft.id)"
        let notTaken: SMTPNotTaken
        let held = smtpHeld
        do {
            if let held { throw SMTPNotTaken(error: held) }
            return try sink.deliver(draft)
        } catch let e as SMTPNotTaken where e.isRefusal || e.error.isTransient {
            notTaken = e
        } catch let e as SMTPNotTaken {
            throw e.error  // the login, the certificate, no TLS: the configuration's, for every report
        }
        let to = draft.to.joined(separator: ", ")
        let tooLong = held == nil && Date().timeIntervalSince(created) > Ledger.deferralLimit
        if notTaken.isRefusal || tooLong, let smtp = sink as? SMTPDraftSink {
            let reason = tooLong && !notTaken.isRefusal ? "still deferred after \(Int(Ledger.deferralLimit / 86400)) days: \(notTaken.error.message)"
                : notTaken.error.message
            let kept = try smtp.keep(draft)
            try sink.flush()
            try ledger.refuse(draftID: draft.id, reason: reason, via: sink.via, location: kept)
            summary.refused += 1
            log.warning("the SMTP server refused the \(draft.kind.rawValue) report to \(to) (\(reason)); not sent again, \(kept) for you to read")
            return nil
        }
        if notTaken.error.affectsEveryMessage { smtpHeld = notTaken.error }
        let next = try ledger.deferReport(draftID: draft.id, reason: notTaken.error.message, tried: held == nil)
        summary.deferred += 1
        if summary.deferral == nil || next < summary.deferral!.next { summary.deferral = (notTaken.error, next) }
        log.notice("the \(draft.kind.rawValue) report to \(to) waits: \(notTaken.error.message); next attempt after \(Pipeline.clock(next))")
        return nil
    }

    /// A time of day for log lines, in the machine's zone.
    static func clock(_ date: Date) -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.string(from: date)
    }

    /// Delivers a pending report unless its sink already has it, then records it. False when the
    /// SMTP server did not take it (deferred again, or refused and settled).
    private func settle(_ pending: PendingReport, summary: inout RunSummary) throws -> Bool {
        let location: String
        if let found = try sink.find(draftID: pending.draft.id) {
            location = found
        } else if let delivered = try hand(pending.draft, created: pending.created, summary: &summary) {
            location = delivered
            try sink.flush()
        } else {
            return false
        }
        let outcome = pending.attempts > 0 ? "sent after \(pending.attempts) deferral(s)" : "settled after an interrupted run"
        try ledger.complete(messageRowID: pending.messageRowID, delivered: [(pending.draft.id, sink.via, location)], outcome: outcome)
        logger.info("\(pending.attempts > 0 ? "sent a report the server had deferred" : "settled a report left by an interrupted run"): \(location)",
                    metadata: [LogKeys.draftID: "\(pending.draft.id)"])
        return true
    }

    /// Waits for new mail (IMAP IDLE) up to `seconds`; false when the source cannot tell (a folder,
    /// or a server without IDLE), and the caller waits instead.
    func waitForMail(seconds: Int, shouldStop: () -> Bool) throws -> Bool {
        guard let session, config.source.kind == .imap else { return false }
        guard let folders else { return false }
        try session.ensureOpen(MailboxName(folders.spam.name), readOnly: config.imap.mark == .none)
        guard try session.idle(seconds: seconds, shouldStop: shouldStop) != nil else {
            if !idleMissingNoted {
                idleMissingNoted = true
                logger.notice("the server has no IDLE: looking for new mail every \(seconds / 60) min instead")
            }
            return false
        }
        return true
    }
}

/// A progress bar on standard error, shown only on a terminal and for a backlog.
final class Progress {
    let total: Int
    var done = 0
    let visible: Bool

    init(total: Int, quiet: Bool = false) {
        self.total = total
        visible = !quiet && total >= 20 && isatty(2) != 0
    }

    func step() {
        done += 1
        guard visible else { return }
        let width = 30
        let filled = width * done / max(total, 1)
        FileHandleShim.writeStderr("\r[" + String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled) + "] \(done)/\(total)")
    }

    func finish() {
        if visible { FileHandleShim.writeStderr("\n") }
    }
}
