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

    var description: String {
        "\(examined) message(s) examined: \(reported) reported with \(drafts) report(s), \(withoutReport) without a report, "
            + "\(known) already known, \(unreadable) unreadable; \(settled) interrupted report(s) settled"
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

    /// Connects what the configuration names.
    /// - Throws: `ConfigError(s)` for missing or bad settings, `MailError` for servers, `LedgerError`.
    static func make(config: WatcherConfig, logger: Logger) throws -> Pipeline {
        try Pipeline(config: config, logger: logger)
    }

    private init(config: WatcherConfig, logger: Logger) throws {
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
        ledger = try Ledger(path: config.resolvedStatePath)
        if config.lookup.enabled { resolver = config.makeResolver(cache: ledger) }
        self.session = session
        if config.source.kind == "directory" {
            source = DirectorySource(path: config.resolvedPath(config.source.path)!)
        } else {
            source = IMAPMessageSource(session: session!, folder: config.imap.folder, mark: config.imap.mark)
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
        // 1b. Messages whose lookups failed before: look again, report to the desks found now.
        if let resolver {
            for retry in try ledger.lookupRetries() {
                guard var analysis = try? MessageAnalyzer.analyze(retry.raw, configuration: analyzer) else { continue }
                let found = resolver.resolve(analysis)
                analysis.add(found, settings: analyzer.drafts)
                let fresh = analysis.drafts.filter { d in
                    d.kind != .carrierForward && !retry.reportedDesks.contains(d.to.isEmpty ? (d.form ?? "") : d.to.joined(separator: ","))
                }
                try ledger.addDrafts(fresh, messageRowID: retry.messageRowID)
                let delivered = try deliver(fresh)
                let still = found.pending.filter(Pipeline.isWorthRetrying)
                try ledger.complete(messageRowID: retry.messageRowID, delivered: delivered, outcome: "lookups retried",
                                    retry: (retry.raw, still))
                summary.drafts += fresh.count
                logger.info("lookups retried: \(fresh.count) new report(s), \(still.count) still pending",
                            metadata: [LogKeys.messageID: "\(analysis.summary.messageID ?? "-")"])
            }
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
        let progress = Progress(total: uids.count)
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
            log.info("already reported earlier; skipped")
            return
        case .reserved(let rowID):
            for pending in try ledger.pending(messageRowID: rowID) { try settle(pending) }
            summary.settled += 1
            log.info("finished the reports an interrupted run left")
            return
        case .unknown:
            break
        }
        var lookupPending: [String]?
        if let resolver {
            let found = resolver.resolve(analysis)
            analysis.add(found, settings: analyzer.drafts)
            for p in found.pending { log.notice("lookup pending: \(p)") }
            lookupPending = found.pending.filter(Pipeline.isWorthRetrying)
        }
        let drafts = analysis.drafts
        let rowID = try ledger.reserve(contentKey: key, messageID: analysis.summary.messageID, mailbox: mailbox,
                                       uidValidity: uidValidity, uid: uid, subject: analysis.summary.subject,
                                       sender: analysis.summary.from, drafts: drafts)
        let delivered = try deliver(drafts)
        let outcome = drafts.isEmpty ? "no report" : drafts.map { "\($0.kind.rawValue) to \($0.to.joined(separator: ","))" }.joined(separator: "; ")
        try ledger.complete(messageRowID: rowID, delivered: delivered, outcome: outcome,
                            retry: lookupPending.flatMap { $0.isEmpty ? nil : (bytes, $0) })
        if drafts.isEmpty {
            summary.withoutReport += 1
        } else {
            summary.reported += 1
            summary.drafts += drafts.count
        }
        let origin = analysis.origin
        log.info("\(drafts.isEmpty ? "no report" : "\(drafts.count) report(s) via \(sink.via)"): carrier=\(origin.carrier ?? "-") source=\(origin.sourceIP ?? "-") domains=\(analysis.domains.count)")
    }

    /// Lookups that failed for a reason a later run may not have (unreachable, timed out, rate-limited),
    /// as opposed to answers that will not change (no such domain, no contact in the record).
    static func isWorthRetrying(_ pending: String) -> Bool {
        ["no answer", "cannot reach", "rate limit", "refused", "connection", "timed out", "HTTP 5", "cannot resolve"].contains { pending.contains($0) }
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

    init(total: Int) {
        self.total = total
        visible = total >= 20 && isatty(2) != 0
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

    /// `[state] path`, or `$XDG_STATE_HOME/watcher/state.sqlite` (`~/.local/state/…`).
    var resolvedStatePath: String {
        if let p = resolvedPath(statePath) { return p }
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_STATE_HOME"] ?? (NSHomeDirectory() + "/.local/state")
        return base + "/watcher/state.sqlite"
    }
}
