import Foundation
import Testing
@testable import ReportEngine

/// Scores the parser against other projects' test suites in ../shared/corpus (read in place, never
/// copied). Skipped when the corpus is absent. Each test prints its per-field agreement and fails
/// only when agreement falls below the floor recorded here, so a regression is caught.
@Suite(.enabled(if: Fixture.corpus != nil, "../shared/corpus is absent"))
struct CorpusScoringTests {
    // MARK: - Header decoding

    @Test func rfc2047CasesFromRspamd() throws {
        let score = CorpusScore("rspamd-rfc2047")
        let doc = try #require(try CorpusJSON.load("mime/rspamd-rfc2047/rfc2047_cases.json") as? [String: Any])
        for c in try #require(doc["cases"] as? [[String: Any]]) {
            let input = try #require(c["input"] as? String)
            let expected = try #require(c["expected"] as? String)
            let unfolded = input.replacingOccurrences(of: "\r\n", with: "").replacingOccurrences(of: "\n", with: "")
            score.check("decoded", EncodedWord.decode(unfolded), expected, input)
        }
        score.report()
        #expect(score.ratio("decoded") >= 1.0)
    }

    @Test func unstructuredHeadersFromStalwart() throws {
        let score = CorpusScore("stalwart-unstructured")
        score.judge("text", "SPAM]=?utf-8?B?", "stalwart adds a space where an encoded word touches text; RFC 2047 gives none there")
        score.judge("text", "=?utf-8?Q??=here", "stalwart adds a space after an (empty) encoded word glued to text")
        let cases = try #require(try CorpusJSON.load("mime/stalwart-mail-parser/resources/unstructured.json") as? [[String: Any]])
        for c in cases {
            let header = try #require(c["header"] as? String)
            let expected = c["expected"] as? String
            // The value runs until the first line that is not a continuation.
            let field = HeaderField(name: "Subject", rawValue: firstFieldValue(header))
            let got = field.text()
            score.check("text", got.isEmpty ? nil : got, expected, header.debugDescription)
        }
        score.report()
        #expect(score.ratio("text") >= 0.8)
    }

    @Test func contentTypesFromStalwart() throws {
        let score = CorpusScore("stalwart-content-type")
        score.judge("attributes", "\"=?iso-8859-1?B?4Q==?= =?utf-8?B?w6k=?=",
                    "white space between adjacent encoded words is not shown (RFC 2047 §6.2); stalwart keeps it")
        score.judge("attributes", "malicious/attempt", "names with several '*' are no RFC 2231 parameters; stalwart's reading of them is its own")
        let cases = try #require(try CorpusJSON.load("mime/stalwart-mail-parser/resources/content_type.json") as? [[String: Any]])
        for c in cases {
            let header = try #require(c["header"] as? String)
            let got = ContentType.parse(HeaderField(name: "Content-Type", rawValue: firstFieldValue(header)).plain)
            guard let expected = c["expected"] as? [String: Any] else {
                score.check("type", got?.type, nil as String?, header.debugDescription)
                continue
            }
            var attributes: [String: String] = [:]
            // Languages of RFC 2231 values are dropped here; stalwart lists them as "name-language".
            for pair in expected["attributes"] as? [[String]] ?? [] where pair.count == 2 && !pair[0].hasSuffix("-language") {
                if attributes[pair[0].lowercased()] == nil { attributes[pair[0].lowercased()] = pair[1] }
            }
            let value = HeaderField(name: "Content-Type", rawValue: firstFieldValue(header)).plain
            if expected["c_subtype"] is NSNull || expected["c_subtype"] == nil {
                // A value without a subtype (a Content-Disposition such as "inline; filename=…").
                let (head, parameters) = ContentType.splitParameters(value)
                score.check("type", got?.type ?? head.lowercased(), (expected["c_type"] as? String)?.lowercased(), header.debugDescription)
                score.check("attributes", parameters, attributes, header.debugDescription)
                continue
            }
            score.check("type", got?.type, (expected["c_type"] as? String)?.lowercased(), header.debugDescription)
            score.check("subtype", got?.subtype, (expected["c_subtype"] as? String)?.lowercased(), header.debugDescription)
            score.check("attributes", got?.parameters ?? [:], attributes, header.debugDescription)
        }
        score.report()
        #expect(score.ratio("type") >= 0.9)
    }

    // MARK: - Whole messages

    @Test func messagesFromStalwart() throws {
        let score = CorpusScore("stalwart-eml")
        for file in ["legacy/010.eml", "legacy/020.eml", "legacy/022.eml", "legacy/027.eml", "legacy/033.eml", "legacy/052.eml"] {
            for field in ["subject", "firstTextBody"] {
                score.judge(field, file, "Latin-1 bytes under a UTF-8 label: stalwart shows U+FFFD, we detect the charset and keep the text")
            }
        }
        let root = try #require(Fixture.corpus).appendingPathComponent("mime/stalwart-mail-parser/resources/eml")
        let files = try FileManager.default.subpathsOfDirectory(atPath: root.path).filter { $0.hasSuffix(".eml") }.sorted()
        for file in files {
            let jsonURL = root.appendingPathComponent(file.replacingOccurrences(of: ".eml", with: ".json"))
            guard let data = try? Data(contentsOf: jsonURL),
                let expected = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let parts = expected["parts"] as? [[String: Any]], let top = parts.first
            else { continue }
            // The .json files describe the message with CRLF turned into LF.
            var bytes = Array(try Data(contentsOf: root.appendingPathComponent(file)))
            bytes = lfOnly(bytes)
            guard let message = try? MIMEMessage.parse(bytes) else {
                score.check("parsed", false, true, file)
                continue
            }
            score.check("parsed", true, true, file)
            let headers = top["headers"] as? [[String: Any]] ?? []
            func value(_ name: String) -> [String: Any]? {
                headers.first { ($0["name"] as? String) == name }?["value"] as? [String: Any]
            }
            if let subject = value("subject") {
                let charset = message.root.contentType.charset
                score.check("subject", message.headers.first("Subject")?.text(fallback: charset), subject["Text"] as? String, file)
            }
            if let from = value("from"), let address = stalwartFirstAddress(from) {
                score.check("from", message.headers.first("From").flatMap { Address.first(in: $0.text(), localNames: true) }, address.lowercased(), file)
            }
            if let date = value("date")?["DateTime"] as? [String: Any] {
                score.check("date", message.headers.first("Date").flatMap { MailDate.iso8601($0.plain) }, stalwartDate(date), file)
            }
            // The first text/plain body in document order.
            let theirs = parts.lazy.compactMap { p -> String? in
                guard let body = p["body"] as? [String: Any] else { return nil }
                return body["Text"] as? String
            }.first
            if let theirs {
                let ours = message.root.leaves.first { $0.contentType.type == "text" && $0.contentType.subtype != "html" && $0.embedded.isEmpty }?.decodedText().text
                score.check("firstTextBody", ours.map(normalizeText), normalizeText(theirs), file)
            }
        }
        score.report()
        #expect(score.ratio("parsed") >= 1.0)
        #expect(score.ratio("subject") >= 0.9)
    }

    @Test func everyCorpusMessageGivesAResultOrAClearError() throws {
        let root = try #require(Fixture.corpus)
        var results = 0, clearErrors = 0
        for folder in ["spam", "mime"] {
            let base = root.appendingPathComponent(folder)
            for path in try FileManager.default.subpathsOfDirectory(atPath: base.path).sorted() {
                let url = base.appendingPathComponent(path)
                var isDir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), !isDir.boolValue,
                    !path.hasSuffix(".json"), !path.hasSuffix(".md")
                else { continue }
                let bytes = Array(try Data(contentsOf: url))
                do {
                    _ = try MessageAnalyzer.analyze(bytes, file: path)
                    results += 1
                } catch {
                    #expect(!error.description.isEmpty)
                    clearErrors += 1
                }
            }
        }
        print("corpus robustness: \(results) analysed, \(clearErrors) clear errors, 0 crashes")
        #expect(results > 500)
    }

    @Test func japaneseMessagesFromMikelsMail() throws {
        let score = CorpusScore("mikel-mail")
        let root = try #require(Fixture.corpus).appendingPathComponent("mime/mikel-mail-fixtures/spec/fixtures/emails/multi_charset")
        func analysis(_ name: String) throws -> MessageAnalysis {
            try MessageAnalyzer.analyze(Array(Data(contentsOf: root.appendingPathComponent(name))))
        }
        // What upstream asserts: the decoded bodies (Ruby's chomp drops one trailing line break).
        score.check("body", try analysis("japanese_iso_2022.eml").summary.text, "すみません。\n\n", "japanese_iso_2022.eml")
        var korean = try analysis("ks_c_5601-1987.eml").summary.text ?? ""
        if korean.hasSuffix("\n") { korean.removeLast() }
        score.check("body", korean, "스티해", "ks_c_5601-1987.eml")
        let message = try MIMEMessage.parse(Array(Data(contentsOf: root.appendingPathComponent("japanese_iso_2022.eml"))))
        score.check("to", message.headers.first("To").flatMap { Address.first(in: $0.text()) }, "raasdnil@gmail.com", "japanese_iso_2022.eml")
        score.report()
        #expect(score.ratio("body") == 1)
    }

    // MARK: - Received headers and trust

    @Test func receivedHeadersFromStalwart() throws {
        let score = CorpusScore("stalwart-received")
        for key in ["(foobar@", "(Owner50@", "(benelli@", "?@64.253.199.166", "(lucilleskinner@", "(baldusi@"] {
            score.judge("ip", key, "SpamAssassin's suite reads the address in a 'user@ip' comment; the suites disagree and we follow SpamAssassin")
        }
        for key in ["[10.0.8.6.13219]", "[63.251.66.24.63559]"] {
            score.judge("ip", key, "Exim 3 writes the port after the address ('ip.port'); SpamAssassin's suite reads the address, so do we")
        }
        score.judge("ip", "(fetchmail-", "SpamAssassin's suite counts a fetchmail header as no network hand-over")
        score.judge("ip", "with qmail-scanner", "SpamAssassin's suite counts a qmail-scanner header as no network hand-over")
        score.judge("by", "by alpha by uid", "the first 'by' names the host; stalwart takes the second")
        // stalwart's iprev is a name written inside the comment; SpamAssassin's rdns is the name the
        // relay checked, which qmail and Exim write first. The suites disagree on these forms.
        for key in ["(HELO ", "(EHLO ", "(LHLO ", ", HELO ", "] helo="] {
            score.judge("iprev", key, "'from name (HELO x) (ip)' / 'from name ([ip] helo=x)': SpamAssassin's suite reads the leading name as the checked one; so do we")
        }
        score.judge("iprev", "(localhost [", "the relay recorded the reverse name localhost; stalwart leaves it out")
        score.judge("iprev", "(helene.cats.ms) [10.0.8.6.13219]", "Exim 3 'from rdns (helo) [ip]': SpamAssassin's suite has this header with the first name as the reverse name")
        score.judge("iprev", "] verified)", "CommuniGate 'from name ([ip] verified)': SpamAssassin's suite reads the verified name as the reverse name")
        for key in ["(benelli@", "(?dXqpg", "dyn-81-166-39-132.ppp.tiscali.fr (81", "TCE-E-7-182-54.bta.net.cn(", "pl027.nas934",
                    "server040.webpack.hosteurope.de ([", "snake.corp.yahoo.com(", "nodnsquery(", "ironport.com (10", "pop3.mail.dk (",
                    "olgisoft.com (127"] {
            score.judge("iprev", key, "'from name (ip)', 'name(ip)', 'name ([ip]:port)': SpamAssassin's suite (same or like headers) reads the name as checked; so do we")
        }
        let cases = try #require(try CorpusJSON.load("mime/stalwart-mail-parser/resources/received.json") as? [[String: Any]])
        for c in cases {
            let header = try #require(c["header"] as? String)
            guard let e = c["expected"] as? [String: Any] else { continue }
            let r = ReceivedHeader(header.replacingOccurrences(of: "\n", with: " "))
            let by = e["by"] as? [String: Any]
            score.check("by", r.by, ((by?["Name"] ?? by?["IpAddr"]) as? String)?.lowercased(), header)
            let from = e["from"] as? [String: Any]
            let ip = (e["from_ip"] as? String) ?? (from?["IpAddr"] as? String)
            // IPv4-mapped IPv6 (::ffff:1.2.3.4) is reported as the IPv4 address here.
            score.check("ip", r.ip?.description, ip.flatMap { ReceivedHeader.address(in: $0)?.description }, header)
            let iprev = (e["from_iprev"] as? String)?.lowercased().trimmingCharacters(in: ".")
            score.check("iprev", r.rdns, iprev, header)
        }
        score.report()
        #expect(score.ratio("ip") >= 0.9)
    }

    @Test func receivedHeadersFromSpamAssassin() throws {
        let score = CorpusScore("spamassassin-rcvd")
        let doc = try #require(try CorpusJSON.load("headers/spamassassin/rcvd_parser.json") as? [String: Any])
        for c in try #require(doc["cases"] as? [[String: Any]]) {
            let value = try #require(c["received"] as? String)
            let r = ReceivedHeader(value)
            if c["skip"] as? Bool == true {
                score.check("skipped", r.isRelay && r.ip != nil, false, value)
                continue
            }
            let e = try #require(c["expected"] as? [String: Any])
            func field(_ k: String) -> String? {
                guard let v = e[k] as? String, !v.isEmpty else { return nil }
                return v.lowercased()
            }
            score.check("ip", r.ip?.description, field("ip").flatMap { IPAddress($0)?.description }, value)
            score.check("rdns", r.rdns, field("rdns"), value)
            // SpamAssassin writes an address given as HELO as "!1.2.3.4!"; here it is the address itself.
            score.check("helo", r.helo?.trimmingCharacters(in: "[]"), field("helo")?.trimmingCharacters(in: "!"), value)
            score.check("by", r.by, field("by"), value)
        }
        score.report()
        #expect(score.ratio("ip") >= 0.9)
    }

    @Test func trustBoundaryFromSpamAssassin() throws {
        let score = CorpusScore("spamassassin-trust-path")
        let doc = try #require(try CorpusJSON.load("headers/spamassassin/trust_path.json") as? [String: Any])
        for c in try #require(doc["cases"] as? [[String: Any]]) {
            let config = c["config"] as? [String] ?? []
            let headerLines = c["headers"] as? [String] ?? []
            guard let e = c["expected"] as? [String: Any] else { continue }
            // SpamAssassin trusts networks; the same boundary here is a list of trusted relay blocks.
            var relays: [String] = []
            var submission: [String] = []
            for line in config {
                let words = line.split(separator: " ").map(String.init)
                if words.first == "msa_networks" { submission += words.dropFirst().map(expandNetwork) }
                guard words.count >= 2, ["trusted_networks", "internal_networks"].contains(words[0]) else { continue }
                for w in words.dropFirst() {
                    relays.append(w.hasPrefix("!") ? "!" + expandNetwork(String(w.dropFirst())) : expandNetwork(w))
                }
            }
            var diagnostics: [String] = []
            let headers = Headers.parse(ArraySlice(headerLines.joined(separator: "\n").utf8), diagnostics: &diagnostics)
            let policy = TrustPolicy(relays: relays, submissionRelays: submission, carriers: CarrierTable(carriers: []))
            let origin = OriginAnalyzer.analyze(headers: headers, fromDomain: nil, policy: policy, carriers: CarrierTable(carriers: []))
            let untrusted = e["untrusted"] as? [[String: Any]] ?? []
            let expected = (untrusted.first?["ip"] as? String).flatMap { IPAddress($0) }
            // Private and reserved addresses are never a public source here.
            let expectedSource = expected.flatMap { $0.isPrivateOrReserved ? nil : $0.description }
            score.check("sourceIP", origin.sourceIP, expectedSource, headerLines.joined(separator: " | ") + " config=\(config)")
        }
        score.report()
        #expect(score.ratio("sourceIP") >= 0.5)
    }

    // MARK: - URLs

    @Test func linksFromLinkifyIt() throws {
        let score = CorpusScore("linkify-it")
        for key in ["http://inrgess2", "http://host-name", "//localhost", "http://localhost:8000", "//test.123", "http://example.invalid"] {
            score.judge("host", key, "a host with no registrable domain has no registrar to report to")
        }
        score.judge("host", "http://999", "browsers (WHATWG URL) read the host 999 as the address 0.0.3.231, as we do")
        score.judge("host", "4.4.4.4", "a bare dotted quad without a path is not taken (server addresses in forwarded text are not links)")
        score.judge("host", "➡.ws", "a symbol before a bare name is decoration in spam text (★example.com), not part of the name")
        let root = try #require(Fixture.corpus).appendingPathComponent("urls/linkify-it/test/fixtures")
        let links = try String(contentsOf: root.appendingPathComponent("links.txt"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var i = 0
        var emails = 0
        while i < links.count {
            let line = links[i]
            if line.isEmpty || line.hasPrefix("%") { i += 1; continue }
            var expected = line
            if i + 1 < links.count, !links[i + 1].isEmpty, !links[i + 1].hasPrefix("%") {
                expected = links[i + 1]
                i += 2
            } else {
                i += 1
            }
            if expected.hasPrefix("mailto:") || (expected.contains("@") && !expected.contains("://")) {
                emails += 1  // e-mail addresses are not URLs here
                continue
            }
            let ours = URLExtractor.extract(text: line).first?.host
            score.check("host", ours, hostOf(expected), line)
        }
        let notLinks = try String(contentsOf: root.appendingPathComponent("not_links.txt"), encoding: .utf8)
        for line in notLinks.split(separator: "\n") where !line.hasPrefix("%") {
            score.check("notLink", URLExtractor.extract(text: String(line)).map(\.url), [], String(line))
        }
        score.report()
        print("corpus linkify-it: \(emails) e-mail cases left out (addresses are not URLs here)")
        #expect(score.ratio("host") >= 0.8)
    }

    @Test func uriTextFromSpamAssassin() throws {
        let score = CorpusScore("spamassassin-uri-text")
        for key in ["www.Tar4caeg.com:80", "www.Coo4mowe.com:80", "www.Nee2quae.com:80", "http://user:pass@jiefeet4.com:80",
                    "www.puahi9si.com:80", "ftp://name@su5queib.ca", "ftp://name@faikaj4t.com"] {
            score.judge("positive", key, "the analysis gives normalised URLs (DESIGN: host lower-cased, userinfo and default port dropped)")
        }
        for key in ["www.foo@Qii3mafs.com", "www.foo:bar@Qii3maft.com", "test@delimtest20.com"] {
            score.judge("positive", key, "an e-mail address; DESIGN reports no domains of e-mail addresses")
        }
        score.judge("positive", "www.liy8quei:80", "SpamAssassin appends .com to a name without a top-level domain; we report only real names")
        let doc = try #require(try CorpusJSON.load("urls/spamassassin-uri-text/uri_text.json") as? [String: Any])
        var addressCases = 0
        for c in try #require(doc["cases"] as? [[String: Any]]) {
            let text = try #require(c["text"] as? String).replacingOccurrences(of: "{ESC}", with: "\u{1B}")
            // Representation, not extraction: SpamAssassin keeps the case, the root slash as written,
            // userinfo and a default port; this project lower-cases the host, writes the root slash and
            // drops userinfo and default ports. So each URL is offered in both root forms and patterns
            // are matched without case. mailto: URIs are e-mail addresses, which are not URLs here.
            let list = URLExtractor.extract(text: text).flatMap { u -> [String] in
                let afterScheme = u.url.range(of: "://").map { u.url[$0.upperBound...] } ?? ""
                return afterScheme.filter { $0 == "/" }.count == 1 && u.url.hasSuffix("/") ? [u.url, String(u.url.dropLast())] : [u.url]
            }.joined(separator: "\n")
            for pattern in c["must_match"] as? [String] ?? [] {
                if pattern.lowercased().contains("mailto") { addressCases += 1; continue }
                score.check("positive", matches(pattern, list), true, "\(text) ~ \(pattern) in [\(list)]")
            }
            for pattern in c["must_not_match"] as? [String] ?? [] {
                score.check("negative", matches(pattern, list), false, "\(text) !~ \(pattern) in [\(list)]")
            }
        }
        score.report()
        print("corpus spamassassin-uri-text: \(addressCases) mailto patterns left out (addresses are not URLs here)")
        #expect(score.ratio("positive") >= 0.8)
        #expect(score.ratio("negative") >= 0.9)
    }

    @Test func urlCasesFromRspamd() throws {
        let score = CorpusScore("rspamd-url")
        score.judge("host", "http://[www.google.com]/", "brackets hold only IP literals (RFC 3986 §3.2.2); browsers refuse this URL")
        score.judge("host", "http://localhost", "a host with no registrable domain has no registrar to report to")
        for key in ["test.com>", ",test.com text", "tp:@www.google.com"] {
            score.judge("rejected", key, "rspamd parses the whole string as one URL; here URLs are found in text, where it names a host")
        }
        let doc = try #require(try CorpusJSON.load("urls/rspamd-url/url_cases.json") as? [String: Any])
        let hosts = try #require((doc["host_extraction"] as? [String: Any])?["cases"] as? [[String: Any]])
        for c in hosts {
            let text = try #require(c["text"] as? String)
            if c["user"] is String, !text.contains("://") { continue }  // e-mail addresses are not URLs here
            let expected = (c["host"] as? String).flatMap { DomainName.toASCII($0.lowercased().trimmingCharacters(in: "[]")) }
            score.check("host", URLExtractor.extract(text: text).first.map { $0.host }, expected, text)
        }
        let full = try #require((doc["full_parse"] as? [String: Any])?["cases"] as? [[String: Any]])
        for c in full {
            let text = try #require(c["text"] as? String)
            let found = URLExtractor.extract(text: text).first
            if c["parse"] as? Bool == false {
                score.check("rejected", found == nil, true, text)
                continue
            }
            let e = c["expect"] as? [String: Any] ?? [:]
            let expected = (e["host"] as? String).flatMap { h -> String? in
                if let ip = IPAddress(h) { return ip.description }
                return DomainName.toASCII(h.lowercased())
            }
            score.check("host", found?.host, expected, text)
        }
        let embedded = try #require((doc["query_embedded"] as? [String: Any])?["cases"] as? [[String: Any]])
        for c in embedded {
            let body = try #require(c["body"] as? String)
            let found = Set(URLExtractor.extract(text: body).map(\.host))
            for h in c["hosts_present"] as? [String] ?? [] {
                score.check("embedded", found.contains(h), true, body)
            }
        }
        score.report()
        #expect(score.ratio("host") >= 0.8)
    }

    // MARK: - Helpers

    /// The unfolded value of the first field in `text` (a value and maybe the fields after it).
    func firstFieldValue(_ text: String) -> [UInt8] {
        var diagnostics: [String] = []
        let headers = Headers.parse(ArraySlice(Array("X: ".utf8) + Array(text.utf8)), diagnostics: &diagnostics)
        return headers.fields.first?.rawValue ?? []
    }

    func lfOnly(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for (i, b) in bytes.enumerated() where !(b == 0x0D && i + 1 < bytes.count && bytes[i + 1] == 0x0A) { out.append(b) }
        return out
    }

    func normalizeText(_ s: String) -> String {
        s.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: " \n\t\r")
    }

    func stalwartFirstAddress(_ value: [String: Any]) -> String? {
        guard let a = value["Address"] as? [String: Any] else { return nil }
        if let list = a["List"] as? [[String: Any]] { return list.first?["address"] as? String }
        if let groups = a["Group"] as? [[String: Any]] {
            return (groups.first?["addresses"] as? [[String: Any]])?.first?["address"] as? String
        }
        return nil
    }

    func stalwartDate(_ d: [String: Any]) -> String? {
        func i(_ k: String) -> Int { d[k] as? Int ?? 0 }
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let sign = (d["tz_before_gmt"] as? Bool ?? false) ? "-" : "+"
        let year = String(repeating: "0", count: max(0, 4 - String(i("year")).count)) + String(i("year"))
        return "\(year)-\(two(i("month")))-\(two(i("day")))T\(two(i("hour"))):\(two(i("minute"))):\(two(i("second")))\(sign)\(two(i("tz_hour"))):\(two(i("tz_minute")))"
    }

    func hostOf(_ link: String) -> String? {
        var s = Substring(link)
        if let r = s.range(of: "://") { s = s[r.upperBound...] } else if s.hasPrefix("//") { s = s.dropFirst(2) }
        let authority = s.prefix { !"/?#".contains($0) }
        var host = authority.split(separator: "@").last.map(String.init) ?? ""
        if host.hasPrefix("[") { return host.lowercased() }
        if let colon = host.lastIndex(of: ":") { host = String(host[..<colon]) }
        if let ip = IPAddress(host) { return ip.description }
        return DomainName.toASCII(host.lowercased())
    }

    func expandNetwork(_ w: String) -> String {
        // SpamAssassin accepts "127/8" and "10.1": complete the dotted quad.
        let parts = w.split(separator: "/", maxSplits: 1)
        var octets = parts[0].split(separator: ".").map(String.init)
        guard !parts[0].contains(":"), octets.count < 4 else { return w }
        let given = octets.count
        while octets.count < 4 { octets.append("0") }
        let prefix = parts.count == 2 ? String(parts[1]) : String(given * 8)
        return octets.joined(separator: ".") + "/" + prefix
    }

    func matches(_ pattern: String, _ text: String) -> Bool {
        guard let re = try? NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines, .caseInsensitive]) else { return false }
        return re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}
