import Testing
@testable import ReportEngine

@Suite struct URLExtractorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let text: String
        let urls: [String]
        var defanged = false
        var obfuscated = false
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "plain URL in Japanese text", text: "こちら→https://example.com/a?b=1から登録", urls: ["https://example.com/a?b=1"]),
        Case(name: "hxxp and [.]", text: "hxxp://bad[.]example[.]com/x", urls: ["http://bad.example.com/x"], defanged: true),
        Case(name: "hxxps and (.)", text: "hxxps://bad(.)co(.)jp", urls: ["https://bad.co.jp/"], defanged: true),
        Case(name: "[dot] and {.}", text: "visit www[dot]bad{.}info/path now", urls: ["http://www.bad.info/path"], defanged: true),
        Case(name: "[:] in the scheme", text: "http[:]//bad.example.org/", urls: ["http://bad.example.org/"], defanged: true),
        Case(name: "full-width characters (NFKC)", text: "ｈｔｔｐｓ：／／ｂａｄ．ｅｘａｍｐｌｅ．ｃｏｍ／ｐａｔｈ", urls: ["https://bad.example.com/path"], obfuscated: true),
        Case(name: "mathematical letters and digits, a letter-like symbol, circled letters",
             text: "ご確認 https://aeonservice.𝕔𝕣𝕪𝕡𝕥𝕠𝟜𝕝𝕖𝕤𝕤.net/a ℂⓞ𝐦.example.org/x", urls: ["https://aeonservice.crypto4less.net/a", "http://com.example.org/x"], obfuscated: true),
        Case(name: "ideographic full stop", text: "example。com/path をクリック", urls: ["http://example.com/path"], obfuscated: true),
        Case(name: "full-width full stop", text: "bad．example．net", urls: ["http://bad.example.net/"], obfuscated: true),
        Case(name: "half-width ideographic full stop", text: "bad｡example｡org/x", urls: ["http://bad.example.org/x"], obfuscated: true),
        Case(name: "zero-width space", text: "https://ba\u{200B}d.exa\u{200D}mple.com/", urls: ["https://bad.example.com/"], obfuscated: true),
        Case(name: "soft hyphen", text: "www.ba\u{AD}d-site.com", urls: ["http://www.bad-site.com/"], obfuscated: true),
        Case(name: "character references", text: "http://bad&#46;example&#x2E;com/", urls: ["http://bad.example.com/"], obfuscated: true),
        Case(name: "scheme-less www.", text: "See www.example.org.", urls: ["http://www.example.org/"]),
        Case(name: "scheme-less name.tld/path", text: "登録:example-shop.xyz/reg?id=9", urls: ["http://example-shop.xyz/reg?id=9"]),
        Case(name: "bare registrable name", text: "go to example.co.jp today", urls: ["http://example.co.jp/"]),
        Case(name: "IP host", text: "http://45.76.212.77/login", urls: ["http://45.76.212.77/login"]),
        Case(name: "bare IP with a path", text: "ログイン: 45.76.212.77/login", urls: ["http://45.76.212.77/login"]),
        Case(name: "bare IP without a path is not a URL", text: "server 45.76.212.77 said", urls: []),
        Case(name: "scheme-relative", text: "see //cdn.example.net/x.js", urls: ["http://cdn.example.net/x.js"]),
        Case(name: "hex IP host", text: "http://0x2d4cd44d/", urls: ["http://45.76.212.77/"], obfuscated: true),
        Case(name: "octal IP host", text: "http://0055.0114.0324.0115/", urls: ["http://45.76.212.77/"], obfuscated: true),
        Case(name: "single-number IP host", text: "http://760009805/", urls: ["http://45.76.212.77/"], obfuscated: true),
        Case(name: "IDN to A-label", text: "https://日本語.jp/ひらがな", urls: ["https://xn--wgv71a119e.jp/"]),
        Case(name: "userinfo is not the host", text: "http://paypal.com@evil.example.net/", urls: ["http://evil.example.net/"]),
        Case(name: "trailing punctuation and brackets", text: "(see http://example.com/a_(b)), and http://example.net/x.", urls: ["http://example.com/a_(b)", "http://example.net/x"]),
        Case(name: "port kept, default dropped", text: "http://example.com:8080/ https://example.org:443/", urls: ["http://example.com:8080/", "https://example.org/"]),
        Case(name: "e-mail addresses are not URLs", text: "mail info@example-shop.xyz or mailto:x@example.com", urls: []),
        Case(name: "unknown TLD is not a name", text: "file.exe and readme.txt and v1.2.3", urls: []),
        Case(name: "ISO-2022-JP escape touching a URL", text: "\u{1B}(Bhttp://example.com/x\u{1B}$B", urls: ["http://example.com/x"]),
        Case(name: "http:www. without slashes", text: "http:www.example.com/", urls: ["http://www.example.com/"]),
        Case(name: "symbol label after a scheme (UTS #46, as browsers)", text: "http://✪df.ws/123", urls: ["http://xn--df-oiy.ws/123"]),
        Case(name: "a decoration symbol before a bare name is not part of it", text: "★お得★example.com/x", urls: ["http://example.com/x"]),
        Case(name: "a port above 65535 makes no URL", text: "google.com:500000 and http://example.com:99999/", urls: []),
        Case(name: "odd userinfo before the host", text: "http:////$%^&****((@example.org//#f", urls: ["http://example.org//#f"]),
        Case(name: "an address with its local part in other characters", text: "連絡は○○@example.com まで", urls: []),
        Case(name: "a token such as path:to:file.pm is no name, but サイト:x is", text: "path:to:file.pm サイト:example.jp",
             urls: ["http://example.jp/"]),
        Case(name: "a sentence running on after a full stop is no name", text: "for three months course.You can write. Shop at Amazon.Com",
             urls: ["http://amazon.com/"]),
        Case(name: "a name followed by Japanese and a full stop", text: "詳しくはbad-site.comまで。またはhttps://x.example.jp/aへ。",
             urls: ["http://bad-site.com/", "https://x.example.jp/a"]),
        Case(name: "the dot spelled out in katakana", text: "詳細はexample-shop(ドット)jp/regへ、またはbad-siteドットcomまで。ドットを打つ",
             urls: ["http://example-shop.jp/reg", "http://bad-site.com/"], defanged: true),
        Case(name: "lenticular brackets around the dot", text: "bad-site【.】com と bad-shop【ドット】jp", urls: ["http://bad-site.com/", "http://bad-shop.jp/"],
             defanged: true),
        Case(name: "a numbered list item is no name", text: "1.YOUR FULL NAMES:\n2.CONTACT ADDRESS:\nmail 163.com", urls: ["http://163.com/"]),
        Case(name: "a scheme glued to an identifier", text: "_http://example.com/ x", urls: []),
        Case(name: "a country code listed only below its top level", text: "see www.example.za now", urls: ["http://www.example.za/"]),
    ]

    @Test(arguments: cases)
    func extracts(_ c: Case) {
        let found = URLExtractor.extract(text: c.text)
        #expect(found.map(\.url) == c.urls)
        if let first = found.first {
            #expect(first.defanged == c.defanged)
            #expect(first.obfuscated == c.obfuscated)
        }
    }

    /// Answers are kept between calls, and stay right when asked again, for a missing one too, and
    /// after more distinct hosts than the store holds.
    @Test func registrableDomainAnswersRepeat() {
        for _ in 0..<2 {
            #expect(DomainName.registrableDomain("a.b.example.co.jp") == "example.co.jp")
            #expect(DomainName.registrableDomain("co.jp") == nil)
            #expect(DomainName.registrableDomain("host.invalid-tld-xyz") == nil)
        }
        for k in 0..<5_000 { #expect(DomainName.registrableDomain("www.n\(k).com") == "n\(k).com") }
        #expect(DomainName.registrableDomain("a.b.example.co.jp") == "example.co.jp")
        #expect(DomainName.registrableDomain("co.jp") == nil)
    }

    @Test func registrableDomainsComeFromThePublicSuffixList() {
        let urls = URLExtractor.extract(text: "http://a.b.example.co.jp/ http://x.example.com/ http://shop.example.ne.jp http://user.github.io/")
        #expect(urls.map(\.domain) == ["example.co.jp", "example.com", "example.ne.jp", "user.github.io"])
        #expect(URLExtractor.extract(text: "http://45.76.212.77/")[0].domain == nil)
    }

    @Test func aRedirectorsDestinationIsReportedToo() {
        let found = URLExtractor.extract(link: "https://click.tracker.example.com/r?u=https%3A%2F%2Fdest.example.net%2Fx&id=1")
        #expect(found.map(\.host) == ["click.tracker.example.com", "dest.example.net"])
    }

    @Test func aVeryLongURLKeepsItsHost() {
        let long = "http://long.example.com/" + String(repeating: "a", count: 10_000)
        let u = URLExtractor.extract(text: long)
        #expect(u.first?.host == "long.example.com")
    }

    @Test(arguments: [
        ("mailto:a@example.com", nil),
        ("tel:0120000000", nil),
        ("#top", nil),
        ("javascript:void(0)", nil),
        ("/relative/path", nil),
        ("//cdn.example.net/x.js", "http://cdn.example.net/x.js"),
        ("https://example.com/?q=http://other.example.org/", "https://example.com/?q=http://other.example.org/"),
        ("/redirect?to=http://inside.example.org/", nil),
        ("hxxps://bad[.]example[.]com", "https://bad.example.com/"),
    ] as [(String, String?)])
    func linkTargets(_ link: String, _ expected: String?) {
        #expect(URLExtractor.extract(link: link).first?.url == expected)
    }
}
