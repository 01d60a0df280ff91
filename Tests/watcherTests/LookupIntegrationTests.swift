import Foundation
import ReportEngine
import TestBedSupport
import Testing

/// `watcher analyze` with lookups against WHOIS and RDAP served on loopback from recorded answers in
/// the real formats, and the test bed's dnsmasq for DNS. The client code is the real one.
@Suite(.serialized, .enabled(if: TestBed.dnsServer != nil, "the test bed (scripts/testbed.sh) is not running"))
struct LookupIntegrationTests {
    static let jprsBanner = """
        [ JPRS database provides information on network administration. Its use is    ]
        [ restricted to network administration purposes. For further information,     ]
        [ use 'whois -h whois.jprs.jp help'. To suppress Japanese output, add'/e'     ]
        [ at the end of command, e.g. 'whois -h whois.jprs.jp xxx/e'.                 ]

        """

    static func jprs(_ domain: String, registrant: String) -> String {
        jprsBanner + """
            Domain Information:
            [Domain Name]                   \(domain.uppercased())

            [Registrant]                    \(registrant)

            [Name Server]                   ns1.tg5ns.info
            [Name Server]                   ns2.tg5ns.info
            [Signing Key]

            [Created on]                    2024/07/31
            [Expires on]                    2025/07/31
            [Status]                        Active
            [Last Updated]                  2024/08/26 09:47:44 (JST)

            Contact Information:
            [Name]                          Whois Privacy Protection Service by VALUE-DOMAIN
            [Email]                         whoisproxy@value-domain.com
            [Web Page]                      https://www.value-domain.com/
            [Postal code]                   530-0011

            """
    }

    /// APNIC's answer for Japanese space: JPNIC's hostmaster as the abuse contact, a placeholder.
    static func apnicJP(_ range: String) -> String {
        """
        % [whois.apnic.net]
        % Whois data copyright terms    http://www.apnic.net/db/dbcopyright.html

        % Information related to '\(range)'

        % Abuse contact for '\(range)' is 'hostmaster@nic.ad.jp'

        inetnum:        \(range)
        netname:        JPNIC-NET-JP
        descr:          Japan Network Information Center
        country:        JP
        remarks:        JPNIC Allocation Block
        remarks:        Authoritative information regarding assignments and
        remarks:        allocations made from within this block can also be
        remarks:        queried at whois.nic.ad.jp.
        mnt-irt:        IRT-JPNIC-JP
        source:         APNIC

        irt:            IRT-JPNIC-JP
        e-mail:         hostmaster@nic.ad.jp
        abuse-mailbox:  hostmaster@nic.ad.jp
        source:         APNIC

        """
    }

    static func jpnic(_ network: String, name: String, organization: String, abuse: String) -> String {
        """
        [ JPNIC database provides information regarding IP address and ASN. Its use   ]
        [ is restricted to network administration purposes. For further information,  ]
        [ use 'whois -h whois.nic.ad.jp help'. To only display English output,        ]
        [ add '/e' at the end of command, e.g. 'whois -h whois.nic.ad.jp xxx/e'.      ]

        Network Information:
        a. [Network Number]             \(network)
        b. [Network Name]               \(name)
        g. [Organization]               \(organization)
        m. [Administrative Contact]     JP00001234
        n. [Technical Contact]          JP00001234
        [Abuse]                         \(abuse)
        [Assigned Date]                 2011/01/25
        [Last Update]                   2023/04/01 10:00:00(JST)

        """
    }

    static let arin = """
        NetRange:       45.32.0.0 - 45.32.255.255
        CIDR:           45.32.0.0/16
        NetName:        VPS-EXAMPLE
        Organization:   Example VPS Hosting (EVH-1)

        OrgName:        Example VPS Hosting
        OrgAbuseHandle: ABUSE1-ARIN
        OrgAbuseEmail:  abuse@vps-hosting.example
        """

    static func answers() -> [String: String] {
        [
            "v42ycn-wtn3.jp/e": jprs("v42ycn-wtn3.jp", registrant: "Test Registrant A"),
            "hecff-i99sq.jp/e": jprs("hecff-i99sq.jp", registrant: "Test Registrant B"),
            "busy-registry.jp/e": "Query rate limit exceeded. Please try again later.\r\n",
            "49.98.12.201": apnicJP("49.96.0.0 - 49.111.255.255"),
            "49.98.12.201/e": jpnic("49.96.0.0/12", name: "MOBILE-NET", organization: "Example Mobile Carrier Co.", abuse: "abuse@mobile-carrier.example.jp"),
            "157.7.44.10": apnicJP("157.7.0.0 - 157.7.255.255"),
            "157.7.44.11": apnicJP("157.7.0.0 - 157.7.255.255"),
            "157.7.44.10/e": jpnic("157.7.44.0/24", name: "RENTAL-SERVER", organization: "Example Rental Server K.K.", abuse: "abuse@rental-server.example.jp"),
            "157.7.44.11/e": jpnic("157.7.44.0/24", name: "RENTAL-SERVER", organization: "Example Rental Server K.K.", abuse: "abuse@rental-server.example.jp"),
            "45.32.100.5": arin,
        ]
    }

    static let spam = """
        Received: from mgw.docomo.ne.jp (mgw.docomo.ne.jp [203.138.180.71]) by mx.user.example with ESMTP id 1\r
        Received: from phone (unknown [49.98.12.201]) by mgw.docomo.ne.jp (docomo) with ESMTPA id 2\r
        Authentication-Results: mgw.docomo.ne.jp; spf=pass smtp.mailfrom=x@docomo.ne.jp\r
        From: x@docomo.ne.jp\r
        To: victim@docomo.ne.jp\r
        Subject: =?UTF-8?B?5b2T6YG444Gu44GK55+l44KJ44Gb?=\r
        Date: Fri, 20 Nov 2026 21:14:03 +0900\r
        Message-ID: <seed-1@docomo.ne.jp>\r
        \r
        https://v42ycn-wtn3.jp/entry?id=1\r
        hecff-i99sq。jp/info\r
        https://v42ycn-wtn3.jp/again\r

        """

    func setup(_ whois: FixtureServer, extra: String = "", message: String = spam) throws -> (config: String, eml: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("watcher-lookup-\(UUID().uuidString.prefix(6))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let eml = dir + "/spam.eml"
        try message.write(toFile: eml, atomically: true, encoding: .utf8)
        let config = dir + "/watcher.toml"
        try """
            [lookup]
            whois_servers = { jp = "\(whois.address)", ip = "\(whois.address)", jpnic = "\(whois.address)", iana = "\(whois.address)" }
            dns_server = "\(TestBed.dnsServer!)"
            pacing = "0"
            timeout = "3s"

            [state]
            path = "\(dir)/state.sqlite"
            \(extra)
            """.write(toFile: config, atomically: true, encoding: .utf8)
        return (config, eml)
    }

    func analyze(_ config: String, _ eml: String) throws -> [String: Any] {
        let r = try CLI.run(["analyze", "--json", "--config", config, eml])
        #expect(r.status == 0, "\(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    @Test func seedDomainsGoToVALUEDOMAINsFormGroupedWithEvidence() throws {
        let whois = try FixtureServer(mode: .whois, answers: Self.answers())
        let (config, eml) = try setup(whois)
        let obj = try analyze(config, eml)
        let contacts = try #require(obj["contacts"] as? [[String: Any]])
        let registrar = try #require(contacts.first { $0["role"] as? String == "registrar" })
        #expect((registrar["name"] as? String)?.contains("VALUE-DOMAIN") == true)
        #expect(registrar["form"] as? String == "https://www.value-domain.com/")
        #expect(registrar["email"] is NSNull)
        #expect(registrar["domains"] as? [String] == ["v42ycn-wtn3.jp", "hecff-i99sq.jp"])
        let evidence = try #require(registrar["evidence"] as? [String])
        #expect(evidence.count == 2)
        #expect(evidence.allSatisfy { $0.contains(whois.address) && $0.contains("whoisproxy@value-domain.com") })
        #expect(evidence.contains { $0.contains("\"v42ycn-wtn3.jp/e\"") })
        let drafts = try #require(obj["drafts"] as? [[String: Any]])
        let form = try #require(drafts.first { $0["kind"] as? String == "registrar" })
        #expect(form["to"] as? [String] == [])
        #expect(form["form"] as? String == "https://www.value-domain.com/")
        let raw = try #require(form["raw"] as? String)
        // URLs reach a third party without their per-recipient parts.
        #expect(raw.contains("https://v42ycn-wtn3.jp/…"))
        #expect(raw.contains("http://hecff-i99sq.jp/…"))
        #expect(!raw.contains("id=1"))
        // One draft per desk: VALUE-DOMAIN is not asked twice for its two domains.
        #expect(drafts.filter { $0["form"] as? String == "https://www.value-domain.com/" }.count == 1)
        // JPRS is asked once per domain, though v42ycn-wtn3.jp appears in two URLs.
        #expect(whois.queries.filter { $0 == "v42ycn-wtn3.jp/e" }.count == 1)
    }

    /// SpamCop's practice: a third party learns nothing of the reporter. The recipient's address (To,
    /// Delivered-To, `for <…>`), the own addresses and the URL tokens are gone from every registrar,
    /// hosting, network and nameserver draft and its attached copy; the carrier forward is unaltered.
    @Test func thirdPartyReportsNeverShowTheReporter() throws {
        let whois = try FixtureServer(mode: .whois, answers: Self.answers())
        let message = Self.spam
            .replacingOccurrences(of: "by mx.user.example with ESMTP id 1\r\n", with: "by mx.user.example with ESMTP id 1\r\n\tfor <victim@docomo.ne.jp>; Fri, 20 Nov 2026 21:14:05 +0900\r\nDelivered-To: hanako.backup@example.net\r\n")
            .replacingOccurrences(of: "https://v42ycn-wtn3.jp/entry?id=1", with: "https://v42ycn-wtn3.jp/entry?uid=victim&t=9f3a Dear victim, hanako.backup, copy to hanako.main@example.org")
        let (config, eml) = try setup(whois, extra: "\n[reports]\nown_addresses = [\"Hanako <hanako.main@example.org>\"]\n", message: message)
        let obj = try analyze(config, eml)
        let drafts = try #require(obj["drafts"] as? [[String: Any]])
        let thirdParty = drafts.filter { $0["kind"] as? String != "carrier-forward" }
        #expect(Set(thirdParty.compactMap { $0["kind"] as? String }) == ["registrar", "network", "hosting", "nameserver"])
        for d in thirdParty {
            let raw = try #require(d["raw"] as? String)
            for secret in ["victim", "hanako.backup", "uid=", "t=9f3a", "hanako.main"] {
                #expect(!raw.lowercased().contains(secret), "\(d["kind"] ?? "") draft shows \(secret)")
            }
            #expect(raw.contains("X-Watcher-Redacted:"))
            #expect(raw.contains("filename=\"redacted-copy.eml\""))
        }
        let forward = try #require(drafts.first { $0["kind"] as? String == "carrier-forward" }?["raw"] as? String)
        #expect(forward.contains("for <victim@docomo.ne.jp>"))
        #expect(forward.contains("https://v42ycn-wtn3.jp/entry?uid=victim&t=9f3a"))
    }

    /// Most WHOIS servers end lines with CRLF: the evidence is still the one line that names the desk.
    @Test func crlfAnswersGiveOneLineEvidence() throws {
        var answers = Self.answers()
        for (k, v) in answers { answers[k] = v.replacingOccurrences(of: "\n", with: "\r\n") }
        let whois = try FixtureServer(mode: .whois, answers: answers)
        let (config, eml) = try setup(whois)
        let obj = try analyze(config, eml)
        let contacts = try #require(obj["contacts"] as? [[String: Any]])
        let evidence = contacts.flatMap { $0["evidence"] as? [String] ?? [] }
        #expect(evidence.count >= 4)
        for e in evidence {
            #expect(!e.contains("\n") && !e.contains("\r"), "\(e)")
            #expect(!e.contains("JPRS database") && !e.contains("JPNIC database"), "\(e)")
            #expect(e.count < 300, "\(e)")
        }
        let network = try #require(contacts.first { $0["role"] as? String == "network" })
        #expect((network["evidence"] as? [String])?.first?.hasSuffix("[Abuse]                         abuse@mobile-carrier.example.jp") == true)
    }

    /// A registry that takes the connection and never answers costs one timeout per run, not one per
    /// domain: the server is skipped for the rest of the run and its questions stay pending, naming it.
    @Test func threeDomainsBehindASilentServerCostOneTimeout() throws {
        let whois = try FixtureServer(mode: .whois, answers: Self.answers())
        let silent = try FixtureServer(mode: .whois, answers: ["v42ycn-wtn3.jp/e": "<silence>", "hecff-i99sq.jp/e": "<silence>", "third-one.jp/e": "<silence>"])
        let message = Self.spam.replacingOccurrences(of: "https://v42ycn-wtn3.jp/again", with: "https://third-one.jp/x")
        let (config, eml) = try setup(whois, message: message)
        let text = try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(of: "jp = \"\(whois.address)\"", with: "jp = \"\(silent.address)\"")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let started = Date()
        let obj = try analyze(config, eml)
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed < 5.5, "took \(elapsed) s with a 3 s timeout")
        #expect(silent.queries.count == 1, "\(silent.queries)")
        let pending = try #require(obj["pending"] as? [String])
        let registrar = pending.filter { $0.hasPrefix("registrar of ") }
        #expect(registrar.count == 3)
        #expect(registrar.allSatisfy { $0.contains(silent.address) }, "\(registrar)")
        #expect(registrar.filter { $0.contains("skipped: it timed out earlier in this run") }.count == 2)
        // The other servers still answer: the source network is found.
        #expect((obj["contacts"] as? [[String: Any]])?.contains { $0["role"] as? String == "network" } == true)
    }

    /// The lookups of one message stop when its budget is spent; the rest is pending, to be retried.
    @Test func theLookupBudgetBoundsOneMessage() throws {
        var answers = Self.answers()
        answers["v42ycn-wtn3.jp/e"] = "<silence>"
        let whois = try FixtureServer(mode: .whois, answers: answers)
        let (config, eml) = try setup(whois, extra: "")
        let text = try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(of: "timeout = \"3s\"", with: "timeout = \"2s\"\nbudget = \"1s\"")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let obj = try analyze(config, eml)
        let pending = try #require(obj["pending"] as? [String])
        #expect(pending.contains { $0.contains("lookup budget (1 s) is spent") }, "\(pending)")
        #expect(whois.queries.count <= 2, "\(whois.queries)")
    }

    @Test func redactTrackingFalseKeepsTheURLsWhole() throws {
        let whois = try FixtureServer(mode: .whois, answers: Self.answers())
        let (config, eml) = try setup(whois, extra: "\n[reports]\nredact_tracking = false\n")
        let obj = try analyze(config, eml)
        let registrar = try #require((obj["drafts"] as? [[String: Any]])?.first { $0["kind"] as? String == "registrar" })
        let raw = try #require(registrar["raw"] as? String)
        #expect(raw.contains("https://v42ycn-wtn3.jp/entry?id=1"))
        #expect(!raw.contains("victim@docomo.ne.jp"))
    }

    @Test func aJapaneseSourceAddressGoesThroughJPNICNeverToItsHostmaster() throws {
        let whois = try FixtureServer(mode: .whois, answers: Self.answers())
        let (config, eml) = try setup(whois)
        let obj = try analyze(config, eml)
        let contacts = try #require(obj["contacts"] as? [[String: Any]])
        let network = try #require(contacts.first { $0["role"] as? String == "network" })
        #expect(network["email"] as? String == "abuse@mobile-carrier.example.jp")
        #expect(network["name"] as? String == "Example Mobile Carrier Co.")
        #expect((network["evidence"] as? [String])?.first?.contains("\"49.98.12.201/e\"") == true)
        #expect(whois.queries.contains("49.98.12.201"))
        #expect(whois.queries.contains("49.98.12.201/e"))
        let all = try JSONSerialization.data(withJSONObject: obj)
        #expect(!String(decoding: all, as: UTF8.self).contains("hostmaster@nic.ad.jp"))
        // Hosting of the URL hosts: DNS (dnsmasq) → address → JPNIC again.
        let hosting = try #require(contacts.first { $0["role"] as? String == "hosting" })
        #expect(hosting["email"] as? String == "abuse@rental-server.example.jp")
        // Nameserver operator: ns1.tg5ns.info → its address → ARIN-style record.
        let ns = try #require(contacts.first { $0["role"] as? String == "nameserver" })
        #expect(ns["email"] as? String == "abuse@vps-hosting.example")
    }

    @Test func lookupsEqualTheDistinctTargetsNotInTheCache() throws {
        let whois = try FixtureServer(mode: .whois, answers: Self.answers())
        let (config, eml) = try setup(whois)
        _ = try analyze(config, eml)
        // Distinct targets: 2 JPRS domains; 3 addresses × (RIR + JPNIC) for source and 2 hosts; 1 nameserver address.
        let first = whois.queries
        #expect(Set(first).count == first.count, "a question was asked twice: \(first)")
        #expect(first.count == 2 + 3 * 2 + 1)
        // A second run within the cache period asks nothing at all.
        _ = try analyze(config, eml)
        #expect(whois.queries.count == first.count)
    }

    @Test func rateLimitsTimeoutsAndGarbageLeaveLookupsPendingButTheCarrierForwardStands() throws {
        var answers = Self.answers()
        answers["49.98.12.201"] = "<silence>"
        answers["hecff-i99sq.jp/e"] = "\u{1}\u{2} garbage \u{7f}"
        let whois = try FixtureServer(mode: .whois, answers: answers)
        let message = Self.spam.replacingOccurrences(of: "https://v42ycn-wtn3.jp/again", with: "http://busy-registry.jp/x")
        let (config, eml) = try setup(whois, message: message)
        let obj = try analyze(config, eml)
        let pending = try #require(obj["pending"] as? [String])
        #expect(pending.contains { $0.contains("busy-registry.jp") && $0.contains("rate limit") })
        #expect(pending.contains { $0.contains("49.98.12.201") && $0.contains("no answer") })
        #expect(pending.contains { $0.contains("hecff-i99sq.jp") })
        let drafts = try #require(obj["drafts"] as? [[String: Any]])
        #expect(drafts.contains { $0["kind"] as? String == "carrier-forward" })
    }

    @Test func nothingEverConnectsToAURLHost() throws {
        let whois = try FixtureServer(mode: .whois, answers: Self.answers())
        // trap.example.com resolves to 127.0.0.1 in the test bed; listen where a careless client would connect.
        let traps = [80, 443, 18080].compactMap { try? FixtureServer(mode: .trap, port: UInt16($0)) }
        #expect(!traps.isEmpty)
        let message = Self.spam.replacingOccurrences(of: "https://v42ycn-wtn3.jp/again",
                                                     with: "http://trap.example.com/a https://trap.example.com/b http://trap.example.com:18080/c")
        let (config, eml) = try setup(whois, message: message)
        let obj = try analyze(config, eml)
        #expect((obj["urls"] as? [[String: Any]])?.contains { $0["host"] as? String == "trap.example.com" } == true)
        #expect(traps.allSatisfy { $0.connections == 0 })
    }
}

@Suite(.serialized, .enabled(if: TestBed.dnsServer != nil, "the test bed (scripts/testbed.sh) is not running"))
struct RDAPIntegrationTests {
    static let domainJSON = """
        {"objectClassName":"domain","ldhName":"SPAM-EXAMPLE.COM","status":["active"],
         "entities":[{"objectClassName":"entity","roles":["registrar"],
           "vcardArray":["vcard",[["version",{},"text","4.0"],["fn",{},"text","Example Registrar, Inc."]]],
           "entities":[{"objectClassName":"entity","roles":["abuse"],
             "vcardArray":["vcard",[["version",{},"text","4.0"],["email",{},"text","abuse@registrar.example"]]]}]}],
         "nameservers":[{"objectClassName":"nameserver","ldhName":"NS1.TG5NS.INFO"}]}
        """

    /// IANA-format bootstrap files pointing at the loopback server, and the registry's answer.
    static func bootstrap(_ port: UInt16) -> [String: String] {
        [
            "/dns.json": "{\"version\":\"1.0\",\"services\":[[[\"com\",\"net\"],[\"http://127.0.0.1:\(port)/rdap/\"]]]}",
            "/ipv4.json": "{\"version\":\"1.0\",\"services\":[[[\"203.0.113.0/24\"],[\"http://127.0.0.1:\(port)/rdap/\"]]]}",
            "/ipv6.json": "{\"version\":\"1.0\",\"services\":[[[\"2001:db8::/32\"],[\"http://127.0.0.1:\(port)/rdap/\"]]]}",
            "/rdap/domain/spam-example.com": domainJSON,
        ]
    }

    @Test func updateDataThenAGTLDDomainGoesThroughRDAPAndAnUnlistedAddressThroughAbusix() throws {
        let whois = try FixtureServer(mode: .whois, answers: LookupIntegrationTests.answers().merging([
            "104.21.8.9": "NetRange: 104.16.0.0 - 104.31.255.255\nOrgName: Example CDN\n",
        ]) { $1 })
        // The bootstrap files name the server's own port, so the answers are set once it listens.
        let rdap = try FixtureServer(mode: .http)
        rdap.setAnswers(Self.bootstrap(rdap.port))
        let message = LookupIntegrationTests.spam
            .replacingOccurrences(of: "https://v42ycn-wtn3.jp/again", with: "http://shop.spam-example.com/buy")
        let suite = LookupIntegrationTests()
        let (config, eml) = try suite.setup(whois, extra: "", message: message)
        let configText = try String(contentsOfFile: config, encoding: .utf8)
            .replacingOccurrences(of: "[lookup]\n", with: "[lookup]\nrdap_bootstrap = \"bootstrap\"\n")
        try configText.write(toFile: config, atomically: true, encoding: .utf8)
        let update = try CLI.run(["update-data", "--config", config, "--from", "http://\(rdap.address)/"])
        #expect(update.status == 0, "\(update.stderr)")
        #expect(update.stdout.contains("dns.json: 1 entries"))
        let obj = try suite.analyze(config, eml)
        let contacts = try #require(obj["contacts"] as? [[String: Any]])
        let registrar = try #require(contacts.first { ($0["domains"] as? [String])?.contains("spam-example.com") == true && $0["role"] as? String == "registrar" })
        #expect(registrar["email"] as? String == "abuse@registrar.example")
        #expect((registrar["evidence"] as? [String])?.first?.contains("/rdap/domain/spam-example.com") == true)
        #expect(rdap.queries.contains("/rdap/domain/spam-example.com"))
        let hosting = try #require(contacts.first { ($0["domains"] as? [String])?.contains("spam-example.com") == true && $0["role"] as? String == "hosting" })
        #expect(hosting["email"] as? String == "abuse@cdn.example.net")
        #expect((hosting["evidence"] as? [String])?.first?.contains("abuse-contacts.abusix.zone") == true)
        // A WHOIS-learned address is a draft to review, never sent by itself: it is not a directory desk.
        #expect(!AbuseDirectory.bundled.emails.contains("abuse@registrar.example"))
    }
}

@Suite(.serialized, .enabled(if: TestBed.dnsServer != nil, "the test bed (scripts/testbed.sh) is not running"))
struct LookupRetryTests {
    @Test func aFailedLookupIsRetriedByTheNextRunWhileTheCarrierForwardGoesOutAtOnce() throws {
        let whois = try FixtureServer(mode: .whois, answers: LookupIntegrationTests.answers())
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("watcher-retry-\(UUID().uuidString.prefix(6))").path
        try FileManager.default.createDirectory(atPath: dir + "/spam", withIntermediateDirectories: true)
        try LookupIntegrationTests.spam.write(toFile: dir + "/spam/1.eml", atomically: true, encoding: .utf8)
        func config(jprs: String) throws -> String {
            let path = dir + "/watcher.toml"
            try """
                [source]
                kind = "directory"
                path = "spam"

                [reports]
                mode = "directory"
                directory = "out"
                from = "Owner <owner@example.net>"

                [lookup]
                whois_servers = { jp = "\(jprs)", ip = "\(whois.address)", jpnic = "\(whois.address)", iana = "\(whois.address)" }
                dns_server = "\(TestBed.dnsServer!)"
                pacing = "0"
                timeout = "2s"

                [state]
                path = "state.sqlite"
                """.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        func drafts() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: dir + "/out").map {
                try String(contentsOfFile: dir + "/out/" + $0, encoding: .utf8)
            }
        }
        // JPRS unreachable: the carrier forward and the network and hosting reports go out; the registrar waits.
        let first = try CLI.run(["run", "--config", try config(jprs: "127.0.0.1:1")])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("lookup pending: registrar of v42ycn-wtn3.jp"))
        let before = try drafts()
        #expect(before.contains { $0.contains("X-Watcher-Kind: carrier-forward") })
        #expect(!before.contains { $0.contains("X-Watcher-Kind: registrar") })
        // JPRS back, but the retry waits for its back-off (an hour): a plain run does not ask again.
        let early = try CLI.run(["run", "--config", try config(jprs: whois.address)])
        #expect(early.status == 0, "\(early.stderr)")
        #expect(!early.stderr.contains("lookups retried"))
        #expect(try drafts().count == before.count)
        // Asked to retry now, the run finds VALUE-DOMAIN and, through the nameservers JPRS names, their
        // operator; it adds just those two reports.
        let second = try CLI.run(["run", "--config", try config(jprs: whois.address), "--retry-lookups"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("lookups done for 1 message(s): 2 report(s) to other desks, 0 message(s) with lookups still pending"), "\(second.stderr)")
        #expect(second.stderr.contains("lookups retried for 1 older message"))
        let after = try drafts()
        #expect(after.count == before.count + 2)
        #expect(after.contains { $0.contains("X-Watcher-Kind: nameserver") && $0.contains("abuse@vps-hosting.example") })
        #expect(after.contains { $0.contains("X-Watcher-Kind: registrar") && $0.contains("https://www.value-domain.com/") })
        // Nothing left to retry: a third run adds nothing.
        let third = try CLI.run(["run", "--config", try config(jprs: whois.address), "--retry-lookups"])
        #expect(third.status == 0)
        #expect(try drafts().count == after.count)
    }
}
