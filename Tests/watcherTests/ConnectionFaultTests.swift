import Foundation
import IMAPWatcher
import TestBedSupport
import Testing

/// Connections that break where a real network breaks them, between watcher and the real Dovecot:
/// a loopback proxy cuts each connection at a random byte offset (in the TLS handshake, the login,
/// a FETCH, an APPEND, a STORE) or stalls it. Each run ends with 0 or 75 and a line naming the
/// cause; in the end every spam has exactly one report, none lost and none doubled.
@Suite(.serialized, .enabled(if: TestBed.isRunning, "the test bed (scripts/testbed.sh) is not running"))
struct ConnectionFaultTests {
    typealias Account = RunIntegrationTests.Account

    /// The carrier forwards in Drafts, by the Message-ID of the spam each carries.
    func forwards(_ account: Account) throws -> [String: Int] {
        let s = try account.session()
        try s.open("Drafts", readOnly: true)
        var out: [String: Int] = [:]
        for m in try s.fetch(uids: try s.uidSearch("HEADER X-Watcher-Kind carrier-forward")) {
            let text = String(decoding: m.bytes, as: UTF8.self)
            if let r = text.range(of: #"Message-ID: <spam-[^>]+>"#, options: .regularExpression) { out[String(text[r]), default: 0] += 1 }
        }
        return out
    }

    @Test func cutAtRandomPlacesEveryReportIsMadeOnce() throws {
        let account = try Account(21)
        let tag = "C\(UUID().uuidString.prefix(4))"
        let s = try account.session()
        for i in 0..<12 { _ = try s.append(RunIntegrationTests.spam(i, tag: tag), to: "Junk") }
        let target = UInt16(TestBed.imapsURL!.split(separator: ":").last!)!
        // The same cuts on every machine, spread over a run's exchange (the TLS handshake is the first
        // few kilobytes, the fetches and appends the rest).
        let cuts = (0..<40).map { k in 200 + (k * 7919 + 613) % 14_000 }
        let proxy = try FaultProxy(target: target) { k in k < cuts.count ? .cut(after: cuts[k]) : .none }
        let config = try account.config(imap: ["url": "\"imaps://127.0.0.1:\(proxy.port)\""])
        var statuses: [Int32] = []
        for _ in 0..<40 {
            let r = try CLI.run(["run", "--config", config])
            statuses.append(r.status)
            #expect([0, 75].contains(r.status), "exit \(r.status): \(r.stderr)")
            if r.status == 75 { #expect(r.stderr.contains("127.0.0.1:\(proxy.port)"), "names the server: \(r.stderr)") }
            if r.status == 0, try forwards(account).count == RunIntegrationTests.carrierCount(12) { break }
        }
        proxy.plan { _ in .none }
        #expect(try CLI.run(["run", "--config", config]).status == 0)
        let made = try forwards(account)
        #expect(made.count == RunIntegrationTests.carrierCount(12), "every carrier spam has its forward: \(made)")
        #expect(made.values.allSatisfy { $0 == 1 }, "none doubled: \(made)")
        #expect(statuses.filter { $0 == 75 }.count >= 5, "the cuts did break runs: \(statuses)")
        print("cut connections: \(proxy.connections) connections, runs ended \(statuses.map(String.init).joined(separator: " "))")
    }

    @Test func aStalledServerEndsTheRunWith75AndNamesTheTimeout() throws {
        let account = try Account(22)
        let s = try account.session()
        _ = try s.append(RunIntegrationTests.spam(0, tag: "S\(UUID().uuidString.prefix(4))"), to: "Junk")
        let target = UInt16(TestBed.imapsURL!.split(separator: ":").last!)!
        // Past the TLS handshake and the login, then nothing.
        let proxy = try FaultProxy(target: target) { _ in .stall(after: 6000) }
        let path = try account.config(imap: ["url": "\"imaps://127.0.0.1:\(proxy.port)\""])
        try Account.shortenTimeouts(path)
        let started = Date()
        let r = try CLI.run(["run", "--config", path])
        #expect(r.status == 75, "\(r.stderr)")
        #expect(r.stderr.contains("timed out") || r.stderr.contains("Timeout"), "\(r.stderr)")
        #expect(Date().timeIntervalSince(started) < 30)
        // A server that takes the connection and says nothing at all (one caught restarting): the
        // login gives up too.
        // Silent from the start, in the TLS handshake, in the greeting or the login.
        for offset in [0, 1500, 2500, 3500, 4500, 5000] {
            proxy.plan { _ in .stall(after: offset) }
            let silent = Date()
            let quiet = try CLI.run(["run", "--config", path])
            #expect(quiet.status == 75, "stalled after \(offset) bytes: \(quiet.stderr)")
            #expect(quiet.stderr.contains("timed out"), "\(quiet.stderr)")
            #expect(Date().timeIntervalSince(silent) < 20, "stalled after \(offset) bytes: \(Date().timeIntervalSince(silent)) s")
        }
        proxy.plan { _ in .none }
        #expect(try CLI.run(["run", "--config", path]).status == 0)
        #expect(try forwards(account).count == 1)
    }
}
