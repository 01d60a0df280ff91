import Testing

@testable import ReportEngine

struct HTMLAttributeTests {
    /// Attribute values are decoded only for the names something reads; names are found on the
    /// bytes of the markup, ASCII letters in either case, and no other name is taken for one of them.
    @Test func attributeNamesAreFoundOnTheirBytes() {
        func lookUp(_ name: String) -> HTMLRenderer.Attribute? { HTMLRenderer.attributes[Array(name.utf8)[...]] }
        for attribute in HTMLRenderer.Attribute.allCases {
            #expect(lookUp(attribute.rawValue) == attribute)
            #expect(lookUp(attribute.rawValue.uppercased()) == attribute)
        }
        for name in ["style", "class", "width", "hrefx", "", "data-hre", "hr\u{212A}ef", "ｈref"] { #expect(lookUp(name) == nil, "\(name)") }
        let linkNames = HTMLRenderer.Attribute.allCases.filter { $0.role != nil }.map(\.rawValue)
        #expect(Set(linkNames) == ["href", "action", "data-href", "data-url", "src", "srcset", "background"])
    }

    /// Tag names, too: a raw-text element is known in any case, and its end tag is looked for by its name.
    @Test func tagNamesAreFoundOnTheirBytes() {
        func lookUp(_ name: String) -> HTMLRenderer.Tag? { HTMLRenderer.tags[Array(name.utf8)[...]] }
        #expect(lookUp("ScRiPt")?.kind.contains(.rawText) == true)
        #expect(lookUp("ScRiPt")?.name == Array("script".utf8))
        #expect(lookUp("BODY")?.element == .body)
        #expect(lookUp("BODY")?.kind.contains(.block) == true)
        #expect(lookUp("A")?.element == .a)
        #expect(lookUp("span") == nil)
        #expect(lookUp("a\u{301}") == nil)
        let html = "<SCRIPT>var a = '<b>hidden</b>';</ScRiPt ><P>shown</P>"
        #expect(HTMLText.render(html).text == "shown")
    }

    /// The values that are read still come decoded, whatever comes before and after them.
    @Test func readValuesAreDecodedAmongOthers() {
        let html = """
            <meta content="0; url=https://refresh.example/&amp;x" style="a&amp;b" http-equiv="Refresh">
            <a class="x" href="https://a.example/?p=1&amp;q=2" title="&lt;t&gt;">go</a>
            <img style='width:1px' alt="a&#x26;b" src=https://img.example/i.gif>
            """
        let r = HTMLText.render(html)
        #expect(r.links.map(\.target) == ["https://refresh.example/&x", "https://a.example/?p=1&q=2", "https://img.example/i.gif"])
        #expect(r.text.contains("a&b"))
    }
}
