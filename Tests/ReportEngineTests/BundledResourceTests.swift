import Foundation
import Testing

@testable import ReportEngine

struct BundledResourceTests {
    /// The hand-written reader gives what JSONDecoder gives, on the shipped entity table.
    @Test func entityTableReadsAsJSONDecoderReadsIt() throws {
        let byDecoder: [String: String] = try #require(BundledResource.json("html-entities"))
        let byHand = try #require(BundledResource.stringTable("html-entities")).dictionary
        #expect(byHand.count > 2000)
        #expect(byHand == byDecoder)
        // Looked up on bytes, case and all, every name gives its text.
        for (name, text) in byDecoder {
            #expect(HTMLText.namedEntities[Array(name.utf8)[...]].map(Array.init) == Array(text.utf8), "\(name)")
        }
        #expect(HTMLText.namedEntities[Array("hellip".utf8)[...]].map(Array.init) == Array("\u{2026}".utf8))
        #expect(HTMLText.namedEntities[Array("Hellip".utf8)[...]] == nil)
        #expect(HTMLText.namedEntities[Array("hellipx".utf8)[...]] == nil)
        #expect(HTMLText.namedEntities[[]] == nil)
    }

    @Test func escapesAndSurrogatePairs() throws {
        let text = #"{ "a" : "x\"y\\z\/", "b":"\n\t\r\b\f", "c": "\u00e9\u3042\ud83d\ude00", "d": "" }"#
        let byHand = try #require(BundledResource.flatStringObject(Array(text.utf8)))
        let byDecoder = try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
        #expect(byHand == byDecoder)
        #expect(byHand["c"] == "éあ😀")
        #expect(BundledResource.flatStringObject(Array("{}".utf8)) == [:])
        // A repeated key: the last value counts, as JSONDecoder has it.
        #expect(BundledResource.flatStringObject(Array(#"{"a": "1", "a": "2"}"#.utf8)) == ["a": "2"])
        #expect(NameTable(exact: [(Array("x".utf8)[...], 1), (Array("x".utf8)[...], 2)])[Array("x".utf8)[...]] == 2)
    }

    /// Anything but a flat object of strings is refused, so the caller's fallback is used.
    @Test func malformedIsRefused() {
        // A byte that is not UTF-8, in a value.
        #expect(BundledResource.flatStringObject(Array(#"{"a": ""#.utf8) + [0xFF] + Array(#""}"#.utf8)) == nil)
        for bad in [#"{"a": 1}"#, #"{"a": "b""#, #"{"a": "b",}"#, #"["a"]"#, #"{"a": "\ud83d"}"#, #"{"a": "b"} x"#, "{\"a\": \"\u{01}\"}", #"{"a": "\q"}"#, ""] {
            #expect(BundledResource.flatStringObject(Array(bad.utf8)) == nil, "\(bad)")
        }
    }
}
