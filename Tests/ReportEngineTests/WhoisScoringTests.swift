import Foundation
import Testing
@testable import ReportEngine

/// Scores the WHOIS parser against likexian/whois-parser and weppos/whois-parser expectations in
/// ../shared/corpus/whois (read in place). Skipped when the corpus is absent.
@Suite(.enabled(if: Fixture.corpus != nil, "../shared/corpus is absent"))
struct WhoisScoringTests {
    func read(_ url: URL) -> String {
        let data = (try? Data(contentsOf: url)) ?? Data()
        return Charset.decode([UInt8](data), label: nil).text
    }

    @Test func likexianRecords() throws {
        let score = CorpusScore("likexian-whois")
        let root = try #require(Fixture.corpus).appendingPathComponent("whois/likexian-whois-parser/testdata")
        let dir = root.appendingPathComponent("noterror")
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() where name.hasSuffix(".json") {
            let raw = dir.appendingPathComponent(String(name.dropLast(5)))
            guard FileManager.default.fileExists(atPath: raw.path),
                let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent(name))) as? [String: Any]
            else { continue }
            let r = WhoisRecord.parse(read(raw))
            let domain = expected["domain"] as? [String: Any] ?? [:]
            if let ns = domain["name_servers"] as? [String] {
                score.check("nameservers", Set(r.nameservers), Set(ns.map { $0.lowercased().trimmingCharacters(in: ".") }), name)
            }
            if let c = domain["created_date_in_time"] as? String {
                score.check("created", r.created, String(c.prefix(10)), name)
            }
            if let e = domain["expiration_date_in_time"] as? String {
                score.check("expires", r.expires, String(e.prefix(10)), name)
            }
            if let registrar = expected["registrar"] as? [String: Any] {
                if let n = registrar["name"] as? String { score.check("registrar", r.registrar, n, name) }
                if let e = registrar["email"] as? String {
                    score.check("registrarAbuseEmail", (r.registrarAbuseEmails + r.emails).contains(e.lowercased()), true, name)
                }
            }
            score.check("registered", r.availability, .registered, name)
        }
        let notFound = root.appendingPathComponent("notfound")
        for name in try FileManager.default.contentsOfDirectory(atPath: notFound.path).sorted() where !name.hasSuffix(".json") && !name.hasSuffix(".md") {
            score.check("notFound", WhoisRecord.parse(read(notFound.appendingPathComponent(name))).availability, .available, name)
        }
        score.report()
        #expect(score.ratio("nameservers") >= 0.8)
    }

    @Test func wepposExpectations() throws {
        let score = CorpusScore("weppos-whois")
        let root = try #require(Fixture.corpus).appendingPathComponent("whois/weppos-whois-parser/spec/fixtures/responses")
        let files = try FileManager.default.subpathsOfDirectory(atPath: root.path).filter { $0.hasSuffix(".expected") }.sorted()
        for file in files {
            let raw = root.appendingPathComponent(file.replacingOccurrences(of: ".expected", with: ".txt"))
            guard FileManager.default.fileExists(atPath: raw.path) else { continue }
            let r = WhoisRecord.parse(read(raw))
            var property = ""
            for line in read(root.appendingPathComponent(file)).split(separator: "\n") {
                let t = line.trimmingCharacters(in: " ")
                if t.hasPrefix("#") { property = String(t.dropFirst()); continue }
                guard t.hasPrefix("%s") else { continue }
                let label = "\(file) \(property) \(t)"
                switch property {
                case "available?":
                    if t.hasSuffix("== true") || t.hasSuffix("== false") {
                        score.check("available?", r.availability == .available, t.hasSuffix("== true"), label)
                    }
                case "registered?":
                    if t.hasSuffix("== true") || t.hasSuffix("== false") {
                        score.check("registered?", r.availability == .registered, t.hasSuffix("== true"), label)
                    }
                case "nameservers":
                    if let q = t.range(of: ".name == \"") {
                        let index = Int(t[t.index(t.startIndex, offsetBy: 3)..<t.firstIndex(of: "]")!]) ?? 0
                        let name = String(t[q.upperBound...].dropLast()).lowercased()
                        score.check("nameservers", index < r.nameservers.count ? r.nameservers[index] : nil, name, label)
                    } else if let s = t.range(of: "%SIZE{") {
                        score.check("nameserverCount", r.nameservers.count, Int(t[s.upperBound...].dropLast()) ?? -1, label)
                    }
                case "created_on", "expires_on":
                    let ours = property == "created_on" ? r.created : r.expires
                    if let s = t.range(of: "%TIME{") {
                        score.check(property, ours, String(t[s.upperBound...].prefix(10)), label)
                    } else if t.hasSuffix("== nil") {
                        score.check(property, ours, nil, label)
                    }
                case "registrar":
                    if let q = t.range(of: ".name == \"") {
                        score.check("registrar", r.registrar, String(t[q.upperBound...].dropLast()), label)
                    }
                default:
                    break
                }
            }
        }
        score.report()
        #expect(score.ratio("available?") >= 0.8)
    }

    @Test func jprsSeedRecordsAndSuspension() throws {
        let root = try #require(Fixture.corpus).appendingPathComponent("whois/weppos-whois-parser/spec/fixtures/responses/whois.jprs.jp/jp")
        let suspended = WhoisRecord.parse(read(root.appendingPathComponent("property_status_suspended.txt")))
        #expect(suspended.availability == .registered)
        #expect(!suspended.status.isEmpty)
        let available = WhoisRecord.parse(read(root.appendingPathComponent("status_available.txt")))
        #expect(available.availability == .available)
    }
}
