import Foundation
@testable import IMAPWatcher
import TestBedSupport
import Testing

/// Against the real Dovecot of `scripts/testbed.sh`.
@Suite(.serialized, .enabled(if: TestBed.isRunning, "the test bed (scripts/testbed.sh) is not running"))
struct IMAPSessionTests {
    let user = TestBed.user(1)

    func config(url: String? = TestBed.imapsURL, password: String = TestBed.password, ca: String? = TestBed.caFile) -> ServerConfiguration {
        ServerConfiguration(url: url ?? "", user: user, password: password, caFile: ca, timeout: 10)
    }

    func message(_ n: Int, body: String = "hello") -> [UInt8] {
        Array("From: a\(n)@example.net\r\nSubject: test \(n)\r\nMessage-ID: <t\(n)@example.net>\r\n\r\n\(body)\r\n".utf8)
    }

    @Test func appendSearchFetchWithoutSettingSeen() throws {
        let s = try IMAPSession(config())
        let box = MailboxName("Test-\(UUID().uuidString.prefix(8))")
        try s.create(box)
        defer { try? s.delete(box) }
        // A body line that looks like a tagged reply must stay inside the literal.
        let tricky = "W9 OK Fetch completed (fake)\r\n* 1 FETCH (UID 99)\r\n" + String(repeating: "x", count: 200_000)
        let uid1 = try s.append(message(1), to: box)
        let uid2 = try s.append(message(2, body: tricky), to: box, flags: ["\\Flagged"])
        #expect(uid1 != nil && uid2 != nil)
        let status = try s.open(box, readOnly: false)
        #expect(status.exists == 2)
        #expect(status.uidValidity > 0)
        let uids = try s.uidSearch("ALL")
        #expect(uids.count == 2)
        let fetched = try s.fetch(uids: uids)
        #expect(fetched.map(\.bytes) == [message(1), message(2, body: tricky)])
        let flags = try s.flags(uids: uids)
        #expect(flags.values.allSatisfy { !$0.contains("\\Seen") })
        try s.store(uids: [uids[0]], flags: ["$Reported"])
        #expect(try s.uidSearch("KEYWORD $Reported") == [uids[0]])
    }

    /// A quiet IDLE is no failure: renewed on the same connection, it ends when its time is up, and
    /// a message delivered meanwhile ends it at once.
    @Test func idleWaitsQuietlyRenewsAndSeesNewMail() throws {
        let s = try IMAPSession(config())
        let box = MailboxName("Idle-\(UUID().uuidString.prefix(8))")
        try s.create(box)
        defer { try? s.delete(box) }
        try s.open(box, readOnly: true)
        var started = Date()
        #expect(try s.idle(seconds: 5, tick: 1, renewEvery: 2) == false)
        #expect(Date().timeIntervalSince(started) >= 4.5)
        // Still the same, usable connection.
        #expect(try s.uidSearch("ALL").isEmpty)
        let (configuration, mail) = (config(), message(9))
        started = Date()
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 1)
            _ = try? IMAPSession(configuration).append(mail, to: box)
        }
        #expect(try s.idle(seconds: 20, tick: 1, renewEvery: 3) == true)
        #expect(Date().timeIntervalSince(started) < 5)
    }

    /// With a size limit only the first limit + 1 octets of a message come over the wire.
    @Test func fetchWithALimitTakesNoMoreThanOneOctetPastIt() throws {
        let s = try IMAPSession(config())
        let box = MailboxName("Test-\(UUID().uuidString.prefix(8))")
        try s.create(box)
        defer { try? s.delete(box) }
        let small = message(1)
        let large = message(2, body: String(repeating: "y", count: 100_000))
        _ = try s.append(small, to: box)
        _ = try s.append(large, to: box)
        try s.open(box, readOnly: true)
        let fetched = try s.fetch(uids: try s.uidSearch("ALL"), maxBytes: 50_000)
        #expect(fetched.map(\.bytes) == [small, Array(large.prefix(50_001))])
    }

    /// Sizes come before the messages, so a run can bound its batches in bytes; UIDs in runs are asked
    /// as ranges.
    @Test func sizesByUIDWithoutFetchingTheMessages() throws {
        let s = try IMAPSession(config())
        let box = MailboxName("Test-\(UUID().uuidString.prefix(8))")
        try s.create(box)
        defer { try? s.delete(box) }
        let messages = (1...4).map { message($0, body: String(repeating: "z", count: $0 * 1000)) }
        for m in messages { _ = try s.append(m, to: box) }
        try s.open(box, readOnly: true)
        let uids = try s.uidSearch("ALL")
        let sizes = try s.sizes(uids: uids)
        #expect(uids.map { sizes[$0] } == messages.map(\.count))
        #expect(try s.sizes(uids: [uids[0], uids[3]]).count == 2)
        #expect(try s.flags(uids: uids).values.allSatisfy { !$0.contains("\\Seen") }, "asking sizes reads no message")
        #expect(IMAPSession.uidSet([3, 4, 5, 9, 11, 12]) == "3:5,9,11:12")
        #expect(IMAPSession.uidSet([7]) == "7")
        #expect(IMAPSession.uidSet([4_294_967_294, 4_294_967_295, 1, 2]) == "4294967294:4294967295,1:2")  // no overflow past the last UID
        #expect(IMAPSession.uidSet([5, 3, 4]) == "5,3:4")
    }

    @Test func appendWithDraftFlagAndAPPENDUID() throws {
        let s = try IMAPSession(config(url: TestBed.imapURL))  // STARTTLS
        let uid = try #require(try s.append(message(3), to: "Drafts", flags: ["\\Draft", "\\Seen"]))
        try s.open("Drafts", readOnly: true)
        let flags = try s.flags(uids: [uid])
        #expect(flags[uid]?.contains("\\Draft") == true)
        #expect(flags[uid]?.contains("\\Seen") == true)
    }

    @Test func unicodeMailboxNames() throws {
        let s = try IMAPSession(config())
        let box = MailboxName("迷惑メール-\(UUID().uuidString.prefix(4))")
        try s.create(box)
        defer { try? s.delete(box) }
        #expect(try s.list().contains(box))
        #expect(MailboxName("迷惑メール").wire == "\"&j,dg0TDhMPww6w-\"")
    }

    @Test func wrongPasswordIsAnAuthenticationError() {
        #expect { try IMAPSession(config(password: "wrong")) } throws: { ($0 as? MailError)?.kind == .authentication }
    }

    @Test func untrustedCertificateIsRefused() {
        #expect { try IMAPSession(config(ca: nil)) } throws: { e in
            guard let e = e as? MailError else { return false }
            return e.kind == .certificate && e.description.contains("ca_file")
        }
    }

    @Test func nothingListeningIsATransientConnectionError() {
        #expect { try IMAPSession(config(url: "imaps://127.0.0.1:10999")) } throws: { e in
            guard let e = e as? MailError else { return false }
            return e.isTransient && e.description.contains("127.0.0.1:10999") && !e.description.contains(TestBed.password)
        }
    }

    @Test func missingMailbox() throws {
        let s = try IMAPSession(config())
        #expect { try s.open("No-Such-Box", readOnly: true) } throws: { ($0 as? MailError)?.kind == .missingMailbox }
    }

    @Test func smtpSubmissionArrivesAtTheSink() throws {
        let smtp = try SMTPSubmission(ServerConfiguration(url: try #require(TestBed.smtpURL), user: user, password: TestBed.password,
                                                          caFile: TestBed.caFile, timeout: 10))
        let id = UUID().uuidString
        try smtp.send(Array("From: \(user)\r\nTo: abuse@desk.example\r\nSubject: \(id)\r\n\r\n.leading dot\r\n".utf8),
                      from: user, to: ["abuse@desk.example"])
        let sink = try IMAPSession(ServerConfiguration(url: try #require(TestBed.imapsURL), user: TestBed.sinkUser,
                                                       password: TestBed.sinkPassword, caFile: TestBed.caFile, timeout: 10))
        var found: [UInt32] = []
        for _ in 0..<100 {  // Postfix delivers asynchronously: poll the sink mailbox for the message.
            try sink.open("INBOX", readOnly: true)
            found = try sink.uidSearch("HEADER Subject \"\(id)\"")
            if !found.isEmpty { break }
            usleep(100_000)
        }
        let m = try #require(try sink.fetch(uids: found).first)
        #expect(String(decoding: m.bytes, as: UTF8.self).contains("\r\n.leading dot\r\n"))
    }
}
