import Foundation
import Testing

@testable import ReportEngine

struct BundledResourceTests {
    /// The hand-written reader gives what JSONDecoder gives, on the shipped entity table.
    @Test func entityTableReadsAsJSONDecoderReadsIt() throws {
        let byDecoder: [String: String] = try #require(BundledResource.json("html-entities"))
        let byHand = try #require(BundledResource.stringTable("html-entities"))
        #expect(byHand.count > 2000)
        #expect(byHand == byDecoder)
        #expect(HTMLText.namedEntities["hellip"] == "\u{2026}")
    }

    @Test func escapesAndSurrogatePairs() throws {
        let text = #"{ "a" : "x\"y\\z\/", "b":"\n\t\r\b\f", "c": "\u00e9\u3042\ud83d\ude00", "d": "" }"#
        let byHand = try #require(BundledResource.flatStringObject(Array(text.utf8)))
        let byDecoder = try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
        #expect(byHand == byDecoder)
        #expect(byHand["c"] == "éあ😀")
        #expect(BundledResource.flatStringObject(Array("{}".utf8)) == [:])
    }

    /// Anything but a flat object of strings is refused, so the caller's fallback is used.
    @Test func malformedIsRefused() {
        for bad in [#"{"a": 1}"#, #"{"a": "b""#, #"{"a": "b",}"#, #"["a"]"#, #"{"a": "\ud83d"}"#, #"{"a": "b"} x"#, "{\"a\": \"\u{01}\"}", #"{"a": "\q"}"#, ""] {
            #expect(BundledResource.flatStringObject(Array(bad.utf8)) == nil, "\(bad)")
        }
    }
}
