import Testing
@testable import ReportEngine

@Suite struct MIMEMessageTests {
    @Test func nestedMultipartWithMissingClosingBoundary() throws {
        let m = try Fixture.message("nested-missing-boundary.eml")
        #expect(m.root.contentType.mimeType == "multipart/mixed")
        #expect(m.root.parts.count == 2)
        let alt = m.root.parts[0]
        #expect(alt.contentType.mimeType == "multipart/alternative")
        #expect(alt.parts.map(\.contentType.mimeType) == ["text/plain", "text/html"])
        #expect(String(decoding: alt.parts[0].body, as: UTF8.self) == "Café ✓ softbreak http://qp.example.com/x")
        let pdf = m.root.parts[1]
        #expect(pdf.filename == "請求-2026.pdf")
        #expect(pdf.isAttachment)
        #expect(Array(pdf.body) == Array("%PDF-1.4\n".utf8))
        #expect(m.diagnostics.contains("multipart/mixed: closing boundary missing"))
    }

    @Test func textComesFromPlainPartsAndURLsFromEveryPart() throws {
        let a = try MessageAnalyzer.analyze(Fixture.bytes("nested-missing-boundary.eml"))
        #expect(a.summary.text == "Café ✓ softbreak http://qp.example.com/x")
        #expect(a.urls.map(\.url) == ["http://qp.example.com/x", "https://html.example.com/a?b=1&c=2"])
        #expect(a.urls.map(\.part) == ["text", "html"])
        // Script content is not visible text, so its URL is not reported.
        #expect(!a.domains.contains("script.example.com"))
    }

    @Test func spamForwardedAsAttachmentIsAnalysedAsTheAttachment() throws {
        let a = try MessageAnalyzer.analyze(Fixture.bytes("forwarded-base64-rfc822.eml"))
        #expect(a.summary.subject == "inner subject")
        #expect(a.summary.from == "spammer@evil.example")
        #expect(a.domains == ["inner-spam.example.com"] || a.urls.map(\.host) == ["inner-spam.example.com"])
        #expect(!a.urls.contains { $0.host == "outer.example.org" })
        #expect(a.origin.sourceIP == "198.18.7.1" || a.origin.sourceIP == nil)
    }

    @Test func nestedMultipartThatReusesItsParentsBoundaryReadsAsMailReadersShowIt() throws {
        // The inner multipart declares the same boundary as the outer one: the innermost boundary
        // is tried first, so the text part belongs to it.
        let same = "Subject: s\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\n"
            + "Content-Type: multipart/alternative; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nhttp://inner.example.com/\n"
        let m = try MIMEMessage.parse(Array(same.utf8))
        #expect(m.root.parts.count == 1)
        #expect(m.root.parts[0].parts.map(\.contentType.mimeType) == ["text/plain"])
        #expect(String(decoding: m.root.parts[0].parts[0].body, as: UTF8.self) == "http://inner.example.com/\n")

        // An inner boundary that extends the outer one ("b" and "b--x"): the outer close line
        // "--b--" ends both, and the part after the inner close is the outer's.
        let extended = "Subject: e\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\n"
            + "Content-Type: multipart/alternative; boundary=\"bb\"\n\n--bb\nContent-Type: text/plain\n\none\n--bb--\n"
            + "--b\nContent-Type: text/html\n\n<p>two</p>\n--b--\n"
        let e = try MIMEMessage.parse(Array(extended.utf8))
        #expect(e.root.leaves.map { String(decoding: $0.body, as: UTF8.self) } == ["one", "<p>two</p>"])
        #expect(!e.diagnostics.contains { $0.contains("closing boundary missing") })
    }

    @Test func boundaryLineRightAfterThePartFieldsStartsTheBody() throws {
        let text = "Subject: s\nContent-Type: multipart/mixed; boundary=\"o\"\n\n--o\n"
            + "Content-Type: multipart/mixed; boundary=\"i\"\n--i\nContent-Type: text/plain\n\nhello\n--i--\n--o--\n"
        let m = try MIMEMessage.parse(Array(text.utf8))
        #expect(m.root.leaves.map { String(decoding: $0.body, as: UTF8.self) } == ["hello"])
    }

    @Test func contentBeforeAnOnlyClosingDelimiterIsReadAsText() throws {
        let text = "Subject: s\nContent-Type: multipart/alternative; boundary=\"zz\"\n\n"
            + "<a href=\"http://kept.example.com/\">x</a>\n--zz--\n"
        let a = try MessageAnalyzer.analyze(Array(text.utf8))
        #expect(a.urls.map(\.host) == ["kept.example.com"])
        #expect(a.diagnostics.contains("multipart/alternative: no body part found; the body is read as text"))
    }

    @Test func ofSeveralContentTypeFieldsTheLastCounts() throws {
        let text = "Subject: s\nContent-Type: multipart/alternative; boundary=\"zz\"\nContent-Type: text/plain\n\n"
            + "see http://late.example.com/\n"
        let m = try MIMEMessage.parse(Array(text.utf8))
        #expect(m.root.contentType.mimeType == "text/plain")
        #expect(m.diagnostics.contains("2 Content-Type fields: the last is used"))
    }

    @Test func transferEncodings() {
        #expect(TransferEncoding.base64(Array("44GC44GE\n44GG".utf8)) == Array("あいう".utf8))
        #expect(TransferEncoding.base64(Array("YWJj".utf8)) == Array("abc".utf8))
        #expect(TransferEncoding.base64(Array("YWI".utf8)) == Array("ab".utf8))  // missing padding
        #expect(TransferEncoding.quotedPrintable(ArraySlice("a=3Db=\r\nc= \nd=ZZ".utf8)) == Array("a=bcd=ZZ".utf8))
        #expect(TransferEncoding.quotedPrintable(ArraySlice("a_b=5F".utf8), header: true) == Array("a b_".utf8))
    }

    @Test(arguments: ["", "\u{89}PNG\r\n\u{1A}\n binary", "just some words on a line\nand another"])
    func notAMessageIsAClearError(_ text: String) {
        #expect(throws: MIMEError.self) { try MIMEMessage.parse(Array(text.utf8)) }
    }

    @Test func sizeLimit() {
        let big = Array("Subject: x\n\n".utf8) + [UInt8](repeating: 0x41, count: 2_000)
        #expect(throws: MIMEError.tooLarge(size: big.count, limit: 1_000)) {
            try MIMEMessage.parse(big, limits: MIMELimits(maxSize: 1_000))
        }
    }

    @Test func deepNestingStopsAtTheLimitWithoutCrashing() throws {
        var text = "Subject: deep\nContent-Type: multipart/mixed; boundary=b0\n\n"
        for i in 0..<5_000 { text += "--b\(i)\nContent-Type: multipart/mixed; boundary=b\(i + 1)\n\n" }
        text += "--b5000\nContent-Type: text/plain\n\nhttp://deep.example.com/\n"
        let m = try MIMEMessage.parse(Array(text.utf8))
        #expect(m.diagnostics.contains { $0.contains("nesting deeper than") })
    }

    @Test func partCountLimit() throws {
        var text = "Subject: many\nContent-Type: multipart/mixed; boundary=z\n\n"
        for i in 0..<50 { text += "--z\nContent-Type: text/plain\n\npart \(i)\n" }
        text += "--z--\n"
        let m = try MIMEMessage.parse(Array(text.utf8), limits: MIMELimits(maxParts: 10))
        #expect(m.root.parts.count == 9)
        #expect(m.diagnostics.contains { $0.contains("more than 10 body parts") })
    }

    @Test func headerOnlyMessageAndBareLFs() throws {
        let m = try MIMEMessage.parse(Array("From: a@b.example\nSubject: no body".utf8))
        #expect(m.headers.first("Subject")?.plain == "no body")
        #expect(m.root.body.isEmpty)
        #expect(m.diagnostics.contains { $0.contains("no body") })
    }

    @Test func mboxSeparatorAndByteOrderMarkAreSkipped() throws {
        let m = try MIMEMessage.parse([0xEF, 0xBB, 0xBF] + Array("From someone Sat Jan  1 00:00:00 2000\nSubject: hi\n\nbody".utf8))
        #expect(m.headers.first("Subject")?.plain == "hi")
    }

    @Test func unknownTransferEncodingIsNoted() throws {
        let m = try MIMEMessage.parse(Array("Subject: x\nContent-Transfer-Encoding: x-uuencode\n\nbegin 644 a\n".utf8))
        #expect(m.diagnostics.contains { $0.contains("x-uuencode") })
    }
}

@Suite struct HTMLTextTests {
    @Test func rendersTextDropsScriptAndStyleAndDecodesEntities() {
        let h = HTMLText.render("""
            <html><head><title>T</title><style>p{}</style></head><body><p>One &amp; two&nbsp;&hellip;</p>\
            <script>alert(1)</script><div>Three<br>Four</div><!-- <p>hidden</p> --><p>&#x3042;&#12356;&copy</p></body></html>
            """)
        #expect(h.text == "One & two …\nThree\nFour\nあい©")
    }

    @Test func collectsLinkTargets() {
        let h = HTMLText.render("<a href='https://a.example/x?y=1&amp;z=2'>a</a><img src=http://b.example/i.png><form action=\"//c.example/post\"></form><meta http-equiv=refresh content=\"0; url=http://d.example/\">")
        #expect(h.links.map(\.target) == ["https://a.example/x?y=1&z=2", "http://b.example/i.png", "//c.example/post", "http://d.example/"])
        #expect(h.links.map(\.role) == [.link, .image, .link, .link])
        #expect(h.links.first?.anchorText == "a")
    }
}
