import Foundation
import Testing
@testable import ReportEngine

/// The phishing verdict and the reports it brings: the clearing houses, the imitated brand's desk,
/// and the lure read as a browser reads the link.
@Suite struct PhishingReportTests {
    func analyze(_ name: String, _ configuration: AnalyzerConfiguration = AnalyzerConfiguration()) throws -> MessageAnalysis {
        try MessageAnalyzer.analyze(Fixture.bytes("phishing/\(name)"), configuration: configuration)
    }

    /// The header block of a draft, unfolded, field by field.
    func headers(_ d: Draft) -> [String: String] {
        let text = String(decoding: d.raw, as: UTF8.self)
        let block = text.components(separatedBy: "\r\n\r\n")[0].replacingOccurrences(of: "\r\n ", with: " ")
        var out: [String: String] = [:]
        for line in block.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            out[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return out
    }

    @Test func theLinkIsReadAsABrowserReadsIt() throws {
        let a = try analyze("kit-aeon-idn.eml")
        // User-info with division slashes before "@", the host in mathematical letters: the browser
        // goes to aeonservice.crypto4less.net; the brand's name in the user-info and "less.net" are no hosts.
        let lure = try #require(a.urls.first { $0.host == "aeonservice.crypto4less.net" })
        #expect(lure.obfuscated && lure.role == "link")
        #expect(!a.urls.contains { $0.host.hasSuffix("aeon-cardservice.co.jp") || $0.host == "less.net" })
        // A redirector's own host is noted, not reported; its target is.
        #expect(!a.domains.contains("google.se"))
        #expect(a.domains.contains("aeon-verify.top"))
        #expect(a.diagnostics.contains { $0.hasPrefix("translate.google.se is a redirector") })
        // A URL in the query of a link to the brand's own site is a parameter of it, not a target.
        #expect(!a.domains.contains("example.co") && !a.domains.contains("openid.net"))
        #expect(a.diagnostics.contains { $0.hasPrefix("specs.openid.net is not reported") })
        // Names reserved for documentation, the brand's own site and its site in another country are no targets.
        #expect(!a.domains.contains("example.com"))
        #expect(!a.domains.contains("aeon.co.jp") && !a.domains.contains("aeon.com.hk"))
        #expect(a.domains == ["crypto4less.net", "aeon-verify.top"])
    }

    @Test func aPhishingMessageGetsAVerdictAndAReportToTheCouncil() throws {
        let a = try analyze("kit-aeon-idn.eml")
        let p = try #require(a.phishing)
        #expect(p.brand.id == "aeon")
        #expect(p.signals.contains("brand-in-subject") && p.signals.contains("brand-in-from"))
        #expect(p.targets == a.domains)
        #expect(p.lures.first == "https://aeonservice.crypto4less.net/login?id=taro.yamada@example.org")
        let report = try #require(a.drafts.first { $0.kind == .phishing })
        #expect(report.to == ["info@antiphishing.jp"])
        let h = headers(report)
        #expect(h["X-Watcher-Kind"] == "phishing")
        #expect(h["X-Watcher-Targets"] == "crypto4less.net, aeon-verify.top")
        #expect(h["X-Watcher-Brand"] == p.brand.name)
        let raw = String(decoding: report.raw, as: UTF8.self)
        // The lure's host and path stay in the text; its query (the reader's address here) does not.
        let text = raw.components(separatedBy: "Content-Type: message/rfc822")[0]
        #expect(text.contains("https://aeonservice.crypto4less.net/login?…"))
        #expect(!text.contains("id=taro.yamada") && !text.contains("taro.yamada@example.org"))
        // The original travels unaltered: the council passes it on as received.
        #expect(raw.contains("Message-ID: <kit-aeon-idn@example.net>"))
        #expect(raw.contains("Content-Type: message/rfc822"))
        #expect(raw.contains("イオン"))
        // No brand report: AEON publishes no address for phishing reports in the data.
        #expect(!a.drafts.contains { $0.kind == .brand })
        #expect(a.json.serialized().contains("\"phishing\":{\"brand\":\"AEON"))
    }

    @Test func theBrandDeskGetsTheRedactedCopy() throws {
        let a = try analyze("kit-amazon-text.eml")
        #expect(a.phishing?.brand.id == "amazon")
        #expect(a.domains == ["amazon-account-check.shop"])
        let brand = try #require(a.drafts.first { $0.kind == .brand })
        #expect(brand.to == ["stop-spoofing@amazon.com"])
        let raw = String(decoding: brand.raw, as: UTF8.self)
        #expect(headers(brand)["X-Watcher-Brand"] == "Amazon")
        #expect(headers(brand)["X-Watcher-Targets"] == "amazon-account-check.shop")
        #expect(raw.contains("X-Watcher-Redacted"))
        #expect(!raw.contains("hanako@example.org"))
        #expect(raw.contains("https://amazon-account-check.shop/ap/signin?…"))
    }

    @Test func theDesksAreChosenByTheSettings() throws {
        let directory = AbuseDirectory.bundled
        var drafts = DraftSettings()
        drafts.phishing = PhishingSettings(clearinghouses: directory.desks.filter { ["antiphishing", "apwg", "safebrowsing"].contains($0.id) },
                                           brandDesk: false, redact: true)
        let a = try analyze("kit-amazon-text.eml", AnalyzerConfiguration(drafts: drafts))
        #expect(a.drafts.map(\.kind) == [.phishing, .phishing, .phishing])
        #expect(a.drafts.map(\.to) == [["info@antiphishing.jp"], ["reportphishing@apwg.org"], []])
        // Safe Browsing takes a form: the draft has the URLs to paste and no recipient.
        #expect(a.drafts[2].form == "https://www.google.com/safebrowsing/report_phish/")
        // `redact = true`: the clearing houses get the redacted copy too.
        #expect(a.drafts.allSatisfy { String(decoding: $0.raw, as: UTF8.self).contains("X-Watcher-Redacted") })
        drafts.phishing = .off
        let off = try analyze("kit-amazon-text.eml", AnalyzerConfiguration(drafts: drafts))
        #expect(off.phishing != nil && off.drafts.isEmpty)
    }

    @Test func spamThatOnlyMentionsABrandIsNoPhishing() throws {
        let a = try analyze("spam-not-phishing.eml")
        #expect(a.domains == ["example.jp"])
        #expect(a.phishing == nil)
        #expect(a.drafts.isEmpty)
    }

    /// A redirector on a never-reported site (Google, Facebook) still gives way to its destination:
    /// only what a link to such a site carries otherwise is its parameter.
    @Test func redirectorsOnBrandSitesKeepTheirDestination() throws {
        let html = "<a href=\"https://www.google.com/url?q=https://lure-x.top/a\">x</a>"
            + "<a href=\"https://l.facebook.com/l.php?u=https%3A%2F%2Flure-y.top%2F\">y</a>"
            + "<a href=\"https://www.amazon.co.jp/ap/signin?openid.return_to=https://ret.example.jp/&x=1\">z</a>"
            + "<a href=\"https://www.facebook.com/shop.example-page.jp/\">page</a>"
        let a = try MessageAnalyzer.analyze(Array("From: a@b.example\r\nSubject: t\r\nContent-Type: text/html\r\n\r\n\(html)\r\n".utf8))
        #expect(a.domains == ["lure-x.top", "lure-y.top"])
        #expect(a.diagnostics.contains { $0.hasPrefix("ret.example.jp is not reported from") })
        #expect(a.diagnostics.contains { $0.hasPrefix("shop.example-page.jp is not reported from") })
    }

    /// A sender that links its Facebook and X pages and loads Google's images shows those brands' own
    /// sites beside links of its own: that alone imitates nobody.
    @Test func aNewsletterWithSocialLinksIsNoPhishing() throws {
        let a = try analyze("newsletter-social-links.eml")
        #expect(a.domains == ["example.jp"])
        #expect(a.phishing == nil)
        #expect(a.drafts.isEmpty)
    }

    @Test func theKitsOfThisSuiteAreJudged() throws {
        #expect(try analyze("kit-delivery.eml").phishing?.brand.id == "sagawa")
        #expect(try analyze("kit-deceptive.eml").phishing?.signals.contains("deceptive-link") == true)
        #expect(try analyze("kit-sjis.eml").phishing?.brand.id == "jr-east")
    }

    @Test(arguments: [
        ("visa.com.hk", "visa", true), ("mastercard.us", "mastercard", true), ("aeon.com.my", "aeon", true),
        ("etc-meisai.co.jp", "etc", false), ("smbc-card.top", "smbc-card", false), ("smbc-card.cc", "smbc-card", false),
        ("amazon.com", "amazon", false), ("amazonn.de", "amazon", false), ("visa.shop", "visa", false),
    ])
    func anotherCountrysSiteOfTheBrandIsItsOwn(_ domain: String, _ brand: String, _ sibling: Bool) throws {
        let b = try #require(BrandTable.bundled.brand(id: brand))
        #expect(PhishingDetector.isSibling(domain, of: b) == sibling)
    }

    @Test(arguments: [
        ("【Coinchec\u{FE09}k】\u{2064}＜重\u{2061}要＞アカ\u{2061}ウント", "coincheck"),
        ("【三井住友 カード】 お支払い予定金額のご案内", "smbc-card"),
        ("＜重要＞【三菱ＵＦＪニコス銀行】ご利用確認のお願い", "nicos"),
        ("My Jcbアカウント認証通知", "jcb"),
        ("【重要】ETCマイレージポイントの有効期限が切れます！", "etc"),
        ("【楽天証券】口座セキュリティ強化のための設定のお願い", "rakuten-sec"),
        ("Update your Apple ID", "apple"),
    ])
    func brandNamesAreFoundThroughDisguises(_ text: String, _ id: String) {
        #expect(BrandTable.bundled.named(in: text)?.brand.id == id)
    }

    @Test func shortNamesStandApartAndNothingIsFoundInPlainWords() {
        #expect(BrandTable.bundled.named(in: "ups and downs") != nil)  // "ups" stands apart: a name
        #expect(BrandTable.bundled.named(in: "groups of words") == nil)
        #expect(BrandTable.bundled.named(in: "") == nil)
    }

    /// Every brand desk comes from the brand's own page, with the day it was read; none is guessed.
    @Test func brandDesksCarryTheirSource() {
        let desks = BrandTable.bundled.brands.compactMap { b in b.desk.map { (b.id, $0) } }
        #expect(desks.count >= 5)
        for (id, d) in desks {
            #expect(d.email != nil || d.form != nil, "\(id)")
            #expect(d.source.hasPrefix("https://"), "\(id)")
            #expect(d.checked.count == 10, "\(id)")
        }
        // The domains this data added to the earlier never-report list name the page they come from.
        for id in ["nta", "mynumber"] {
            let source = try? #require(BrandTable.bundled.brand(id: id)?.domainsSource)
            #expect(source?.url.hasPrefix("https://") == true && source?.checked.count == 10, "\(id)")
        }
        for id in ["antiphishing", "apwg", "safebrowsing"] {
            #expect(AbuseDirectory.bundled.desks.first { $0.id == id }?.source?.hasPrefix("https://") == true)
        }
    }

    /// A brand name, a domain or an address from the spam never becomes a header of its own.
    @Test func onlyHostNamesReachTheTargetsHeader() {
        #expect(PhishingReport.isHeaderSafe("lure.example.jp"))
        #expect(PhishingReport.isHeaderSafe("203.0.113.9"))
        #expect(!PhishingReport.isHeaderSafe("a.example\r\nBcc: x@example.org"))
        #expect(!PhishingReport.isHeaderSafe("ドメイン.jp"))
    }

    /// The same lure host is not sent to the same desk again within `repeat_after`.
    @Test func theLedgerKnowsTheLureHostsSentToEachDesk() throws {
        let ledger = try Ledger.inMemory()
        let a = try analyze("kit-amazon-text.eml")
        let drafts = a.drafts
        _ = try ledger.reserve(contentKey: "k1", messageID: nil, mailbox: "Junk", uidValidity: 1, uid: 1, subject: nil, sender: nil,
                               drafts: drafts, domains: Dictionary(uniqueKeysWithValues: drafts.map { ($0.id, $0.targets) }))
        let hour = Date().addingTimeInterval(-3600)
        #expect(try ledger.lureHostsReported(desk: "info@antiphishing.jp", hosts: ["amazon-account-check.shop", "other.example.jp"], since: hour)
            == ["amazon-account-check.shop"])
        #expect(try ledger.lureHostsReported(desk: "reportphishing@apwg.org", hosts: ["amazon-account-check.shop"], since: hour).isEmpty)
        #expect(try ledger.lureHostsReported(desk: "info@antiphishing.jp", hosts: ["amazon-account-check.shop"], since: Date().addingTimeInterval(60)).isEmpty)
        #expect(try ledger.priorReports(desk: "info@antiphishing.jp", domains: ["amazon-account-check.shop"]).isEmpty)  // pending, not delivered
    }
}
