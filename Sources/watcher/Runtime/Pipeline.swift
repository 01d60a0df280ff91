import Foundation
import IMAPWatcher
import Logging
import ReportEngine

/// What one pass did.
struct RunSummary: Sendable, CustomStringConvertible {
    var examined = 0
    var reported = 0
    var known = 0
    var withoutReport = 0
    var unreadable = 0
    var drafts = 0
    var settled = 0
    var retried = 0
    var retriedDrafts = 0

    /// The run in plain words, naming only what happened: "3 new messages: 2 reported in 4 reports, 1 needed no report".
    var description: String {
        func n(_ count: Int, _ one: String, _ many: String) -> String { "\(count) \(count == 1 ? one : many)" }
        var text: String
        if examined == 0 {
            text = "no new message"
        } else {
            var parts: [String] = []
            if reported > 0 { parts.append("\(reported) reported in \(n(drafts - retriedDrafts, "report", "reports"))") }
            if withoutReport > 0 { parts.append("\(withoutReport) needed no report") }
            if known > 0 { parts.append("\(known) already known") }
            if unreadable > 0 { parts.append("\(unreadable) unreadable") }
            text = n(examined, "new message", "new messages") + ": " + parts.joined(separator: ", ")
        }
        if settled > 0 { text += "; " + n(settled, "report", "reports") + " left by an interrupted run delivered" }
        if retried > 0 { text += "; lookups retried for " + n(retried, "message", "messages") + " (\(n(retriedDrafts, "new report", "new reports")))" }
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
    private var resolver: Resolver?
    /// Set by `watch` when SIGTERM arrives: the message in hand is finished, then the pass stops.
    var shouldStop: () -> Bool = { false }
    /// `run --retry-lookups`: retry every pending lookup now, whatever its back-off.
    var retryAllLookups = false

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
        let usesIMAP = config.source.kind == "imap" || config.reports.mode == "draft"
        var session: IMAPSession?
        var imapConfiguration: ServerConfiguration?
        if usesIMAP {
            let url = need(config.imap.server.url, "imap.url")
            let user = need(config.imap.server.user, "imap.user")
            if !errors.isEmpty { throw ConfigErrors(errors: errors) }
            let secret = try Secret.resolve(section: "imap", file: config.resolvedPath(config.imap.server.passwordFile),
                                            command: config.imap.server.passwordCommand)
            imapConfiguration = ServerConfiguration(url: url, user: user, password: secret.value,
                                                    caFile: config.resolvedPath(config.imap.server.caFile),
                                                    allowInsecure: config.imap.server.allowInsecure, timeout: config.lookupTimeout * 3)
        }
        if config.source.kind == "directory" { _ = need(config.source.path, "source.path") }
        if config.reports.mode == "directory" { _ = need(config.reports.directory, "reports.directory") }
        if config.reports.mode == "send" {
            _ = need(config.smtp.url, "smtp.url")
            _ = need(config.smtp.user ?? config.imap.server.user, "smtp.user")
        }
        if !errors.isEmpty { throw ConfigErrors(errors: errors) }
        // The server first: a run that cannot log in leaves the ledger as it was.
        if let imapConfiguration { session = try IMAPSession(imapConfiguration) }
        if options.dryRun {
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("watcher-dry-run-\(getpid()).sqlite").path
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: scratch + suffix) }
            ledger = try Ledger.scratchCopy(of: config.resolvedStatePath, at: scratch)
        } else {
            ledger = try Ledger(path: config.resolvedStatePath)
        }
        if config.lookup.enabled { resolver = config.makeResolver(cache: ledger) }
        self.session = session
        if config.source.kind == "directory" {
            source = DirectorySource(path: config.resolvedPath(config.source.path)!)
        } else {
            source = IMAPMessageSource(session: session!, folder: config.imap.folder, mark: config.imap.mark,
                                       honorMark: !options.reprocess, readOnly: options.dryRun)
        }
        if options.dryRun {
            sink = PrintingSink()
            return
        }
        switch config.reports.mode {
        case "directory":
            sink = try DirectorySink(path: config.resolvedPath(config.reports.directory)!)
        case "send":
            let secret = try Secret.resolve(section: "smtp", file: config.resolvedPath(config.smtp.passwordFile), command: config.smtp.passwordCommand)
            let smtp = try SMTPSubmission(ServerConfiguration(
                url: config.smtp.url!, user: config.smtp.user ?? config.imap.server.user!, password: secret.value,
                caFile: config.resolvedPath(config.smtp.caFile), allowInsecure: config.smtp.allowInsecure, timeout: config.lookupTimeout * 3))
            // Automatic sending only to desks the program knows; WHOIS-learned addresses stay drafts.
            let desks = Set(config.carrierTable.carriers.map { $0.desk.lowercased() } + config.directoryTable.emails + config.reports.allowlist)
            let from = Address.first(in: analyzer.drafts.from) ?? analyzer.drafts.from
            sink = SMTPDraftSink(smtp: smtp, from: from, knownDesks: desks, copies: session, sentFolder: config.imap.sentFolder,
                                 fallback: session.map { IMAPDraftSink(session: $0, folder: config.imap.draftsFolder) },
                                 ledger: ledger, server: config.smtp.url!)
        default:
            sink = IMAPDraftSink(session: session!, folder: config.imap.draftsFolder)
        }
    }

    /// One pass: settle what an interrupted run left, then handle every new message.
    func runOnce() throws -> RunSummary {
        var summary = RunSummary()
        // 1. Reports recorded but not known to be delivered.
        for pending in try ledger.pending() {
            try settle(pending)
            summary.settled += 1
        }
        // 2. The source.
        let mailbox = source.identity
        let uidValidity = try source.open()
        if try ledger.setUIDValidity(uidValidity, for: mailbox) {
            logger.notice("UIDVALIDITY changed: UID marks reset; content keys keep known messages from being reported again",
                          metadata: [LogKeys.mailbox: "\(mailbox)", LogKeys.uidValidity: "\(uidValidity)"])
        }
        let last = try ledger.mark(for: mailbox)?.lastUID ?? 0
        let uids = try source.uids(after: last)
        // The bar shares the terminal with the log: it shows only when no line per message is logged.
        let progress = Progress(total: uids.count, quiet: logger.logLevel <= .info)
        var start = 0
        while start < uids.count, !shouldStop() {
            let batch = Array(uids[start..<min(uids.count, start + 25)])
            for (uid, bytes) in try source.fetch(batch) {
                if shouldStop() { break }
                try handle(uid: uid, bytes: bytes, mailbox: mailbox, uidValidity: uidValidity, summary: &summary)
                try source.markHandled([uid])
                try ledger.advance(mailbox, to: uid)
                progress.step()
            }
            start += batch.count
        }
        progress.finish()
        // 3. Messages whose lookups failed before and are due again (after the new mail: a
        //    retry never delays it). Each try that still fails waits longer: 1 h, 6 h, 24 h, 3 d, a week.
        if let resolver {
            for retry in try ledger.lookupRetries(due: retryAllLookups ? nil : Date()) {
                if shouldStop() { break }
                guard var analysis = try? MessageAnalyzer.analyze(retry.raw, configuration: analyzer) else { continue }
                let found = resolver.resolve(analysis)
                analysis.add(found, settings: analyzer.drafts)
                let fresh = analysis.drafts.filter { d in
                    !d.kind.needsNoLookup && !retry.reportedDesks.contains(d.to.isEmpty ? (d.form ?? "") : d.to.joined(separator: ","))
                }
                try ledger.addDrafts(fresh, messageRowID: retry.messageRowID)
                let delivered = try deliver(fresh)
                try ledger.complete(messageRowID: retry.messageRowID, delivered: delivered, outcome: "lookups retried",
                                    retry: (retry.raw, found.retryable),
                                    retryAfter: Ledger.LookupRetry.backoff(afterAttempts: retry.attempts))
                summary.drafts += fresh.count
                summary.retriedDrafts += fresh.count
                summary.retried += 1
                logger.info("lookups retried: \(fresh.count) new report(s), \(found.retryable.count) still pending",
                            metadata: [LogKeys.messageID: "\(analysis.summary.messageID ?? "-")"])
            }
        }
        return summary
    }

    private func handle(uid: UInt32, bytes: [UInt8], mailbox: String, uidValidity: UInt32, summary: inout RunSummary) throws {
        summary.examined += 1
        var log = logger
        log[metadataKey: LogKeys.uid] = "\(uid)"
        var analysis: MessageAnalysis
        do {
            analysis = try MessageAnalyzer.analyze(bytes, configuration: analyzer)
        } catch {
            summary.unreadable += 1
            log.warning("skipped: \(error)")
            return
        }
        if let id = analysis.summary.messageID { log[metadataKey: LogKeys.messageID] = "\(id)" }
        let key = Ledger.contentKey(messageID: analysis.summary.messageID, raw: bytes)
        switch try ledger.state(ofContentKey: key) {
        case .processed:
            summary.known += 1
            log.info("handled by an earlier run; skipped")
            return
        case .reserved(let rowID):
            for pending in try ledger.pending(messageRowID: rowID) { try settle(pending) }
            summary.settled += 1
            log.info("finished the reports an interrupted run left")
            return
        case .unknown:
            break
        }
        // The carrier forward goes out before any lookup: a slow registry never holds it back. Until
        // the lookups are done the message stays on the retry list, so a run cut off meanwhile
        // makes the other reports next time.
        let forwards = analysis.drafts
        let rowID = try ledger.reserve(contentKey: key, messageID: analysis.summary.messageID, mailbox: mailbox,
                                       uidValidity: uidValidity, uid: uid, subject: analysis.summary.subject,
                                       sender: analysis.summary.from, drafts: forwards)
        let deliveredForwards = try deliver(forwards)
        var outcome = forwards.map { "\($0.kind.rawValue) to \($0.to.joined(separator: ","))" }
        guard let resolver else {
            try ledger.complete(messageRowID: rowID, delivered: deliveredForwards, outcome: outcome.isEmpty ? "no report" : outcome.joined(separator: "; "))
            count(forwards, in: &summary)
            log.info("\(forwards.isEmpty ? "no report" : "\(forwards.count) report(s) via \(sink.via)"): carrier=\(analysis.origin.carrier ?? "-") source=\(analysis.origin.sourceIP ?? "-") domains=\(analysis.domains.count)")
            return
        }
        try ledger.complete(messageRowID: rowID, delivered: deliveredForwards, outcome: "lookups under way",
                            retry: (bytes, ["lookups not made yet"]))
        let found = resolver.resolve(analysis)
        analysis.add(found, settings: analyzer.drafts)
        for p in found.pending { log.notice("lookup pending: \(p)") }
        let deskReports = analysis.drafts.filter { !$0.kind.needsNoLookup }
        try ledger.addDrafts(deskReports, messageRowID: rowID)
        let delivered = try deliver(deskReports)
        outcome += deskReports.map { "\($0.kind.rawValue) to \($0.to.isEmpty ? ($0.form ?? "") : $0.to.joined(separator: ","))" }
        try ledger.complete(messageRowID: rowID, delivered: delivered, outcome: outcome.isEmpty ? "no report" : outcome.joined(separator: "; "),
                            retry: (bytes, found.retryable), retryAfter: Ledger.LookupRetry.backoff(afterAttempts: 0))
        let drafts = forwards + deskReports
        count(drafts, in: &summary)
        let origin = analysis.origin
        log.info("\(drafts.isEmpty ? "no report" : "\(drafts.count) report(s) via \(sink.via)"): carrier=\(origin.carrier ?? "-") source=\(origin.sourceIP ?? "-") domains=\(analysis.domains.count)")
    }

    private func count(_ drafts: [Draft], in summary: inout RunSummary) {
        if drafts.isEmpty {
            summary.withoutReport += 1
        } else {
            summary.reported += 1
            summary.drafts += drafts.count
        }
    }

    /// Hands each draft to the sink; what the ledger records of each.
    private func deliver(_ drafts: [Draft]) throws -> [(draftID: String, via: String, location: String)] {
        try drafts.map { ($0.id, sink.via, try sink.deliver($0)) }
    }

    /// Delivers a pending report unless its sink already has it, then records it.
    private func settle(_ pending: PendingReport) throws {
        let location: String
        if let found = try sink.find(draftID: pending.draft.id) {
            location = found
        } else {
            location = try sink.deliver(pending.draft)
        }
        try ledger.complete(messageRowID: pending.messageRowID, delivered: [(pending.draft.id, sink.via, location)], outcome: "settled after an interrupted run")
        logger.info("settled a report left by an interrupted run: \(location)", metadata: [LogKeys.draftID: "\(pending.draft.id)"])
    }

    /// Waits for new mail (IMAP IDLE) up to `seconds`; false when the source cannot tell.
    func waitForMail(seconds: Int, shouldStop: () -> Bool) throws -> Bool {
        guard let session, config.source.kind == "imap" else { return false }
        try session.ensureOpen(MailboxName(config.imap.folder), readOnly: config.imap.mark == "none")
        _ = try session.idle(seconds: seconds, shouldStop: shouldStop)
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

extension WatcherConfig {
    /// A path from the file, relative to the file's folder when not absolute.
    func resolvedPath(_ path: String?) -> String? {
        guard let path else { return nil }
        if path.hasPrefix("/") { return path }
        if path.hasPrefix("~/") { return NSString(string: path).expandingTildeInPath }
        guard let directory else { return path }
        return (directory as NSString).appendingPathComponent(path)
    }

    /// `[state] path`; else `$STATE_DIRECTORY/state.sqlite` (systemd's `StateDirectory=`); else
    /// `$XDG_STATE_HOME/watcher/state.sqlite` (`~/.local/state/…`).
    var resolvedStatePath: String {
        if let p = resolvedPath(statePath) { return p }
        let env = ProcessInfo.processInfo.environment
        if let dir = env["STATE_DIRECTORY"]?.split(separator: ":").first, !dir.isEmpty { return "\(dir)/state.sqlite" }
        let base = env["XDG_STATE_HOME"] ?? (NSHomeDirectory() + "/.local/state")
        return base + "/watcher/state.sqlite"
    }
}
