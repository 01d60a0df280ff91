import Foundation
import IMAPWatcher
import TestBedSupport
import Testing

/// Dovecot restarted at the moment a given command reaches it: the test bed's restartable instance
/// (plain IMAP over the same mailboxes, so the proxy in front of it sees each command) is stopped as
/// the FETCH of the messages, the whole of a draft's APPEND, or an IDLE reaches it, and started again
/// a second later; its answer to that command never reaches watcher. A run cut off so ends 75 naming
/// the server; the next finishes; each spam has one forward (an APPEND the server stored before it
/// went is found by its draft id, not made again).
@Suite(.serialized, .enabled(if: TestBed.restartURL != nil, "the test bed (scripts/testbed.sh) is not running"))
struct DovecotRestartTests {
    typealias Account = RunIntegrationTests.Account

    /// A proxy in front of the restartable Dovecot that restarts it the first time a client sends `command`.
    final class RestartOn: @unchecked Sendable {
        let proxy: FaultProxy
        private let lock = NSLock()
        private var fired = false
        private let done = DispatchSemaphore(value: 0)

        init(_ command: String) throws {
            let target = UInt16(TestBed.restartURL!.split(separator: ":").last!)!
            proxy = try FaultProxy(target: target) { _ in .none }
            let needle = Array(command.utf8)
            proxy.observeClient { [self] chunk in
                guard chunk.count >= needle.count,
                      (0...(chunk.count - needle.count)).contains(where: { chunk[$0..<($0 + needle.count)].elementsEqual(needle) }),
                      lock.withLock({ () -> Bool in defer { fired = true }; return !fired }) else { return false }
                Thread.detachNewThread { [self] in
                    let back = TestBed.restartDovecot(config: TestBed.restartConfig!, pause: 1) {
                        (try? IMAPSession(ServerConfiguration(url: TestBed.restartURL!, user: TestBed.user(31), password: TestBed.password,
                                                              allowInsecure: true, timeout: 3))) != nil
                    }
                    if !back { print("the restartable Dovecot did not come back within 20 s") }
                    done.signal()
                }
                // The server has the command; its answer is lost with it.
                return true
            }
        }

        var hasFired: Bool { lock.withLock { fired } }
        /// Waits until the restart is over (at most 30 s).
        func waitForRestart() { _ = done.wait(timeout: .now() + 30) }
    }

    func config(_ account: Account, port: UInt16) throws -> String {
        try account.config(imap: ["url": "\"imap://127.0.0.1:\(port)\"", "allow_insecure": "true", "ca_file": ""])
    }

    /// The carrier forwards in Drafts, by the Message-ID of the spam each carries.
    func forwards(_ account: Account) throws -> [String: Int] {
        try ConnectionFaultTests().forwards(account)
    }

    @Test(arguments: [("BODY.PEEK[", 31), ("X-Watcher-Draft-Id", 32)])
    func aRestartInTheMiddleOfACommandEndsTheRunWith75AndTheNextFinishesOnce(_ command: String, _ user: Int) throws {
        let account = try Account(user)
        let tag = "X\(UUID().uuidString.prefix(4))"
        let s = try account.session()
        for i in 0..<6 { _ = try s.append(RunIntegrationTests.spam(i, tag: tag), to: "Junk") }
        let restart = try RestartOn(command)
        let path = try config(account, port: restart.proxy.port)
        let cut = try CLI.run(["run", "--config", path])
        #expect(restart.hasFired, "the run sent \(command)")
        restart.waitForRestart()
        #expect(cut.status == 75, "restarted at \(command): \(cut.stderr)")
        #expect(cut.stderr.contains("127.0.0.1:\(restart.proxy.port)"), "names the server: \(cut.stderr)")
        let again = try CLI.run(["run", "--config", path])
        #expect(again.status == 0, "\(again.stderr)")
        let made = try forwards(account)
        #expect(made.count == RunIntegrationTests.carrierCount(6), "each carrier spam has its forward: \(made)")
        #expect(made.values.allSatisfy { $0 == 1 }, "none doubled: \(made)")
        let found = again.stderr.components(separatedBy: "settled a report left by an interrupted run").count - 1
        // Stopped at the draft: the server had stored it and its OK was lost; the next run finds it.
        if command == "X-Watcher-Draft-Id" { #expect(found >= 1, "\(again.stderr)") }
        print("Dovecot restarted at \(command.trimmingCharacters(in: .whitespaces)): the run ended \(cut.status), the next \(again.status) "
              + "(\(found) report(s) the server had stored found by draft id); \(made.count) forwards, \(made.values.filter { $0 > 1 }.count) doubled")
    }

    @Test func aRestartDuringIDLEIsMetByAReconnectAndNewMailIsStillDraftedOnce() throws {
        let account = try Account(24)
        let s = try account.session()
        let restart = try RestartOn(" IDLE\r\n")
        let log = account.dir + "/watch.log"
        let p = try CLI.start(["watch", "--config", try config(account, port: restart.proxy.port), "--log-level", "info"], log: log)
        defer { if p.isRunning { p.terminate() } }
        for _ in 0..<100 where !restart.hasFired { usleep(100_000) }
        #expect(restart.hasFired, "watch went into IDLE")
        restart.waitForRestart()
        let before = try s.open("Drafts", readOnly: true).exists
        let appended = Date()
        _ = try s.append(RunIntegrationTests.spam(0, tag: "Y\(UUID().uuidString.prefix(4))"), to: "Junk")
        var delay: TimeInterval?
        // watch meets the restart, waits its back-off (5 s, then 10 s while Dovecot is still down) and logs in again.
        for _ in 0..<600 {
            if try s.open("Drafts", readOnly: true).exists > before { delay = Date().timeIntervalSince(appended); break }
            usleep(50_000)
        }
        usleep(1_000_000)
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(delay != nil, "new mail after the restart was drafted")
        #expect(try s.open("Drafts", readOnly: true).exists == before + 1, "once")
        let (warnings, text) = RunIntegrationTests.warnings(inLog: log)
        #expect(warnings.count >= 1 && warnings.count <= 3, "the restart is said, and not over and over: \(text)")
        #expect(warnings.allSatisfy { $0.contains("127.0.0.1:\(restart.proxy.port)") }, "\(warnings)")
        print("Dovecot restarted during IDLE: \(warnings.count) warning(s); new mail drafted \(delay.map { String(format: "%.1f", $0) } ?? "never") s after its APPEND")
    }
}
