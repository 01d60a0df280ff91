import Foundation

/// Renders HTML to plain text and collects the link targets it carries (`href`, `src`, `action`).
///
/// Script, style and comments are dropped; block elements become line breaks; character references
/// (HTML5 named, decimal, hexadecimal) are decoded. It is a reader of hostile markup, not a browser:
/// it never loads anything, and malformed markup only changes how much text comes out.
public struct HTMLText: Sendable, Hashable {
    /// The visible text.
    public var text: String
    /// Attribute values that name a resource, entity-decoded, in document order.
    public var links: [String]

    /// Renders `html`.
    public static func render(_ html: String) -> HTMLText {
        var r = Renderer(Array(html.unicodeScalars))
        r.run()
        return HTMLText(text: r.finish(), links: r.links)
    }

    /// The charset named by a `<meta charset>` or `<meta http-equiv content="…; charset=…">` in the first 4 KB.
    public static func metaCharset(_ bytes: [UInt8]) -> String? {
        let head = String(decoding: bytes.prefix(4096), as: UTF8.self).lowercased()
        guard let r = head.range(of: "charset=") else { return nil }
        var value = head[r.upperBound...].drop { $0 == "\"" || $0 == "'" || $0 == " " }
        value = value.prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        return value.isEmpty ? nil : String(value)
    }

    /// Decodes character references in `text`.
    public static func decodeEntities(_ text: some StringProtocol) -> String {
        guard text.contains("&") else { return String(text) }
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            if scalars[i] == "&", let (decoded, length) = entity(at: i, in: scalars) {
                out.append(contentsOf: decoded.unicodeScalars)
                i += length
            } else {
                out.append(scalars[i])
                i += 1
            }
        }
        return String(out)
    }

    // MARK: - Private

    static let namedEntities: [String: String] = {
        guard let url = Bundle.module.url(forResource: "html-entities", withExtension: "json", subdirectory: "Resources"),
            let data = try? Data(contentsOf: url),
            let table = try? JSONDecoder().decode([String: String].self, from: data)
        else { return ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}"] }
        return table
    }()

    private static let legacyWithoutSemicolon: Set<String> = ["amp", "lt", "gt", "quot", "nbsp", "copy", "reg", "AMP", "LT", "GT", "QUOT"]

    /// Decodes the reference starting at `start` (an `&`); returns the text and how many scalars it spans.
    private static func entity(at start: Int, in s: [Unicode.Scalar]) -> (String, Int)? {
        var i = start + 1
        guard i < s.count else { return nil }
        if s[i] == "#" {
            i += 1
            var hex = false
            if i < s.count, s[i] == "x" || s[i] == "X" { hex = true; i += 1 }
            var value: UInt32 = 0
            var digits = 0
            while i < s.count, digits < 8, let d = hex ? Bytes.hexValue(UInt8(truncatingIfNeeded: s[i].value)).map(UInt32.init) : (s[i].properties.numericType == .decimal && s[i].isASCII ? s[i].value - 48 : nil) {
                if !s[i].isASCII { break }
                value = value &* (hex ? 16 : 10) &+ d
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            if i < s.count, s[i] == ";" { i += 1 }
            let scalar = Unicode.Scalar(value == 0 ? 0xFFFD : value) ?? "\u{FFFD}"
            return (String(scalar), i - start)
        }
        var name = ""
        while i < s.count, name.count < 32, s[i].isASCII, s[i].properties.isAlphabetic || (48...57).contains(s[i].value) {
            name.unicodeScalars.append(s[i])
            i += 1
        }
        guard !name.isEmpty else { return nil }
        if i < s.count, s[i] == ";", let v = namedEntities[name] { return (v, i + 1 - start) }
        if legacyWithoutSemicolon.contains(name), let v = namedEntities[name] { return (v, i - start) }
        return nil
    }
}

private struct Renderer {
    let s: [Unicode.Scalar]
    var i = 0
    var out = String.UnicodeScalarView()
    var links: [String] = []
    var pendingSpace = false

    static let blocks: Set<String> = [
        "p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
        "section", "article", "header", "footer", "hr", "pre", "dl", "dt", "dd", "form", "center", "address",
        "nav", "aside", "main", "figure", "figcaption", "tbody", "thead", "tfoot", "caption", "body", "html",
    ]
    static let dropped: Set<String> = ["script", "style", "template", "head", "title", "noscript", "xml"]
    static let linkAttributes: Set<String> = ["href", "src", "action", "background", "data-href", "data-url", "srcset"]

    init(_ s: [Unicode.Scalar]) { self.s = s }

    mutating func run() {
        var text = String.UnicodeScalarView()
        while i < s.count {
            let c = s[i]
            if c == "<", i + 1 < s.count, isTagStart(s[i + 1]) {
                flushText(&text)
                tag()
                continue
            }
            text.append(c)
            i += 1
        }
        flushText(&text)
    }

    func isTagStart(_ c: Unicode.Scalar) -> Bool {
        c == "/" || c == "!" || c == "?" || (c.isASCII && c.properties.isAlphabetic)
    }

    mutating func flushText(_ text: inout String.UnicodeScalarView) {
        guard !text.isEmpty else { return }
        let decoded = HTMLText.decodeEntities(String(text))
        for c in decoded.unicodeScalars {
            if c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{A0}" || c == "\u{0C}" {
                pendingSpace = true
            } else {
                if pendingSpace, let last = out.last, last != "\n" { out.append(" ") }
                pendingSpace = false
                out.append(c)
            }
        }
        text.removeAll()
    }

    /// Ends the current line; block boundaries in a row make one break, each `<br>` makes its own.
    mutating func newline(force: Bool = false) {
        pendingSpace = false
        if let last = out.last, last == " " { out.removeLast() }
        if force || (out.last != nil && out.last != "\n") { out.append("\n") }
    }

    mutating func skip(past marker: String) {
        let m = Array(marker.unicodeScalars)
        while i < s.count {
            if s[i] == m[0], i + m.count <= s.count, Array(s[i..<(i + m.count)]) == m { i += m.count; return }
            i += 1
        }
    }

    mutating func tag() {
        // at "<"
        if s[i + 1] == "!" {
            if i + 3 < s.count, s[i + 2] == "-", s[i + 3] == "-" { i += 4; skip(past: "-->"); return }
            i += 2; skip(past: ">"); return
        }
        if s[i + 1] == "?" { i += 2; skip(past: ">"); return }
        i += 1
        var closing = false
        if s[i] == "/" { closing = true; i += 1 }
        var name = ""
        while i < s.count, !(s[i] == ">" || s[i] == "/" || s[i].properties.isWhitespace) {
            name.unicodeScalars.append(s[i])
            i += 1
        }
        name = name.lowercased()
        var attributes: [(String, String)] = []
        // attributes
        while i < s.count, s[i] != ">" {
            let c = s[i]
            if c.properties.isWhitespace || c == "/" { i += 1; continue }
            var attr = ""
            while i < s.count, !(s[i] == "=" || s[i] == ">" || s[i].properties.isWhitespace || s[i] == "/") {
                attr.unicodeScalars.append(s[i]); i += 1
            }
            while i < s.count, s[i].properties.isWhitespace { i += 1 }
            var value = ""
            if i < s.count, s[i] == "=" {
                i += 1
                while i < s.count, s[i].properties.isWhitespace { i += 1 }
                if i < s.count, s[i] == "\"" || s[i] == "'" {
                    let q = s[i]; i += 1
                    while i < s.count, s[i] != q { value.unicodeScalars.append(s[i]); i += 1 }
                    i += 1
                } else {
                    while i < s.count, !(s[i] == ">" || s[i].properties.isWhitespace) { value.unicodeScalars.append(s[i]); i += 1 }
                }
            }
            if !attr.isEmpty { attributes.append((attr.lowercased(), value)) }
            if attr.isEmpty && value.isEmpty { i += 1 }
        }
        if i < s.count { i += 1 }  // past ">"
        if !closing {
            for (a, v) in attributes where Renderer.linkAttributes.contains(a) && !v.isEmpty {
                let decoded = HTMLText.decodeEntities(v).trimmingCharacters(in: " \t\r\n")
                if a == "srcset" {
                    for candidate in decoded.split(separator: ",") {
                        if let url = candidate.split(separator: " ").first { links.append(String(url)) }
                    }
                } else {
                    links.append(decoded)
                }
            }
            if name == "meta" {
                for (a, v) in attributes where a == "content" {
                    // <meta http-equiv="refresh" content="0; url=…">
                    let lower = v.lowercased()
                    if let r = lower.range(of: "url=") {
                        let offset = lower.distance(from: lower.startIndex, to: r.upperBound)
                        links.append(HTMLText.decodeEntities(v.dropFirst(offset)).trimmingCharacters(in: " '\""))
                    }
                }
            }
            if Renderer.dropped.contains(name) {
                skip(past: "</\(name)")
                skip(past: ">")
                return
            }
            if name == "img" {
                for (a, v) in attributes where a == "alt" && !v.isEmpty {
                    var t = String.UnicodeScalarView(HTMLText.decodeEntities(v).unicodeScalars)
                    pendingSpace = true
                    flushText(&t)
                    pendingSpace = true
                }
            }
        }
        if name == "br" {
            newline(force: true)
        } else if Renderer.blocks.contains(name) {
            newline()
        } else if name == "td" || name == "th" {
            pendingSpace = true
        }
    }

    mutating func finish() -> String {
        var lines: [Substring] = []
        var blank = 0
        for line in String(out).split(separator: "\n", omittingEmptySubsequences: false) {
            var t = line.drop { $0 == " " }
            while t.last == " " { t = t.dropLast() }
            if t.isEmpty {
                blank += 1
                if blank > 1 || lines.isEmpty { continue }
            } else {
                blank = 0
            }
            lines.append(t)
        }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}
