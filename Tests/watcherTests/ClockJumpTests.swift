import Foundation
import IMAPWatcher
import TestBedSupport
import Testing

/// The wall clock set back and forward while `watch` runs (NTP after a suspend, a person fixing the
/// time), with libfaketime preloaded into the watch process only: its IDLE deadlines are on the
/// monotonic clock, so it stays on one login, warns never, and drafts each new spam at once and once.
@Suite(.serialized, .enabled(if: TestBed.isRunning, "the test bed (scripts/testbed.sh) is not running"))
struct ClockJumpTests {
    typealias Account = RunIntegrationTests.Account
    static let faketime = ["/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1", "/usr/lib/faketime/libfaketimeMT.so.1"]
        .first { FileManager.default.fileExists(atPath: $0) }

    @Test(.enabled(if: ClockJumpTests.faketime != nil, "libfaketime is not installed (scripts/test.sh installs it)"))
    func watchKeepsItsIDLEAndDraftsAtOnceWhenTheClockJumps() throws {
        let account = try Account(29)
        let s = try account.session()
        let before = TestBed.logins(of: account.user)
        let offset = account.dir + "/faketime"
        try "+0\n".write(toFile: offset, atomically: true, encoding: .utf8)
        let log = account.dir + "/watch.log"
        // Started through env: a Swift program started straight from a process without libfaketime
        // loses its arguments under it (seen here: watcher printed its usage); one started by a
        // process that has it loaded too keeps them.
        let p = try CLI.start(["watch", "--config", try account.config(), "--log-level", "info"], log: log,
                              environment: ["LD_PRELOAD": ClockJumpTests.faketime!, "FAKETIME_TIMESTAMP_FILE": offset,
                                            "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1"],
                              launcher: "/usr/bin/env")
        defer { if p.isRunning { p.terminate() } }
        usleep(3_000_000)
        var delays: [String: Double] = [:]
        for (n, jump) in ["-2h", "+3d", "-10m"].enumerated() {
            try "\(jump)\n".write(toFile: offset, atomically: true, encoding: .utf8)
            usleep(3_000_000)  // the watch meets the new time in IDLE
            let appended = Date()
            _ = try s.append(RunIntegrationTests.spam(n * 3, tag: "J\(n)\(UUID().uuidString.prefix(4))"), to: "Junk")
            for _ in 0..<200 {
                if try s.open("Drafts", readOnly: true).exists > n { delays[jump] = Date().timeIntervalSince(appended); break }
                usleep(20_000)
            }
        }
        // One login whatever the clock said.
        let warnings = RunIntegrationTests.stopQuietWatch(p, log: log, user: account.user, loginsBefore: before)
        #expect(try s.open("Drafts", readOnly: true).exists == 3, "each spam drafted once")
        for jump in ["-2h", "+3d", "-10m"] {
            #expect(delays[jump] != nil, "no draft within 4 s after the clock moved \(jump)")
            if let d = delays[jump] { #expect(d < 1.5, "drafted \(d) s after the APPEND, the clock moved \(jump)") }
        }
        print("clock jumps: drafted " + ["-2h", "+3d", "-10m"].map { "\($0) \(delays[$0].map { String(format: "%.2f s", $0) } ?? "never")" }.joined(separator: ", ")
              + "; \(TestBed.logins(of: account.user) - before) login(s), \(warnings.count) warning(s)")
    }
}
