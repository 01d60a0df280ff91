import Testing

@testable import ReportEngine

struct HTMLAttributeTests {
    /// Attribute values are decoded only for the names something reads: every attribute that names
    /// a link must be among them, or its links would be lost.
    @Test func everyLinkAttributeHasItsValueRead() {
        for name in HTMLRenderer.linkAttributes.keys {
            #expect(HTMLRenderer.valueIsRead(name), "\(name)")
        }
        for name in ["alt", "type", "http-equiv", "content"] { #expect(HTMLRenderer.valueIsRead(name), "\(name)") }
        for name in ["style", "class", "width", "hrefx", "", "data-hre"] { #expect(!HTMLRenderer.valueIsRead(name), "\(name)") }
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
