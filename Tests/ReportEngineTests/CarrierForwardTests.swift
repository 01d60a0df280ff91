import Foundation
import Testing
@testable import ReportEngine

@Suite struct CarrierForwardTests {
    static let spam = """
        Received: from phone (unknown [49.98.12.201]) by mfsmax.docomo.ne.jp (docomo) with ESMTPA id B\r
        Authentication-Results: mfsmax.docomo.ne.jp; spf=pass smtp.mailfrom=x@docomo.ne.jp\r
        From: =?UTF-8?B?5b2T6YG4?= <X@docomo.ne.jp>\r
        To: victim@docomo.ne.jp\r
        Subject: =?UTF-8?B?5b2T6YG4DQpCY2M6IHZpY3RpbUBleGFtcGxlLmNvbQ==?=\r
        Date: Fri, 20 Nov 2026 21:14:03 +0900\r
        Message-ID: <m1@docomo.ne.jp>\r
        \r
        http://v42ycn-wtn3.jp/entry\r

        """

    func analysis(_ text: String = spam, language: ReportLanguage = .ja) throws -> MessageAnalysis {
        let config = AnalyzerConfiguration(drafts: DraftSettings(from: "Me <me@example.net>", language: language))
        return try MessageAnalyzer.analyze(Array(text.utf8), configuration: config, now: Date(timeIntervalSince1970: 1_790_000_000))
    }

    func headerBlock(_ raw: [UInt8]) -> String {
        let s = String(decoding: raw, as: UTF8.self)
        return String(s[..<s.range(of: "\r\n\r\n")!.lowerBound])
    }

    @Test(arguments: [
        (1_795_000_000, "Asia/Tokyo", "Wed, 18 Nov 2026 20:06:40 +0900"),
        (0, "Asia/Tokyo", "Thu, 01 Jan 1970 09:00:00 +0900"),
        (1_795_000_000, "America/Bogota", "Wed, 18 Nov 2026 06:06:40 -0500"),
        (951_782_400, "UTC", "Tue, 29 Feb 2000 00:00:00 +0000"),
    ] as [(Double, String, String)])
    func draftDates(_ seconds: Double, _ zone: String, _ expected: String) {
        #expect(MessageWriter.rfc5322Date(Date(timeIntervalSince1970: seconds), timeZone: TimeZone(identifier: zone)!) == expected)
    }

    @Test func oneForwardToTheCarrierDesk() throws {
        let a = try analysis()
        #expect(a.drafts.count == 1)
        let d = a.drafts[0]
        #expect(d.kind == .carrierForward)
        #expect(d.to == ["imode-meiwaku@nttdocomo.co.jp"])
        #expect(d.form == nil)
        #expect(d.subject.hasPrefix("FW: 当選"))
    }

    @Test func aCRLFInTheDecodedSubjectCannotAddAHeader() throws {
        let d = try analysis().drafts[0]
        let block = headerBlock(d.raw)
        // The decoded subject is "当選\r\nBcc: victim@example.com": it must stay inside Subject.
        #expect(!block.contains("\r\nBcc:"))
        #expect(!block.lowercased().contains("\nbcc:"))
        #expect(d.subject == "FW: 当選 Bcc: victim@example.com")
        let parsed = try MIMEMessage.parse(d.raw)
        #expect(parsed.headers.all("Bcc").isEmpty)
        #expect(parsed.headers.first("Subject")?.text() == "FW: 当選 Bcc: victim@example.com")
    }

    @Test func draftIsACompleteMessageWithTheOriginalAttachedUnaltered() throws {
        let a = try analysis()
        let d = a.drafts[0]
        let m = try MIMEMessage.parse(d.raw)
        #expect(m.headers.first("To")?.plain == "imode-meiwaku@nttdocomo.co.jp")
        #expect(m.headers.first("From")?.plain == "Me <me@example.net>")
        #expect(m.headers.first("X-Watcher-Draft-Id")?.plain == d.id)
        #expect(m.headers.first("Date") != nil)
        #expect(m.headers.first("Message-ID")?.plain.hasSuffix("@example.net>") == true)
        #expect(m.root.parts.count == 2)
        let body = m.root.parts[0]
        #expect(body.contentType.mimeType == "text/plain")
        #expect(body.transferEncoding == "8bit")
        let text = String(decoding: body.body, as: UTF8.self)
        #expect(text.contains("Authentication-Results: mfsmax.docomo.ne.jp; spf=pass smtp.mailfrom=x@docomo.ne.jp"))
        #expect(text.contains("件名: 当選\r\nBcc") == false)
        #expect(text.contains("http://v42ycn-wtn3.jp/entry"))
        let attached = m.root.parts[1]
        #expect(attached.contentType.mimeType == "message/rfc822")
        #expect(Array(attached.body) == Array(Self.spam.utf8))
        // Every line of the draft fits SMTP's limit.
        #expect(String(decoding: d.raw, as: UTF8.self).components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 998 })
    }

    @Test func nonUTF8OriginalIsAttachedAsBase64SoItsBytesSurvive() throws {
        let sjis: [UInt8] = Array("Authentication-Results: mfsmax.docomo.ne.jp; spf=pass\r\nFrom: a@docomo.ne.jp\r\nSubject: ".utf8)
            + [0x8C, 0x8F, 0x96, 0xBC] + Array("\r\nContent-Type: text/plain; charset=Shift_JIS\r\n\r\n".utf8) + [0x96, 0x7B, 0x95, 0xB6]
        let a = try MessageAnalyzer.analyze(sjis)
        let m = try MIMEMessage.parse(a.drafts[0].raw)
        #expect(m.root.parts[1].transferEncoding == "base64")
        // message/rfc822 may not be base64 (RFC 2046 §5.2.1): it travels as an .eml file.
        #expect(m.root.parts[1].contentType.mimeType == "application/octet-stream")
        #expect(Array(m.root.parts[1].body) == sjis)
        #expect(a.drafts[0].subject == "FW: 件名")
    }

    @Test(arguments: [("LF line ends", "\n"), ("a NUL", "\u{0}"), ("a bare CR", "\r"), ("a long line", String(repeating: "x", count: 2000))])
    func anOriginalThatCannotTravelAsAMessageGoesAsAFileAndTheTextStaysValid(_ name: String, _ oddity: String) throws {
        let spam = "Authentication-Results: mfsmax.docomo.ne.jp; spf=pass\r\nFrom: a@docomo.ne.jp\r\nSubject: t\r\n\r\nbody \(oddity) end\r\n"
        let raw = Array((name == "LF line ends" ? spam.replacingOccurrences(of: "\r\n", with: "\n") : spam).utf8)
        let a = try MessageAnalyzer.analyze(raw)
        let draft = a.drafts[0].raw
        let m = try MIMEMessage.parse(draft)
        #expect(m.root.parts[1].contentType.mimeType == "application/octet-stream", "\(name)")
        #expect(Array(m.root.parts[1].body) == raw, "\(name): the bytes survive")
        // No NUL, no bare CR or LF, no line over 998 octets anywhere in the draft.
        #expect(!draft.contains(0))
        var previous: UInt8 = 0
        var length = 0
        for b in draft {
            if b == 0x0A { #expect(previous == 0x0D, "\(name): bare LF"); length = 0 } else if previous == 0x0D { Issue.record("\(name): bare CR") }
            if b != 0x0D && b != 0x0A { length += 1 }
            #expect(length <= 998)
            previous = b
        }
    }

    @Test func englishTemplate() throws {
        let d = try analysis(language: .en).drafts[0]
        #expect(String(decoding: d.raw, as: UTF8.self).contains("Please take action against the sender."))
    }

    @Test func forgedCarrierSenderGetsNoForward() throws {
        let forged = """
            Received: from bulk.example (unknown [45.76.212.77]) by mx.docomo.ne.jp with ESMTP id C\r
            Authentication-Results: mx.docomo.ne.jp; spf=fail smtp.mailfrom=support@docomo.ne.jp\r
            From: support@docomo.ne.jp\r
            Subject: x\r
            \r
            body\r

            """
        let a = try analysis(forged)
        #expect(a.origin.spoofed)
        #expect(a.drafts.isEmpty)
    }

    @Test(arguments: ["a\u{0}b\u{7}c\u{85}d\u{2028}e", "line1\r\nline2\nline3\rline4"])
    func sanitizeRemovesEveryLineBreakAndControl(_ input: String) {
        let s = MessageWriter.sanitize(input)
        #expect(!s.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x85 || $0.value == 0x2028 })
    }
}

/// The copy a third party receives: structure kept, every text part decoded and cleaned of the
/// reporter's traces, other parts left out with a note.
@Suite struct RedactedCopyTests {
    static let spam = Array("""
        Received: from relay.example (relay.example [192.0.2.9])\r
        \tby mx.example.net with ESMTP id 77 for <Taro.Yamada@docomo.ne.jp>; Fri, 20 Nov 2026 21:14:05 +0900\r
        From: shop@lure.example\r
        To: =?UTF-8?B?5bGx55Sw5aSq6YOO?= <taro.yamada@docomo.ne.jp>\r
        Subject: =?UTF-8?B?dGFyby55YW1hZGEg5qeY?=\r
        Message-ID: <r1@lure.example>\r
        MIME-Version: 1.0\r
        Content-Type: multipart/mixed; boundary="b1"\r
        \r
        --b1\r
        Content-Type: text/html; charset=utf-8\r
        Content-Transfer-Encoding: base64\r
        \r
        PGEgaHJlZj0iaHR0cHM6Ly9sdXJlLmV4YW1wbGUvbG9naW4/dWlkPXRhcm8ueWFtYWRhQGRvY29tby5uZS5qcCZrPTEiPlRhcm8uWWFtYWRhPC9hPg==\r
        --b1\r
        Content-Type: image/gif; name="p.gif"\r
        Content-Transfer-Encoding: base64\r
        \r
        R0lGODlhAQABAAAAACw=\r
        --b1--\r
        """.utf8)

    @Test func addressesLocalPartsAndURLTokensAreGoneStructureStays() throws {
        let message = try MIMEMessage.parse(Self.spam)
        let redaction = DraftSettings(from: "Me <me@example.org>").redaction(for: message)
        #expect(redaction.addresses.contains("taro.yamada@docomo.ne.jp"))
        let copy = String(decoding: RedactedCopy.make(message, redaction: redaction), as: UTF8.self)
        #expect(!copy.lowercased().contains("taro.yamada"))
        #expect(!copy.contains("uid="))
        #expect(copy.contains("https://lure.example/…"))
        #expect(copy.contains("X-Watcher-Redacted:"))
        #expect(copy.contains("[left out of this copy: image/gif \"p.gif\""))
        let reparsed = try MIMEMessage.parse(Array(copy.utf8))
        #expect(reparsed.root.contentType.mimeType == "multipart/mixed")
        #expect(reparsed.root.parts.count == 2)
        #expect(reparsed.root.parts[0].decodedText().text.contains("[redacted]"))
        #expect(reparsed.headers.first("Subject")?.text().hasPrefix("[redacted]") == true)
        #expect(copy.split(separator: "\r\n").allSatisfy { $0.utf8.count <= 998 })
    }

    @Test func trackingPartsStayWhenTheUserSaysSo() throws {
        let message = try MIMEMessage.parse(Self.spam)
        let redaction = DraftSettings(redactTracking: false).redaction(for: message)
        let copy = String(decoding: RedactedCopy.make(message, redaction: redaction), as: UTF8.self)
        #expect(copy.contains("https://lure.example/login?uid=reporter@redacted.invalid&k=1"))
        #expect(redaction.url("https://lure.example/login?uid=1") == "https://lure.example/login?uid=1")
        #expect(Redaction(addresses: [], trackingURLs: true).url("https://lure.example/login?uid=1") == "https://lure.example/…")
        #expect(Redaction(addresses: [], trackingURLs: true).url("https://lure.example/") == "https://lure.example/")
    }

    @Test func lineBreaksOfAnyKindBecomeOneLineFeed() {
        for text in ["a\r\nb\rc\n\r\r\nd", "\r", "\r\n\r\n", "no breaks", "日本語\r\n行\r", ""] {
            #expect(RedactedCopy.lineFeeds(text) == text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n"))
        }
    }

    /// Left to right, the longest name starting at each place: a name by name reading over short
    /// texts of a few letters, so that names overlap, nest and repeat.
    @Test func eachPlaceTakesTheLongestNameStartingThere() {
        var rng = SystemRandomNumberGenerator()
        let letters = Array("abAB@.")
        func word(_ n: Int) -> String { String((0..<n).map { _ in letters[Int.random(in: 0..<letters.count, using: &rng)] }) }
        for _ in 0..<3_000 {
            let names = (0..<Int.random(in: 1...4, using: &rng)).map { _ in word(Int.random(in: 1...5, using: &rng)).lowercased() }
            let text = word(Int.random(in: 0...40, using: &rng))
            var expected: [UInt8] = []
            let hay = Array(text.utf8)
            var i = 0
            while i < hay.count {
                let lowered = hay[i...].map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
                let best = names.map(\.utf8).filter { lowered.starts(with: $0) }.map(\.count).max() ?? 0
                if best > 0 { expected += Array("#".utf8); i += best } else { expected.append(hay[i]); i += 1 }
            }
            #expect(NeedleTrie(names).replacingAll(in: hay, with: Array("#".utf8)) == expected, "\(names) in \(text)")
        }
    }

    /// Past `maxAddresses` names, the reporter's own still come first: the configured addresses, then
    /// the fields the receiving servers wrote, then To.
    @Test func theReportersOwnAddressesComeFirstWhenASpamNamesTooMany() throws {
        let to = (0..<(Redaction.maxAddresses + 50)).map { "victim\($0)@example.jp" }.joined(separator: ", ")
        let message = try MIMEMessage.parse(Array("From: a@b.example\r\nTo: \(to)\r\nDelivered-To: hanako.mobile@docomo.ne.jp\r\nSubject: t\r\n\r\nbody\r\n".utf8))
        let redaction = DraftSettings(ownAddresses: ["hanako.main@example.org"]).redaction(for: message)
        #expect(redaction.addresses.count == Redaction.maxAddresses)
        #expect(redaction.addresses.contains("hanako.main@example.org") && redaction.addresses.contains("hanako.mobile@docomo.ne.jp"))
        #expect(redaction.addresses.contains("victim0@example.jp") && !redaction.addresses.contains("victim10040@example.jp"))
    }

    /// A spam chooses how many recipients it names and how long their names are: hiding them costs
    /// the text's length, not names × text (40,000 names over 1 MB; a 300-letter name over 1 MB of it).
    @Test func hidingManyOrLongNamesStaysLinear() {
        let many = Redaction(addresses: (0..<20_000).map { "user\($0)@victims.example.jp" }, trackingURLs: false)
        let text = String(repeating: "user17@victims.example.jp and user1234 ", count: 25_000)
        var start = ContinuousClock.now
        let hidden = many.apply(text)
        #expect(ContinuousClock.now - start < .seconds(10))
        #expect(!hidden.contains("user17") && hidden.contains("reporter@redacted.invalid and [redacted]"))
        let long = Redaction(addresses: [String(repeating: "a", count: 300) + "@victims.example.jp"], trackingURLs: false)
        start = ContinuousClock.now
        let a = long.apply(String(repeating: "a", count: 1_000_000))
        #expect(ContinuousClock.now - start < .seconds(10))
        #expect(a.hasPrefix("[redacted][redacted]"))
    }
}

/// Every draft is a valid message: a carrier forward and a desk report (with its redacted copy) are
/// made for each message of ../shared/corpus and read back by Python's `email` package (policy
/// default), which lists each defect it finds. Skipped without the corpus or python3.
@Suite(.enabled(if: Fixture.corpus != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") || FileManager.default.isExecutableFile(atPath: "/usr/local/bin/python3"), "needs ../shared/corpus and python3"))
struct DraftValidityTests {
    @Test func draftsOfTheWholeCorpusHaveNoDefects() throws {
        let corpus = try #require(Fixture.corpus)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("watcher-drafts-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let carrier = CarrierTable.bundled.carriers[0]
        let settings = DraftSettings(from: "Reporter <reporter@example.net>", ownAddresses: ["reporter@example.net"])
        var written = 0
        let files = FileManager.default.enumerator(at: corpus, includingPropertiesForKeys: nil)!.compactMap { $0 as? URL }
            .filter { ["spam", "mime"].contains($0.pathComponents.dropFirst(corpus.pathComponents.count).first ?? "") && !$0.hasDirectoryPath }
        for file in files {
            guard let data = try? Data(contentsOf: file), let a = try? MessageAnalyzer.analyze(Array(data)) else { continue }
            let forward = CarrierForward.make(message: a.analysed, summary: a.summary, origin: a.origin, carrier: carrier, settings: settings)
            let contact = Contact(role: "registrar", name: "Example Registrar", email: "abuse@registrar.example", form: nil,
                                  domains: a.domains, evidence: ["whois.example, \"x\", now, line"])
            let report = DeskReport.make(contact: contact, analysis: a, settings: settings)
            for d in [forward, report] {
                try Data(d.raw).write(to: dir.appendingPathComponent("\(written).eml"))
                written += 1
            }
        }
        #expect(written > 1000)
        let script = """
            import email, email.policy, os, sys
            bad = 0
            for name in sorted(os.listdir(sys.argv[1])):
                raw = open(os.path.join(sys.argv[1], name), "rb").read()
                m = email.message_from_bytes(raw, policy=email.policy.default)
                defects = [(p.get_content_type(), type(d).__name__) for p in m.walk() for d in p.defects]
                long = [l for l in raw.split(b"\\r\\n") if len(l) > 998]
                if defects or long or b"\\x00" in raw or b"\\r\\n" not in raw:
                    bad += 1
                    print(name, defects[:3], len(long))
            print("drafts with defects:", bad)
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, dir.path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        print(text.split(separator: "\n").suffix(5).joined(separator: "\n"))
        #expect(text.contains("drafts with defects: 0"), "\(text.prefix(2000))")
    }
}
