import Foundation
import IMAPWatcher
import TestBedSupport
import Testing

/// `watch` for a long time while spam keeps arriving, Dovecot restarts and connections are cut: no
/// spam without its report, none reported twice, resident memory flat. Run by `scripts/soak.sh`
/// (`WATCHER_SOAK_MINUTES`, default 10 there); not part of the normal test run.
@Suite(.serialized, .enabled(if: TestBed.isRunning && ProcessInfo.processInfo.environment["WATCHER_SOAK_MINUTES"] != nil,
                             "a soak runs only from scripts/soak.sh"))
struct SoakTests {
    static var minutes: Double { Double(ProcessInfo.processInfo.environment["WATCHER_SOAK_MINUTES"] ?? "10") ?? 10 }
    static var spams: Int { Int(ProcessInfo.processInfo.environment["WATCHER_SOAK_SPAMS"] ?? "2000") ?? 2000 }

    /// Stops the test bed's Dovecot and starts it again (its master process, as an operator would).
    func restartDovecot() throws {
        let config = (TestBed.dovecotLog! as NSString).deletingLastPathComponent + "/dovecot.conf"
        let back = TestBed.restartDovecot(config: config) {
            (try? IMAPSession(ServerConfiguration(url: TestBed.imapsURL!, user: TestBed.user(23), password: TestBed.password,
                                                  caFile: TestBed.caFile, timeout: 3))) != nil
        }
        if !back { print("soak: Dovecot did not answer within 20 s of a restart") }
    }

    func rss(_ pid: Int32) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }

    @Test func watchForMinutesWithRestartsAndCutsLosesAndDoublesNothing() throws {
        let account = try RunIntegrationTests.Account(23)
        let tag = "K\(UUID().uuidString.prefix(4))"
        let target = UInt16(TestBed.imapsURL!.split(separator: ":").last!)!
        let proxy = try FaultProxy(target: target) { _ in .none }
        let config = try account.config(imap: ["url": "\"imaps://127.0.0.1:\(proxy.port)\""])
        let log = account.dir + "/watch.log"
        let watch = try CLI.start(["watch", "--config", config, "--interval", "1"], log: log)
        defer { if watch.isRunning { watch.terminate() } }

        let duration = Self.minutes * 60, total = Self.spams
        let restarts = 20, cuts = 50
        // Arrival times spread at random over the period (a fixed seed: the same soak each time).
        var generator = SeededGenerator(seed: 2026)
        let arrivals = (0..<total).map { _ in Double.random(in: 0..<duration, using: &generator) }.sorted()
        let restartTimes = (1...restarts).map { duration * Double($0) / Double(restarts + 1) }
        let cutTimes = (1...cuts).map { duration * (Double($0) - 0.5) / Double(cuts) }
        var next = (arrival: 0, restart: 0, cut: 0)
        var curve: [(minute: Double, kb: Int)] = []
        var appender: IMAPSession?
        let start = Date()
        var lastSample = -1.0
        // Bounded: a server that never comes back ends the soak five minutes late, not never.
        while (next.arrival < total || Date().timeIntervalSince(start) < duration) && Date().timeIntervalSince(start) < duration + 300 {
            let t = Date().timeIntervalSince(start)
            if t - lastSample >= 30 {
                lastSample = t
                curve.append((t / 60, rss(watch.processIdentifier)))
                print("soak: \(Int(t)) s, \(next.arrival) spams in, \(next.restart) restarts, \(next.cut) cuts, watch \(curve.last!.kb) KB")
            }
            if next.restart < restarts, t >= restartTimes[next.restart] {
                appender = nil
                try restartDovecot()
                next.restart += 1
            }
            if next.cut < cuts, t >= cutTimes[next.cut] {
                proxy.cutAll()
                next.cut += 1
            }
            while next.arrival < total, arrivals[next.arrival] <= t {
                do {
                    if appender == nil { appender = try account.session() }
                    _ = try appender!.append(RunIntegrationTests.spam(next.arrival, tag: tag), to: "Junk")
                    next.arrival += 1
                } catch {
                    appender = nil
                    usleep(200_000)
                    break
                }
            }
            usleep(20_000)
        }
        // Time to catch up, then stop.
        let expected = RunIntegrationTests.carrierCount(total)
        var made: [String: Int] = [:]
        let reader = try account.session()
        for _ in 0..<300 {
            try reader.open("Drafts", readOnly: true)
            if try reader.uidSearch("HEADER X-Watcher-Kind carrier-forward").count >= expected { break }
            sleep(1)
        }
        curve.append((Date().timeIntervalSince(start) / 60, rss(watch.processIdentifier)))
        kill(watch.processIdentifier, SIGTERM)
        watch.waitUntilExit()
        try reader.open("Drafts", readOnly: true)
        for m in try reader.fetch(uids: try reader.uidSearch("HEADER X-Watcher-Kind carrier-forward"), batch: 200) {
            let text = String(decoding: m.bytes, as: UTF8.self)
            if let r = text.range(of: #"Message-ID: <spam-\#(tag)-\d+@[^>]+>"#, options: .regularExpression) { made[String(text[r]), default: 0] += 1 }
        }
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let warnings = text.split(separator: "\n").filter { $0.contains(" watcher warning: ") }.count
        let logins = TestBed.logins(of: account.user)
        let lost = expected - made.count, doubled = made.values.filter { $0 > 1 }.count
        print("soak: \(Int(duration / 60)) min, \(next.arrival) of \(total) spams in (\(expected) from carrier subscribers), \(next.restart) Dovecot restarts, "
              + "\(next.cut) cuts of every open connection, \(proxy.connections) connections through the proxy, \(warnings) warnings logged")
        print("soak: forwards \(made.count), lost \(lost), doubled \(doubled), watch exit \(watch.terminationStatus), logins of the user so far \(logins)")
        print("soak: resident memory of watch (KB) by minute: " + curve.map { String(format: "%.1f:%d", $0.minute, $0.kb) }.joined(separator: " "))
        #expect(lost == 0, "lost \(lost)")
        #expect(doubled == 0, "doubled \(doubled)")
        #expect(watch.terminationStatus == 0)
        // Flat: the second half of the soak stays within 1.5 times the first half's peak.
        let half = curve.count / 2
        if half > 1 {
            let first = curve[1..<half].map(\.kb).max() ?? 0, second = curve[half...].map(\.kb).max() ?? 0
            #expect(Double(second) <= Double(first) * 1.5, "resident memory grew: \(first) KB, then \(second) KB")
        }
    }
}

/// SplitMix64: the same sequence on every machine.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
