import ArgumentParser
import Foundation
import IMAPWatcher
import Logging
import ReportEngine

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "One pass over the spam folder: new messages become reports (drafts, mail or files).",
        discussion: """
            For cron and systemd timers. Exit status: 0 done, 75 try again later (server unreachable, \
            the SMTP server deferred a report, another run holds the lock), 74 the disk is full or read-only or the mailbox over its quota, \
            78 configuration error. A run that is interrupted is finished by \
            the next one: no report is lost or made twice.
            """
    )

    @Option(name: .long, help: "Configuration file (TOML).")
    var config: String

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Flag(name: .long, help: "Analyse the new mail and print the reports it would write; change nothing on the server or in the ledger.")
    var dryRun = false

    @Flag(name: .long, help: "Also report messages that carry the server's $Reported mark (the ledger still knows what it reported).")
    var reprocess = false

    @Flag(name: .long, help: "Retry every pending lookup now, whatever its back-off (1 h, 6 h, 24 h, 3 d, a week).")
    var retryLookups = false

    func run() throws {
        Log.bootstrap(level: logLevel)
        let logger = Logger(label: "watcher")
        var settings: WatcherConfig?
        do {
            settings = try WatcherConfig.load(path: config)
            let lock = try RunLock(path: settings!.resolvedStatePath + ".lock")
            let pipeline = try Pipeline.make(config: settings!, logger: logger, options: .init(dryRun: dryRun, reprocess: reprocess))
            pipeline.retryAllLookups = retryLookups
            let started = Date()
            let summary = try pipeline.runOnce()
            logger.info("run finished: \(summary)")
            // Reports the SMTP server deferred wait in the ledger: the run asks to be run again (75).
            let deferral = summary.deferral.map { RunSummary.deferralLine($0, count: summary.deferred) }
            if !dryRun {
                try? pipeline.ledger.recordRun("run", startedAt: started, exitStatus: deferral == nil ? 0 : Int(ExitStatus.tempFail.rawValue),
                                               summary: deferral ?? summary.description)
            }
            withExtendedLifetime(lock) {}
            if let deferral { throw Deferred(line: deferral) }
        } catch let e as Deferred {
            printError("watcher: \(e.line)")
            throw ExitStatus.tempFail
        } catch {
            printError("watcher: \(error)")
            let code = ExitStatus.code(for: error)
            // The summary lists the runs that failed: note this one where a ledger already exists.
            if !dryRun, let path = settings?.resolvedStatePath, !(error is RunLockHeld), FileManager.default.fileExists(atPath: path),
                let ledger = try? Ledger(path: path)
            {
                try? ledger.recordRun("run", startedAt: Date(), exitStatus: Int(code.rawValue), summary: String(describing: error))
            }
            throw code
        }
    }
}

/// The run did its work, but the SMTP server deferred reports that wait in the ledger (exit 75).
private struct Deferred: Error {
    var line: String
}
