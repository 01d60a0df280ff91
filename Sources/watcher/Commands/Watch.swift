import ArgumentParser
import Foundation
import IMAPWatcher
import Logging
import ReportEngine
import Synchronization

/// Set by SIGTERM or SIGINT; read between messages and while waiting.
let shutdownRequested = Atomic<Bool>(false)

struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Run as a service: a pass whenever new mail arrives (IMAP IDLE) or every few minutes.",
        discussion: """
            SIGTERM or SIGINT finishes the message in hand, then exits 0. Server trouble is logged and \
            retried; a configuration error exits 78.
            """
    )

    @Option(name: .long, help: "Configuration file (TOML).")
    var config: String

    @Option(name: .long, help: "Minutes between passes when the server cannot announce new mail (and at most between IDLE passes).")
    var interval: Int = 5

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        if interval < 1 { throw ValidationError("--interval is in minutes and must be at least 1.") }
    }

    func run() throws {
        Log.bootstrap(level: logLevel)
        let logger = Logger(label: "watcher")
        // A parent may hand down a blocked SIGTERM (test runners do): take it back.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        sigprocmask(SIG_UNBLOCK, &signals, nil)
        signal(SIGTERM) { _ in shutdownRequested.store(true, ordering: .relaxed) }
        signal(SIGINT) { _ in shutdownRequested.store(true, ordering: .relaxed) }
        let stop = { shutdownRequested.load(ordering: .relaxed) }
        let settings: WatcherConfig
        let lock: RunLock
        do {
            settings = try WatcherConfig.load(path: config)
            lock = try RunLock(path: settings.resolvedStatePath + ".lock")
        } catch {
            printError("watcher: \(error)")
            throw ExitStatus.code(for: error)
        }
        var backoff = 5
        // A spell of server trouble goes into the ledger once, at its start, for the summary mail.
        var troubleNoted = false
        logger.info("watching; SIGTERM stops after the message in hand")
        while !stop() {
            do {
                let pipeline = try Pipeline.make(config: settings, logger: logger)
                pipeline.shouldStop = stop
                backoff = 5
                while !stop() {
                    let started = Date()
                    let summary = try pipeline.runOnce()
                    troubleNoted = false
                    if let deferral = summary.deferral {
                        let line = RunSummary.deferralLine(deferral, count: summary.deferred)
                        logger.warning("\(line)")
                        try? pipeline.ledger.recordRun("watch", startedAt: started, exitStatus: Int(ExitStatus.tempFail.rawValue), summary: line)
                    } else if summary.examined > 0 || summary.settled > 0 || summary.refused > 0 {
                        logger.info("pass finished: \(summary)")
                        try? pipeline.ledger.recordRun("watch", startedAt: started, exitStatus: 0, summary: summary.description)
                    }
                    if stop() { break }
                    // New mail, the poll interval, or the next attempt at a deferred report: whichever comes first.
                    var wait = interval * 60
                    if let next = try pipeline.ledger.deferredReports().next {
                        wait = min(wait, max(5, Int(next.timeIntervalSinceNow.rounded(.up))))
                    }
                    if try !pipeline.waitForMail(seconds: wait, shouldStop: stop) {
                        sleepUnlessStopped(seconds: wait, stop: stop)
                    }
                }
            } catch let e as MailError where e.isTransient {
                logger.warning("\(e); retrying in \(backoff) s")
                if !troubleNoted {
                    troubleNoted = true
                    Watch.note(e, in: settings, summary: "\(e); retrying until the server answers")
                }
                sleepUnlessStopped(seconds: backoff, stop: stop)
                backoff = min(backoff * 2, 300)
            } catch {
                printError("watcher: \(error)")
                Watch.note(error, in: settings, summary: String(describing: error))
                throw ExitStatus.code(for: error)
            }
        }
        logger.info("stopped")
        withExtendedLifetime(lock) {}
    }

    /// Records a failed pass in the ledger, when there is one (a first run that fails makes none).
    private static func note(_ error: any Error, in settings: WatcherConfig, summary: String) {
        let path = settings.resolvedStatePath
        guard FileManager.default.fileExists(atPath: path), let ledger = try? Ledger(path: path) else { return }
        try? ledger.recordRun("watch", startedAt: Date(), exitStatus: Int(ExitStatus.code(for: error).rawValue), summary: summary)
    }

    private func sleepUnlessStopped(seconds: Int, stop: () -> Bool) {
        var left = Double(seconds)
        while left > 0, !stop() {
            Thread.sleep(forTimeInterval: min(0.5, left))
            left -= 0.5
        }
    }
}
