import Foundation
import Testing
@testable import ReportEngine

@Suite struct AnalysisJSONTests {
    @Test func fieldNamesAndNullsFollowTheSchema() throws {
        let a = try MessageAnalyzer.analyze(Array("From: X <A@Example.com>\nSubject: hi\n\nhttp://example.jp/ https://1.2.3.4/\n".utf8), file: "m.eml")
        let text = a.json.serialized()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["file", "messageId", "subject", "from", "date", "text", "origin", "urls", "domains", "phishing", "contacts", "pending", "diagnostics", "drafts"])
        #expect(object["messageId"] is NSNull)
        #expect(object["date"] is NSNull)
        #expect(object["from"] as? String == "a@example.com")
        let origin = try #require(object["origin"] as? [String: Any])
        #expect(Set(origin.keys) == ["carrier", "spoofed", "sourceIP", "spf", "dkim", "dmarc"])
        #expect(origin["carrier"] is NSNull)
        #expect(origin["spoofed"] as? Bool == false)
        let urls = try #require(object["urls"] as? [[String: Any]])
        #expect(urls.count == 2)
        #expect(Set(urls[0].keys) == ["url", "host", "domain", "defanged", "obfuscated", "part", "role", "deceptive"])
        #expect(urls[1]["domain"] is NSNull)
        #expect(object["domains"] as? [String] == ["example.jp"])
        #expect(object["phishing"] is NSNull)
        #expect(!text.contains("\"null\""))
        #expect(!text.contains("\n"))
    }

    @Test func stringsAreEscaped() {
        let v = JSONValue.object([("k", .string("a\"b\\c\n\u{1}日本"))])
        #expect(v.serialized() == "{\"k\":\"a\\\"b\\\\c\\n\\u0001日本\"}")
        // Every control character, DEL and the two line separators JavaScript reads as line ends.
        let all = JSONValue.string("\r\t\u{1f}\u{7f}x\u{2028}\u{2029}\u{2027}\u{85}🎌")
        #expect(all.serialized() == "\"\\r\\t\\u001f\\u007fx\\u2028\\u2029\u{2027}\u{85}🎌\"")
        // The bytes parse back to the same string.
        let parsed = try? JSONSerialization.jsonObject(with: Data(all.utf8()), options: .fragmentsAllowed) as? String
        #expect(parsed == "\r\t\u{1f}\u{7f}x\u{2028}\u{2029}\u{2027}\u{85}🎌")
    }

    /// Escapes are found wherever they fall in the eight-byte blocks the writer skips through: every
    /// string of plain text with one character needing care, at each offset, parses back to itself.
    @Test func escapesAtEveryOffset() throws {
        for special in ["\"", "\\", "\n", "\u{1}", "\u{7f}", "\u{2028}", "\u{2029}", "\u{2027}", "é", "日"] {
            for offset in 0..<20 {
                let s = String(repeating: "a", count: offset) + special + String(repeating: "日本", count: offset % 5)
                let data = Data(JSONValue.string(s).utf8())
                let back = try JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed) as? String
                #expect(back == s, "\(s.debugDescription)")
                let text = String(decoding: data, as: UTF8.self)
                #expect(!data.contains(0x0A) && !data.contains(0x01) && !data.contains(0x7F))
                #expect(!text.contains("\u{2028}") && !text.contains("\u{2029}"))
            }
        }
    }
}
