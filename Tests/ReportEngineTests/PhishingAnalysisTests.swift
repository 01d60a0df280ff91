import Foundation
import Testing
@testable import ReportEngine

/// HTML read as a browser reads it: each row is markup, the links it yields (target and role) and the
/// text it shows.
@Suite struct HTMLTokenizerTests {
    struct Row: CustomTestStringConvertible, Sendable {
        var name: String
        var html: String
        var links: [String]
        var roles: [HTMLLink.Role]? = nil
        var text: String? = nil
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "upper-case tag with a line break before the attribute",
            html: "<A \r\n      HREF=\"https://lure.example.com/a\">go</A>", links: ["https://lure.example.com/a"], text: "go"),
        Row(name: "tab, form feed and CR separate attributes",
            html: "<a\tid=x\u{0C}href='https://a.example.com/'\rclass=b>x</a>", links: ["https://a.example.com/"]),
        Row(name: "unquoted value ends at white space or >",
            html: "<a href=https://b.example.com/p?q=1 target=_blank>x</a><a href=https://c.example.com/>y</a>",
            links: ["https://b.example.com/p?q=1", "https://c.example.com/"]),
        Row(name: "references in attribute values; a legacy name before = stays",
            html: "<a href=\"https&#x3a;//d&#46;example.com/?a=1&amp;b=2&copy=3&reg;\">x</a>",
            links: ["https://d.example.com/?a=1&b=2&copy=3®"]),
        Row(name: "the first of repeated attributes counts",
            html: "<a href=\"https://first.example.com/\" href=\"https://second.example.com/\">x</a>", links: ["https://first.example.com/"]),
        Row(name: "comments, including the abrupt <!--> form, hide their content",
            html: "<!-->https://shown.example.com/<!-- <a href='https://hidden.example.com/'>h</a> --!><p>t</p>",
            links: [], text: "https://shown.example.com/\nt"),
        Row(name: "script and style raw text ends only at its own end tag",
            html: "<script>var s = '<a href=\"https://in-script.example.com/\">';</SCRIPT ><style>a{}</style><a href=https://after.example.com/>a</a>",
            links: ["https://after.example.com/"], text: "a"),
        Row(name: "CDATA and declarations are bogus comments in HTML",
            html: "<![CDATA[x]]><!DOCTYPE html><?xml version='1.0'?>text", links: [], text: "text"),
        Row(name: "images, backgrounds and srcset are image role; a form action is a link",
            html: "<body background=https://bg.example.com/b.gif><img src=https://i.example.com/1.png srcset='https://i.example.com/2.png 2x, https://i.example.com/3.png 3x'><input type=image src=https://i.example.com/btn.png><form action=https://post.example.com/>",
            links: ["https://bg.example.com/b.gif", "https://i.example.com/1.png", "https://i.example.com/2.png", "https://i.example.com/3.png", "https://i.example.com/btn.png", "https://post.example.com/"],
            roles: [.image, .image, .image, .image, .image, .link]),
        Row(name: "a refresh in the head is a link; the head's other resources and text are not",
            html: "<html><head><title>T</title><link rel=stylesheet href=https://css.example.com/s.css><meta http-equiv=REFRESH content=\"0;URL='https://refresh.example.com/go'\"></head><body>b</body></html>",
            links: ["https://refresh.example.com/go"], roles: [.link], text: "b"),
        Row(name: "a head that is never closed ends at the first body content",
            html: "<head><meta charset=utf-8><div>shown <a href=https://x.example.com/>x</a></div>",
            links: ["https://x.example.com/"], text: "shown x"),
        Row(name: "<base href> resolves relative, root-relative and scheme-relative targets",
            html: "<base href=\"https://base.example.com/dir/page.html\"><a href=\"next.html\">1</a><a href=\"/root\">2</a><a href=\"//other.example.com/x\">3</a><a href=\"mailto:a@b.example\">4</a>",
            links: ["https://base.example.com/dir/next.html", "https://base.example.com/root", "https://other.example.com/x", "mailto:a@b.example"]),
        Row(name: "a < that opens no markup is text",
            html: "1 < 2 and 3 <4 <a href=https://y.example.com/>y</a>", links: ["https://y.example.com/"], text: "1 < 2 and 3 <4 y"),
    ]

    @Test(arguments: rows) func tokenizes(_ row: Row) {
        let h = HTMLText.render(row.html)
        #expect(h.links.map(\.target) == row.links)
        if let roles = row.roles { #expect(h.links.map(\.role) == roles) }
        if let text = row.text { #expect(h.text == text) }
    }

    @Test func anchorTextIsWhatTheAnchorShows() {
        let h = HTMLText.render("<a href=https://lure.example.com/><img alt=Logo src=https://i.example.com/l.png> https://www.brand.example.co.jp/ </a><a href=https://x.example.com/>unclosed")
        #expect(h.links.map(\.anchorText) == ["Logo https://www.brand.example.co.jp/", nil, "unclosed"])
    }

    /// Markup shapes a spammer controls, repeated: time must stay linear (a quadratic reader takes
    /// minutes on these sizes).
    @Test func hostileShapesStayLinear() {
        let shapes = [
            String(repeating: "<a ", count: 100_000),
            String(repeating: "<a href=x ", count: 50_000),
            "<a " + String(repeating: "x=1 ", count: 200_000) + ">",
            String(repeating: "<!--", count: 100_000),
            String(repeating: "<script>", count: 100_000),
            String(repeating: "&amp", count: 200_000),
            String(repeating: "<a href=https://a.example.com/>t", count: 50_000),
        ]
        for shape in shapes {
            let start = ContinuousClock.now
            _ = HTMLText.render(shape)
            #expect(ContinuousClock.now - start < .seconds(5), "\(shape.prefix(20))…")
        }
    }
}

/// The lure found, the imitated brand never listed: messages written for these tests in the shapes
/// Japanese phishing kits use.
@Suite struct PhishingKitTests {
    func analyze(_ name: String) throws -> MessageAnalysis {
        try MessageAnalyzer.analyze(Fixture.bytes("phishing/\(name)"))
    }

    @Test func aLinkBrokenOverLinesIsFoundAndTheBrandsOwnSiteIsNotListed() throws {
        let a = try analyze("kit-delivery.eml")
        #expect(a.domains == ["sagawa-redelivery-check.top"])
        let lure = try #require(a.urls.first { $0.domain == "sagawa-redelivery-check.top" })
        #expect(lure.role == "link")
        #expect(a.urls.contains { $0.host == "www.sagawa-exp.co.jp" && $0.role == "image" })
        #expect(!a.urls.contains { $0.host.hasSuffix(".top") && $0.host != "sagawa-redelivery-check.top" })  // comment, script
        #expect(a.diagnostics.contains { $0.hasPrefix("sagawa-exp.co.jp is not reported") })
    }

    @Test func redirectorsGiveWayToTheirTargetsAndPlatformsStay() throws {
        let a = try analyze("kit-redirectors.eml")
        #expect(a.domains == ["smbc-card-verify.net", "card-verify-jp.shop", "bit.ly", "hk-lure.workers.dev"])
        #expect(a.urls.contains { $0.host == "203.0.113.77" && $0.domain == nil })
        #expect(a.urls.contains { $0.host == "smbc--card--verify-net.translate.goog" })
        #expect(a.diagnostics.contains { $0.contains("bit.ly is a link shortener") })
        #expect(!a.domains.contains("smbc-card.com") && !a.domains.contains("google.com"))
    }

    @Test func anAnchorShowingTheBrandOverTheLureIsDeceptive() throws {
        let a = try analyze("kit-deceptive.eml")
        #expect(a.domains == ["nta-refund-portal.xyz", "e-tax-nta-go-jp.click"])
        let shown = try #require(a.urls.first { $0.url == "https://e-tax-nta-go-jp.click/app/pay/index.html" })
        #expect(shown.deceptive)
        #expect(a.urls.first { $0.url == "https://www.nta.go.jp/" }?.deceptive == false)
        #expect(a.urls.contains { $0.url == "https://e-tax-nta-go-jp.click/submit" && $0.role == "link" })
    }

    @Test func shiftJISKitWithReferencesInAttributes() throws {
        let a = try analyze("kit-sjis.eml")
        #expect(a.domains == ["eki-net-member.help"])
        #expect(a.urls.first?.url == "https://eki-net-member.help/login?ref=mail&copy=1")
        #expect(a.urls.contains { $0.role == "text" && $0.obfuscated && $0.host == "eki-net-member.help" })
    }

    @Test func theConfiguredNeverReportListAddsToTheBundledOne() throws {
        var list = NeverReportList.bundled
        list.add(.init(domain: "Sagawa-Redelivery-Check.top", name: "test", kind: "never_report"))
        let a = try MessageAnalyzer.analyze(Fixture.bytes("phishing/kit-delivery.eml"), configuration: AnalyzerConfiguration(neverReport: list))
        #expect(a.domains.isEmpty)
    }

    @Test func neverReportNamesCoverTheDomainsBelowThem() {
        let list = NeverReportList.bundled
        #expect(list.entry(for: "soumu.go.jp")?.domain == "go.jp")
        #expect(list.entry(for: "www.e-tax.nta.go.jp")?.domain == "nta.go.jp")
        #expect(list.entry(for: "amazon.co.jp")?.domain == "amazon.co.jp")
        #expect(list.entry(for: "xamazon.co.jp") == nil)
        #expect(list.entry(for: "amazon.co.jp.evil.example") == nil)
        #expect(list.entry(for: "bar.workers.dev") == nil)
    }

    @Test(arguments: [
        ("https://www-example--shop-com.translate.goog/a?b=1", "https://www.example-shop.com/a?b=1"),
        ("https://translate.google.com/translate?sl=auto&u=https://t.example.com/x", "https://t.example.com/x"),
        ("https://www.google.co.jp/url?sa=t&url=https%3A%2F%2Fg.example.com%2F", "https://g.example.com/"),
        ("https://nam12.safelinks.protection.outlook.com/?url=https%3A%2F%2Fs.example.com%2Fp&data=x", "https://s.example.com/p"),
        ("https://l.facebook.com/l.php?u=https%3A%2F%2Ff.example.com%2F&h=x", "https://f.example.com/"),
        ("https://www.google.com/amp/s/amp.example.com/story", "https://amp.example.com/story"),
    ])
    func redirectorTargetsAreReadFromTheURL(_ url: String, _ target: String) throws {
        let u = try #require(URLExtractor.extract(link: url).first)
        #expect(RedirectorTable.bundled.unwrap(u)?.target == target)
    }

    /// Hosts that only look like a redirector's go through none.
    @Test(arguments: [
        "https://evil-google.com/url?q=https%3A%2F%2Fx.example.com%2F",
        "https://translate.goog.example.jp/a?u=https://x.example.com/",
        "https://google.co.jp.example.net/url?q=https://x.example.com/",
        "https://l.facebook.com.example.org/l.php?u=https%3A%2F%2Fx.example.com%2F",
    ])
    func lookalikesAreNoRedirectors(_ url: String) throws {
        let u = try #require(URLExtractor.extract(link: url).first)
        #expect(RedirectorTable.bundled.unwrap(u) == nil)
    }
}

/// Real Japanese phishing as public mailing lists received it (Tests/ReportEngineTests/Fixtures/
/// jp-phishing-labels.tsv names each message's archive commit and its hand-checked lure and brand
/// domains; `scripts/jp-phishing.sh` gathers the messages into ../jp-phishing). Skipped when absent.
enum JapanesePhishingSet {
    /// `$WATCHER_JP_PHISHING`, or `../jp-phishing` beside the project, or nil when absent.
    static let directory: URL? = {
        if let env = ProcessInfo.processInfo.environment["WATCHER_JP_PHISHING"] { return URL(fileURLWithPath: env) }
        var dir = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { dir.deleteLastPathComponent() }
        let url = dir.deletingLastPathComponent().appendingPathComponent("jp-phishing")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }()
}

@Suite(.enabled(if: JapanesePhishingSet.directory != nil, "../jp-phishing is absent (scripts/jp-phishing.sh gathers it)"))
struct JapanesePhishingEvaluation {
    @Test func luresAreFoundAndBrandsAreNeverListed() throws {
        let dir = try #require(JapanesePhishingSet.directory)
        let labels = String(decoding: try Fixture.bytes("jp-phishing-labels.tsv"), as: UTF8.self)
        var messages = 0, lures = 0, found = 0, brands = 0, brandsListed = 0
        // The phishing reports: messages with a hand-checked lure, those whose report to
        // フィッシング対策協議会 names every lure domain and no brand domain, verdicts, brand-desk reports.
        var phishing = 0, councilReports = 0, apwgReports = 0, verdicts = 0, brandReports = 0
        var brandsReached = Set<String>()
        // APWG chosen as well ([phishing] desks = ["antiphishing", "apwg", "brand"]).
        var configuration = AnalyzerConfiguration()
        configuration.drafts.phishing = PhishingSettings(clearinghouses: AbuseDirectory.bundled.desks.filter { ["antiphishing", "apwg"].contains($0.id) })
        var missed: [String] = [], listed: [String] = [], unreported: [String] = []
        for line in labels.split(separator: "\n") where !line.hasPrefix("#") {
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard cols.count >= 4 else { continue }
            let data = try Data(contentsOf: dir.appendingPathComponent(cols[0]))
            let a = try MessageAnalyzer.analyze(Array(data), file: cols[0], configuration: configuration)
            messages += 1
            let labelledLures = cols[2].split(separator: ",").map(String.init)
            let labelledBrands = cols[3].split(separator: ",").map(String.init)
            for lure in labelledLures {
                lures += 1
                if a.domains.contains(lure) { found += 1 } else { missed.append("\(cols[0]) \(lure)") }
            }
            for brand in labelledBrands {
                brands += 1
                if a.domains.contains(brand) { brandsListed += 1; listed.append("\(cols[0]) \(brand)") }
            }
            if a.phishing != nil { verdicts += 1 }
            if let b = a.drafts.first(where: { $0.kind == .brand }) { brandReports += 1; brandsReached.insert(b.to.first ?? b.form ?? "") }
            guard !labelledLures.isEmpty else { continue }
            phishing += 1
            let council = a.drafts.first { $0.kind == .phishing && $0.to == ["info@antiphishing.jp"] }
            if let council, labelledLures.allSatisfy(council.targets.contains), !labelledBrands.contains(where: council.targets.contains) {
                councilReports += 1
            } else {
                unreported.append("\(cols[0]) \(labelledLures) -> \(council?.targets ?? [])")
            }
            if let apwg = a.drafts.first(where: { $0.kind == .phishing && $0.to == ["reportphishing@apwg.org"] }),
                labelledLures.allSatisfy(apwg.targets.contains), !labelledBrands.contains(where: apwg.targets.contains) {
                apwgReports += 1
            }
        }
        let share = Double(councilReports) / Double(max(phishing, 1))
        print("jp-phishing: \(phishing) messages with a labelled lure, \(councilReports) with a フィッシング対策協議会 report naming every lure domain and no brand domain (\(String(format: "%.1f", share * 100))%); \(verdicts) phishing verdicts of \(messages); \(brandReports) brand-desk reports to \(brandsReached.sorted())")
        for u in unreported { print("jp-phishing no council report: \(u)") }
        #expect(share >= 0.95)
        print("jp-phishing: \(apwgReports) with an APWG report naming every lure domain and no brand domain "
              + "(\(String(format: "%.1f", Double(apwgReports) / Double(max(phishing, 1)) * 100))%)")
        #expect(Double(apwgReports) / Double(max(phishing, 1)) >= 0.95)
        let recall = lures == 0 ? 1 : Double(found) / Double(lures)
        print("jp-phishing: \(messages) messages, lure domains found \(found)/\(lures) (\(String(format: "%.1f", recall * 100))%), brand domains listed \(brandsListed) of \(brands)")
        for m in missed { print("jp-phishing missed lure: \(m)") }
        for l in listed { print("jp-phishing brand listed: \(l)") }
        #expect(recall >= 0.95)
        #expect(brandsListed == 0)
    }
}

/// Shapes a spammer controls that once took time growing with the square of their size (a header
/// folded over 40,000 lines: 36 s; 40,000 dots after an authserv-id: 5.7 s; a URL followed by
/// 100,000 closing parentheses: 28 s). At these sizes a quadratic reader takes minutes.
@Suite struct LinearTimeTests {
    static let head = "From: a@b.example\r\nTo: c@d.example\r\nMessage-ID: <x@b.example>\r\n"

    static let shapes: [(String, String)] = [
        ("folded header", head + "Subject: x" + String(repeating: "\r\n x", count: 300_000) + "\r\n\r\nbody\r\n"),
        ("fold inside an unclosed encoded word", head + "Subject: =?UTF-8?B?" + String(repeating: "\r\n QUJD", count: 200_000) + "\r\n\r\nbody\r\n"),
        ("authserv-id followed by dots", head + "Authentication-Results: mx.example" + String(repeating: ".", count: 1_000_000) + "; spf=pass\r\n\r\nbody\r\n"),
        ("URL followed by closing parentheses", head + "Subject: t\r\n\r\nhttp://a.example/" + String(repeating: ")", count: 1_000_000) + "\r\n"),
        ("Content-Type with many words", head + "Content-Type: text/plain;" + String(repeating: " w", count: 500_000) + "\r\n\r\nbody\r\n"),
        ("one long line", head + "Subject: t\r\n\r\n" + String(repeating: "a.", count: 1_000_000) + "\r\n"),
        ("a scheme before a huge host", head + "Subject: t\r\n\r\nhttp://" + String(repeating: "a.", count: 1_000_000) + "\r\n"),
        // Phishing (brand in the subject, a lure): its reports hide every recipient, in a redacted copy.
        ("phishing to 20,000 recipients", "From: a@b.example\r\nMessage-ID: <x@b.example>\r\nSubject: Amazon\r\nTo: "
            + (0..<20_000).map { "user\($0)@victims.example.jp" }.joined(separator: ", ")
            + "\r\nContent-Type: text/html\r\n\r\n<a href=\"https://amazon-check.top/\">x</a>" + String(repeating: "user17@victims.example.jp ", count: 20_000) + "\r\n"),
        ("a link whose user-info is a run of look-alike slashes", head + "Subject: Amazon\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<a href=\"https://"
            + String(repeating: "a\u{2215}", count: 500_000) + "@lure.top/\">x</a>\r\n"),
        ("a brand's name a million times in the subject", head + "Subject: " + String(repeating: "アマゾン楽天", count: 200_000) + "\r\n\r\nhttps://lure.top/\r\n"),
    ]

    @Test(arguments: shapes.map(\.0))
    func analysisStaysLinear(_ name: String) throws {
        let text = try #require(Self.shapes.first { $0.0 == name }?.1)
        let start = ContinuousClock.now
        let a = try MessageAnalyzer.analyze(Array(text.utf8))
        #expect(ContinuousClock.now - start < .seconds(10), "\(name) took \(ContinuousClock.now - start)")
        #expect(a.summary.messageID == "<x@b.example>")
    }

    /// The check that a multipart's boundary stands on a line of its own (before a message is
    /// attached to a forward) reads each line start once: a long boundary of dashes and a line of
    /// dashes in the body took seconds growing with their product.
    @Test func boundaryLineCheckStaysLinear() throws {
        let boundary = String(repeating: "-", count: 20_000)
        let text = Self.head + "Content-Type: multipart/mixed; boundary=\"\(boundary)\"\r\n\r\n--\(boundary)\r\n"
            + "Content-Type: text/plain\r\n\r\nx" + String(repeating: "-", count: 400_000) + "\r\n--\(boundary)--\r\n"
        let message = try MIMEMessage.parse(Array(text.utf8))
        let start = ContinuousClock.now
        #expect(message.isStructurallySound)
        #expect(ContinuousClock.now - start < .seconds(10), "took \(ContinuousClock.now - start)")
    }

    @Test func urlsAndDomainsPerMessageAreCappedWithANote() throws {
        let body = (0..<5_000).map { "http://d\($0)x.com/x" }.joined(separator: "\r\n")
        let start = ContinuousClock.now
        let a = try MessageAnalyzer.analyze(Array((Self.head + "Subject: t\r\n\r\n" + body + "\r\n").utf8))
        #expect(ContinuousClock.now - start < .seconds(10))
        #expect(a.urls.count == MessageAnalyzer.maxURLs)
        #expect(a.domains.count == MessageAnalyzer.maxDomains)
        #expect(a.diagnostics.contains("more than 1000 URLs: only the first 1000 are listed"))
        #expect(a.diagnostics.contains("more than 100 domains: only the first 100 are reported"))
    }

    /// Messages attached inside messages 39 levels deep share one copy of the bytes.
    @Test func nestedMessagesShareTheirBytes() throws {
        let inner = Self.head + "Subject: inner\r\n\r\n" + String(repeating: "text http://a.example/ ", count: 200_000) + "\r\n"
        let wrapped = String(repeating: Self.head + "Subject: t\r\nContent-Type: message/rfc822\r\n\r\n", count: 39) + inner
        let m = try MIMEMessage.parse(Array(wrapped.utf8))
        var level = m
        var depth = 0
        while let next = level.root.embedded.first {
            // The attached message's bytes are a view into the outer ones, not a copy of them.
            #expect(next.raw.startIndex > level.raw.startIndex)
            level = next
            depth += 1
        }
        #expect(depth == 39)
        #expect(level.headers.first("Subject")?.text() == "inner")
    }

    @Test func aLongLineInADraftIsWrappedInLinearTime() {
        let start = ContinuousClock.now
        var w = MessageWriter()
        w.body(String(repeating: "あ", count: 3_000_000))
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(w.message.split(separator: 0x0A).allSatisfy { $0.count <= 1000 })
        #expect(String(validating: w.message, as: UTF8.self) != nil, "no UTF-8 sequence split")
    }
}
