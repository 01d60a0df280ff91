import Testing
@testable import ReportEngine

@Suite struct HeaderTests {
    @Test(arguments: [
        ("=?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=", "日本語"),
        ("=?utf-8?q?caf=C3=A9_au_lait?=", "café au lait"),
        ("=?UTF-8?B?44GC?= =?UTF-8?B?44GE?=", "あい"),
        ("=?UTF-8?B?44GC?=\r\n =?UTF-8?B?44GE?= tail", "あい tail"),
        ("plain =?UTF-8?B?44GC?= text", "plain あ text"),
        ("=?ISO-2022-JP*ja?B?GyRCRnxLXBsoQg==?=", "日本"),
        ("=?UTF-8?B?broken", "=?UTF-8?B?broken"),
        ("=?unknown-charset?Q?abc?=", "abc"),
        ("=?iso-8859-1?q?this=20is=20some=20text?=", "this is some text"),
        ("=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>", "Keith Moore <moore@cs.utk.edu>"),
    ])
    func encodedWords(_ input: String, _ expected: String) {
        #expect(EncodedWord.decode(input) == expected)
    }

    @Test func multibyteCharacterSplitAcrossTwoWords() throws {
        let m = try Fixture.message("split-encoded-word.eml")
        #expect(m.headers.first("Subject")?.text() == "あいう tail")
        #expect(m.headers.first("From")?.text() == "Café Owner <owner@example.net>")
    }

    @Test func foldingAndRepeats() throws {
        let m = try Fixture.message("split-encoded-word.eml")
        #expect(m.headers.all("X-Repeat").map(\.plain) == ["one", "two"])
        // Each fold reads as one space, however the continuation is indented.
        #expect(m.headers.first("x-folded")?.plain == "first second third")
    }

    @Test func foldsInsideQuotesAndEncodedWords() {
        var diagnostics: [String] = []
        let block = "Subject: =?UTF-8?B?5YaZ55yf44Gu?=\r\n =?UTF-8?B?6KuL5rGC?=  two  spaces\r\n"
            + "X-Broken: =?UTF-8?Q?Hello\r\n _there!?=\r\n"
            + "Content-Type: text/plain; name=\"a\r\n   b\"\r\n"
        let h = Headers.parse(ArraySlice(block.utf8), diagnostics: &diagnostics)
        // Adjacent encoded words join (RFC 2047 §6.2); spaces the sender typed stay.
        #expect(h.first("Subject")?.text() == "写真の請求  two  spaces")
        // A mailer that folded inside an encoded word: the word is joined up again.
        #expect(h.first("X-Broken")?.text() == "Hello there!")
        // Inside a quoted string the fold keeps its white space.
        #expect(ContentType.parse(h.first("Content-Type")!.plain)?.parameters["name"] == "a   b")
    }

    @Test func rawShiftJISHeaderBytesAreDecoded() throws {
        let m = try Fixture.message("sjis-raw-header.eml")
        let a = try MessageAnalyzer.analyze(Array(m.raw))
        #expect(a.summary.subject == "重要なお知らせ①")
        #expect(a.summary.fromText == "山田㈱ <yamada@example.co.jp>")
        #expect(a.summary.from == "yamada@example.co.jp")
        #expect(a.summary.text == "本文です①㈱。\r\n".replacingOccurrences(of: "\r\n", with: "\n"))
        #expect(a.diagnostics.contains { $0.contains("raw 8-bit bytes in the header block") })
    }

    @Test func iso2022jpSubjectAndBodyKeepNECCharacters() throws {
        let a = try MessageAnalyzer.analyze(Fixture.bytes("iso2022jp-nec.eml"))
        #expect(a.summary.subject == "①㈱テスト")
        #expect(a.summary.text.hasPrefix("①㈱こんにちはｶﾀｶﾅ"))
        // The body's URL is read; example.com is a name reserved for documentation (RFC 2606), never reported.
        #expect(a.urls.map(\.domain) == ["example.com"])
        #expect(a.domains.isEmpty)
    }

    @Test func eucJPSubjectAndBody() throws {
        let a = try MessageAnalyzer.analyze(Fixture.bytes("eucjp.eml"))
        #expect(a.summary.subject == "日本語の件名")
        #expect(a.summary.text == "いろはにほへと ちりぬるを\n")
    }

    @Test(arguments: [
        ("text/plain; charset=\"ISO-2022-JP\"", "text", "plain", ["charset": "ISO-2022-JP"]),
        ("multipart/mixed;\r\n boundary=\"=_abc;def\"", "multipart", "mixed", ["boundary": "=_abc;def"]),
        ("application/pdf; name*=UTF-8''%E8%AB%8B%E6%B1%82.pdf", "application", "pdf", ["name": "請求.pdf"]),
        ("application/x-stuff; title*0*=us-ascii'en'This%20is%20even%20more%20; title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*2=\"isn't it!\"",
         "application", "x-stuff", ["title": "This is even more ***fun*** isn't it!"]),
        ("TEXT/HTML; CHARSET=Shift_JIS", "text", "html", ["charset": "Shift_JIS"]),
        ("image/jpeg; name=\"=?UTF-8?B?5YaZ55yf?=.jpg\"", "image", "jpeg", ["name": "写真.jpg"]),
        // Unquoted encoded words separated by spaces stay one value.
        ("image/png; name==?UTF-8?B?5YaZ?= =?UTF-8?B?55yf?=.png; x=1", "image", "png", ["name": "写真.png", "x": "1"]),
        // A sender that repeats the charset in every segment; a segment index may be skipped.
        ("application/pdf; filename*0*=Shift_JIS''%90%BF; filename*1*=Shift_JIS'%8B%81; filename*3=.pdf",
         "application", "pdf", ["filename": "請求.pdf"]),
        ("text/plain; name=; charset=utf-8", "text", "plain", ["charset": "utf-8"]),
    ])
    func contentTypes(_ value: String, _ type: String, _ subtype: String, _ params: [String: String]) throws {
        let ct = try #require(ContentType.parse(value))
        #expect(ct.type == type)
        #expect(ct.subtype == subtype)
        #expect(ct.parameters == params)
    }

    @Test(arguments: [
        ("Fri, 20 Nov 2026 21:14:03 +0900", "2026-11-20T21:14:03+09:00"),
        ("20 Nov 2026 21:14 JST", "2026-11-20T21:14:00+09:00"),
        ("Thu, 8 Mar 2005 17:40:36 EDT", "2005-03-08T17:40:36-04:00"),
        ("Mon, 2 Nov 26 10:00:00 -0000 (UTC)", "2026-11-02T10:00:00+00:00"),
        ("not a date", nil),
    ] as [(String, String?)])
    func dates(_ value: String, _ expected: String?) {
        #expect(MailDate.iso8601(value) == expected)
    }

    @Test(arguments: [
        ("\"山田 太郎\" <Taro@Example.JP>", "taro@example.jp"),
        ("taro@example.jp (Taro)", "taro@example.jp"),
        ("Group: a@b.example, c@d.example;", "a@b.example"),
        ("<@route.example:user@host.example>", "user@host.example"),
        ("undisclosed-recipients:;", nil),
        ("<>", nil),
    ] as [(String, String?)])
    func addresses(_ value: String, _ expected: String?) {
        #expect(Address.first(in: value) == expected)
    }

    @Test func aLocalSenderNameCountsOnlyWhereAsked() {
        #expect(Address.first(in: "List Moderator <moderator>", localNames: true) == "moderator")
        #expect(Address.first(in: "List Moderator <moderator>") == nil)
        #expect(Address.first(in: "<>", localNames: true) == nil)
    }
}

/// Trimming works on the bytes for ASCII sets, and still by Character where the bytes at an end
/// could join into one: CR LF is one Character, and an accent combines with the letter before it.
@Suite struct TrimmingTests {
    @Test func trimsWholeCharacters() {
        #expect("  [a] ".trimmingCharacters(in: " []") == "a")
        #expect("\r\nx\r\n".trimmingCharacters(in: " \t\r\n") == "x")
        #expect("\nx\r".trimmingCharacters(in: " \t\r\n") == "\nx\r")  // alone, neither is the set's "\r\n"
        #expect(" x\r ".trimmingCharacters(in: " \r") == "x")
        #expect(".e\u{301}.".trimmingCharacters(in: ".e") == "e\u{301}")  // "é" is not "e"
        #expect("..あ..".trimmingCharacters(in: ".") == "あ")
        #expect("...".trimmingCharacters(in: ".") == "")
        #expect("ab".dropFirst().trimmingCharacters(in: "b") == "")
    }
}
