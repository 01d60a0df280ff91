import Foundation

/// A resource an HTML part names: where a click goes (`link`) or what is loaded to display it (`image`).
public struct HTMLLink: Sendable, Hashable {
    public enum Role: String, Sendable, Hashable, Codable {
        /// Followed when clicked or submitted: `a`/`area` `href`, `form action`, `meta` refresh.
        case link
        /// Loaded to show the message: `src`, `srcset`, `background`.
        case image
    }

    /// The attribute value, character references decoded, white space trimmed, resolved against `<base href>`.
    public var target: String
    public var role: Role
    /// For an `a` element: the text it shows (white space folded); nil elsewhere.
    public var anchorText: String?

    public init(target: String, role: Role, anchorText: String? = nil) {
        self.target = target
        self.role = role
        self.anchorText = anchorText
    }
}

/// Renders HTML to plain text and collects the resources it names, reading markup the way a browser's
/// tokenizer does (WHATWG HTML §13.2.5): white space is tab, LF, FF, CR and space; tag and attribute
/// names are case-insensitive; values may be double-, single- or un-quoted and carry character
/// references; comments, `<!…>` and `<?…>` declarations, and the raw text of `script`, `style` and their
/// kin are skipped as a browser skips them.
///
/// Block elements become line breaks; `<base href>` resolves relative targets. It never loads anything;
/// malformed markup changes only how much text comes out. Time is linear in the input.
public struct HTMLText: Sendable, Hashable {
    /// The visible text.
    public var text: String
    /// Link targets and embedded resources, in document order; a repeat of an earlier link (same
    /// target, role and anchor text) is left out.
    public var links: [HTMLLink]
    /// Links past the first `maxLinks` (distinct ones), which were not kept.
    public var droppedLinks = 0

    /// At most this many links are kept for a part: a spammer chooses how many it holds.
    public static let maxLinks = 10_000

    /// Renders `html`.
    public static func render(_ html: String) -> HTMLText { render(utf8: Array(html.utf8)) }

    /// Renders the HTML whose UTF-8 is `html`.
    public static func render(utf8 html: [UInt8]) -> HTMLText {
        var r = HTMLRenderer(html)
        r.run()
        return HTMLText(text: r.finish(), links: r.links, droppedLinks: r.droppedLinks)
    }

    /// The charset named by a `<meta charset>` or `<meta http-equiv content="…; charset=…">` in the first 4 KB.
    public static func metaCharset(_ bytes: some Collection<UInt8>) -> String? {
        let head = bytes.prefix(4096).map(Bytes.lower)
        guard let at = Bytes.firstRange(of: Array("charset=".utf8), in: head[...], from: 0) else { return nil }
        var value = head[at.upperBound...].drop { $0 == 0x22 || $0 == 0x27 || $0 == 0x20 }
        value = value.prefix { Bytes.isAlnum($0) || $0 == 0x2D || $0 == 0x5F }
        return value.isEmpty ? nil : String(decoding: value, as: UTF8.self)
    }

    /// Decodes character references in `text` (as in text content: a few legacy names need no `;`).
    public static func decodeEntities(_ text: some StringProtocol) -> String {
        guard text.utf8.contains(0x26) else { return String(text) }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        HTMLRenderer.decode(bytes[...], inAttribute: false, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: - Character references

    /// Named character references and their UTF-8 text, looked up on the bytes of the markup (case
    /// matters: `&AMP;` and `&amp;` are both listed, `&Amp;` is not). The texts stay slices of the
    /// buffer the table file was read into: no String is made for the 2,000 entries, nor for a name.
    static let namedEntities: NameTable<ArraySlice<UInt8>> = {
        let table = BundledResource.stringTable("html-entities")
            ?? FlatStrings(["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}"])
        return NameTable(exact: table.pairs.map { (table.bytes[$0.key], table.bytes[$0.value]) })
    }()

    /// The names a reference may use without its `;`.
    static let legacyWithoutSemicolon = ["amp", "lt", "gt", "quot", "nbsp", "copy", "reg", "AMP", "LT", "GT", "QUOT"].map { Array($0.utf8) }
}

/// The tokenizer and text builder behind `HTMLText.render`. Works on UTF-8 bytes: every byte that
/// matters to markup is ASCII, so multi-byte characters pass through untouched.
struct HTMLRenderer {
    let s: [UInt8]
    var i = 0
    var out: [UInt8] = []
    var links: [HTMLLink] = []
    /// The links kept so far that are complete (an anchor is complete when it closes).
    var seenLinks = Set<HTMLLink>()
    var droppedLinks = 0
    var pendingSpace = false
    /// Inside `<head>`: text is not shown, and only `base` and `meta` refresh name anything.
    var inHead = false
    /// The first `<base href>`, as scheme, origin (`scheme://host`) and directory.
    var base: (scheme: String, origin: String, directory: String)?
    /// The open anchor: which link it made and where its text starts in `out`.
    var anchor: (link: Int, start: Int)?
    /// The buffer text with references is decoded into, kept from run to run.
    var scratch: [UInt8] = []
    var attributeBuffer: [(name: Attribute, value: [UInt8])] = []

    static let blocks: Set<String> = [
        "p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
        "section", "article", "header", "footer", "hr", "pre", "dl", "dt", "dd", "form", "center", "address",
        "nav", "aside", "main", "figure", "figcaption", "tbody", "thead", "tfoot", "caption", "body", "html",
    ]
    /// Elements whose content is raw text up to their end tag (scripting on, as a browser that shows mail
    /// treats them) and never shown; `template` and `xml` content is inert and skipped the same way.
    static let rawText: Set<String> = ["script", "style", "xmp", "noembed", "noframes", "noscript", "template", "xml"]
    /// Elements whose content is text with character references up to their end tag, not shown.
    static let hiddenRCDATA: Set<String> = ["title"]
    /// Elements a `<head>` may hold; any other start tag (or visible text) ends it, as in a browser.
    static let headElements: Set<String> = [
        "base", "basefont", "bgsound", "link", "meta", "title", "noscript", "noframes", "style", "script", "template", "head",
    ]
    /// What the sets above say of an element, in one table: a tag costs one lookup, not four.
    struct TagKind: OptionSet {
        let rawValue: UInt8
        static let block = TagKind(rawValue: 1)
        static let rawText = TagKind(rawValue: 2)
        static let hiddenRCDATA = TagKind(rawValue: 4)
        static let headElement = TagKind(rawValue: 8)
    }

    /// The elements the renderer treats one by one; every other is known by its kind alone.
    enum Element: String, CaseIterable {
        case a, img, input, head, body, br, td, th, base, meta, link
    }

    /// What the renderer knows of a tag name.
    struct Tag {
        var kind: TagKind = []
        var element: Element?
        /// The name, lower-case (to find the end tag of a raw-text element).
        var name: [UInt8]
    }

    /// Every tag name the renderer knows, looked up on the bytes of the markup: a tag costs one
    /// lookup and no String. A name not here is an element with no kind.
    static let tags: NameTable<Tag> = {
        var tags: [String: Tag] = [:]
        for (set, kind) in [(blocks, TagKind.block), (rawText, .rawText), (hiddenRCDATA, .hiddenRCDATA), (headElements, .headElement)] {
            for name in set { tags[name, default: Tag(name: Array(name.utf8))].kind.insert(kind) }
        }
        for element in Element.allCases { tags[element.rawValue, default: Tag(name: Array(element.rawValue.utf8))].element = element }
        return NameTable(tags)
    }()

    /// The attributes whose values `startTag` and `collectLinks` read; every other attribute is
    /// skipped over, its value never decoded.
    enum Attribute: String, CaseIterable {
        case href, action, dataHref = "data-href", dataURL = "data-url", src, srcset, background
        case alt, type, httpEquiv = "http-equiv", content

        /// What a link named by this attribute is; nil for an attribute that names none.
        var role: HTMLLink.Role? {
            switch self {
            case .href, .action, .dataHref, .dataURL: .link
            case .src, .srcset, .background: .image
            case .alt, .type, .httpEquiv, .content: nil
            }
        }
    }

    static let attributes = NameTable(Dictionary(uniqueKeysWithValues: Attribute.allCases.map { ($0.rawValue, $0) }))

    init(_ s: [UInt8]) {
        self.s = s
        // Room for the links of most parts at once: a growing set hashes each of its long targets again.
        seenLinks.reserveCapacity(64)
    }

    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0C || c == 0x0D }

    // MARK: - Data state

    mutating func run() {
        let n = s.count
        var textStart = 0
        while i < n {
            // "<" followed by a letter (start tag), "/" (end tag), "!" or "?" opens markup; memchr
            // finds the next "<".
            guard let lt = Bytes.index(of: 0x3C, in: s[...], from: i) else {
                i = n
                break
            }
            i = lt
            guard i + 1 < n else { i += 1; continue }
            let next = s[i + 1]
            if Bytes.isLetter(next) || next == 0x21 || next == 0x3F || next == 0x2F {
                emitText(s[textStart..<i])
                tag()
                textStart = i
            } else {
                i += 1
            }
        }
        emitText(s[textStart..<min(i, n)])
        closeAnchor()
    }

    /// Adds a run of text content, references decoded and white space folded. A run without a
    /// reference (most) is folded straight from the markup; one with references is decoded into a
    /// buffer kept from run to run.
    mutating func emitText(_ run: ArraySlice<UInt8>) {
        guard !run.isEmpty else { return }
        guard Bytes.index(of: 0x26, in: run, from: run.startIndex) != nil else {
            emitDecoded(run)
            return
        }
        var decoded = scratch
        scratch = []
        decoded.removeAll(keepingCapacity: true)
        HTMLRenderer.decode(run, inAttribute: false, into: &decoded)
        emitDecoded(decoded[...])
        scratch = decoded
    }

    /// Adds text whose references are decoded.
    mutating func emitDecoded(_ text: ArraySlice<UInt8>) {
        var text = text
        if inHead {
            // Visible text ends the head, as a browser's tree builder ends it.
            guard let firstShown = text.firstIndex(where: { !HTMLRenderer.isSpace($0) }) else { return }
            inHead = false
            text = text[firstShown...]
        }
        appendFolded(text)
    }

    /// Appends text, folding runs of white space (and no-break spaces) into one space.
    mutating func appendFolded(_ text: ArraySlice<UInt8>) {
        var k = text.startIndex
        let n = text.endIndex
        while k < n {
            let c = text[k]
            if HTMLRenderer.isSpace(c) {
                pendingSpace = true
                k += 1
            } else if c == 0xC2, k + 1 < n, text[k + 1] == 0xA0 {
                pendingSpace = true
                k += 2
            } else {
                // A run of other bytes is copied whole.
                var end = k + 1
                while end < n, !HTMLRenderer.isSpace(text[end]), text[end] != 0xC2 { end += 1 }
                if pendingSpace, let last = out.last, last != 0x0A { out.append(0x20) }
                pendingSpace = false
                out.append(contentsOf: text[k..<end])
                k = end
            }
        }
    }

    /// Ends the current line; block boundaries in a row make one break, each `<br>` makes its own.
    mutating func newline(force: Bool = false) {
        pendingSpace = false
        if out.last == 0x20 { out.removeLast() }
        if force || (out.last != nil && out.last != 0x0A) { out.append(0x0A) }
    }

    // MARK: - Markup

    /// Reads the markup at `i` (a `<`) and leaves `i` after it.
    mutating func tag() {
        let n = s.count
        let c = s[i + 1]
        if c == 0x21 {  // "<!"
            if i + 3 < n, s[i + 2] == 0x2D, s[i + 3] == 0x2D {
                comment(from: i + 4)
            } else {
                bogusComment(from: i + 2)
            }
            return
        }
        if c == 0x3F {  // "<?"
            bogusComment(from: i + 1)
            return
        }
        var closing = false
        var j = i + 1
        if c == 0x2F {
            closing = true
            j += 1
            guard j < n else { i = n; return }
            if s[j] == 0x3E { i = j + 1; return }  // "</>" is nothing
            if !Bytes.isLetter(s[j]) { bogusComment(from: j); return }
        }
        // Tag name: up to white space, "/" or ">".
        let nameStart = j
        while j < n, !HTMLRenderer.isSpace(s[j]), s[j] != 0x2F, s[j] != 0x3E { j += 1 }
        let tag = HTMLRenderer.tags[s[nameStart..<j]]
        // The attribute list is a buffer kept from tag to tag.
        var attributes = attributeBuffer
        attributeBuffer = []
        if !attributes.isEmpty { attributes.removeAll(keepingCapacity: true) }
        i = j
        readAttributes(into: &attributes)
        if closing {
            endTag(tag)
        } else {
            startTag(tag, attributes)
        }
        attributeBuffer = attributes
    }

    /// The attribute states: names, `=`, and double-, single- or un-quoted values, up to the tag's `>`.
    /// Only the attributes something reads are kept, values decoded; of repeated names the first
    /// counts, as in a browser (the list holds at most one of each of the few names).
    mutating func readAttributes(into attributes: inout [(name: Attribute, value: [UInt8])]) {
        let n = s.count
        while i < n {
            let c = s[i]
            if c == 0x3E { i += 1; return }
            if HTMLRenderer.isSpace(c) || c == 0x2F { i += 1; continue }
            // Attribute name (a leading "=" belongs to the name).
            let nameStart = i
            i += 1
            while i < n, !HTMLRenderer.isSpace(s[i]), s[i] != 0x2F, s[i] != 0x3E, s[i] != 0x3D { i += 1 }
            let attribute = HTMLRenderer.attributes[s[nameStart..<i]]
            while i < n, HTMLRenderer.isSpace(s[i]) { i += 1 }
            var value: [UInt8] = []
            if i < n, s[i] == 0x3D {
                i += 1
                while i < n, HTMLRenderer.isSpace(s[i]) { i += 1 }
                if i < n, s[i] == 0x22 || s[i] == 0x27 {
                    let quote = s[i]
                    let start = i + 1
                    let k = Bytes.index(of: quote, in: s[...], from: start) ?? n
                    if attribute != nil { HTMLRenderer.decode(s[start..<k], inAttribute: true, into: &value) }
                    i = min(k + 1, n)
                } else {
                    let start = i
                    while i < n, !HTMLRenderer.isSpace(s[i]), s[i] != 0x3E { i += 1 }
                    if attribute != nil { HTMLRenderer.decode(s[start..<i], inAttribute: true, into: &value) }
                }
            }
            if let attribute, !attributes.contains(where: { $0.name == attribute }) { attributes.append((attribute, value)) }
        }
    }

    mutating func startTag(_ tag: Tag?, _ attributes: [(name: Attribute, value: [UInt8])]) {
        let kind = tag?.kind ?? []
        let element = tag?.element
        if inHead, !kind.contains(.headElement) { inHead = false }
        if element == .head, out.isEmpty { inHead = true }
        if element == .body { inHead = false }
        if element == .a { closeAnchor() }
        collectLinks(element, attributes)
        if let tag, !kind.isDisjoint(with: [.rawText, .hiddenRCDATA]) {
            skipRawText(tag.name)
            return
        }
        if element == .img || (element == .input && attributes.contains { $0.name == .type && lowered($0.value) == "image" }) {
            if let alt = attributes.first(where: { $0.name == .alt })?.value, !alt.isEmpty, !inHead {
                pendingSpace = true
                appendFolded(alt[...])
                pendingSpace = true
            }
        }
        layout(element, kind)
    }

    mutating func endTag(_ tag: Tag?) {
        if tag?.element == .head { inHead = false }
        if tag?.element == .a { closeAnchor() }
        layout(tag?.element, tag?.kind ?? [])
    }

    /// Line breaks and cell gaps for an element boundary.
    mutating func layout(_ element: Element?, _ kind: TagKind) {
        if element == .br {
            newline(force: true)
        } else if kind.contains(.block) {
            newline()
        } else if element == .td || element == .th {
            pendingSpace = true
        }
    }

    /// The value lower-cased and trimmed of white space (`CharacterSet.whitespaces`: tab, space and
    /// the other space separators). ASCII ends are trimmed on the bytes; Foundation sees only a
    /// value that still has a non-ASCII character at an end.
    func lowered(_ v: [UInt8]) -> String {
        var lo = 0
        var hi = v.count
        while lo < hi, v[lo] == 0x20 || v[lo] == 0x09 { lo += 1 }
        while hi > lo, v[hi - 1] == 0x20 || v[hi - 1] == 0x09 { hi -= 1 }
        let text = Bytes.lowercasedString(v[lo..<hi])
        guard lo < hi, v[lo] >= 0x80 || v[hi - 1] >= 0x80 else { return text }
        return text.trimmingCharacters(in: .whitespaces)
    }

    mutating func collectLinks(_ element: Element?, _ attributes: [(name: Attribute, value: [UInt8])]) {
        if element == .base, base == nil, let href = attributes.first(where: { $0.name == .href }) {
            setBase(HTMLRenderer.trimmed(href.value))
            return
        }
        if element == .meta {
            let isRefresh = attributes.contains { $0.name == .httpEquiv && lowered($0.value) == "refresh" }
            if isRefresh, let content = attributes.first(where: { $0.name == .content }), let target = HTMLRenderer.refreshTarget(content.value) {
                addLink(HTMLLink(target: resolve(target), role: .link))
            }
            return
        }
        if inHead { return }
        for (attribute, value) in attributes {
            guard var role = attribute.role else { continue }
            // A <link> names a stylesheet, icon or prefetch: loaded, never followed by the reader.
            if element == .link { role = .image }
            let text = HTMLRenderer.trimmed(value)
            guard !text.isEmpty else { continue }
            if attribute == .srcset {
                for candidate in text.split(separator: ",") {
                    if let url = candidate.split(separator: " ").first { addLink(HTMLLink(target: resolve(String(url)), role: role)) }
                }
                continue
            }
            let isAnchor = element == .a && attribute == .href
            if addLink(HTMLLink(target: resolve(text), role: role), complete: !isAnchor), isAnchor { anchor = (links.count - 1, out.count) }
        }
    }

    /// Keeps `link` unless it repeats a complete earlier one or the part already has `maxLinks`.
    /// - Returns: whether it was kept.
    @discardableResult
    mutating func addLink(_ link: HTMLLink, complete: Bool = true) -> Bool {
        if complete, seenLinks.contains(link) { return false }
        guard links.count < HTMLText.maxLinks else {
            droppedLinks += 1
            return false
        }
        links.append(link)
        if complete { seenLinks.insert(link) }
        return true
    }

    /// Ends the open anchor, keeping the text it showed.
    mutating func closeAnchor() {
        guard let (link, start) = anchor else { return }
        anchor = nil
        let from = min(start, out.count)
        // Trimmed of Unicode white space, line breaks made spaces.
        let shown = String(decoding: out[from...].map { $0 == 0x0A ? 0x20 : $0 }, as: UTF8.self).unicodeScalars
        var lo = shown.startIndex
        var hi = shown.endIndex
        while lo < hi, shown[lo].properties.isWhitespace { lo = shown.index(after: lo) }
        while hi > lo, shown[shown.index(before: hi)].properties.isWhitespace { hi = shown.index(before: hi) }
        links[link].anchorText = String(shown[lo..<hi])
        // A repeat of an earlier anchor adds nothing; it is let go when nothing came after it.
        if !seenLinks.insert(links[link]).inserted, link == links.count - 1 { links.removeLast() }
    }

    /// Skips the content of a raw-text element up to its end tag (`</name` then white space, `/` or `>`).
    mutating func skipRawText(_ lowerName: [UInt8]) {
        let n = s.count
        var j = i
        // memchr finds each "<": a style sheet or script runs to many kilobytes.
        while let lt = Bytes.index(of: 0x3C, in: s[...], from: j), lt + 1 < n {
            j = lt
            if s[j + 1] == 0x2F, j + 2 + lowerName.count <= n {
                var k = 0
                while k < lowerName.count, Bytes.lower(s[j + 2 + k]) == lowerName[k] { k += 1 }
                let after = j + 2 + lowerName.count
                if k == lowerName.count, after == n || HTMLRenderer.isSpace(s[after]) || s[after] == 0x2F || s[after] == 0x3E {
                    i = j
                    return  // the end tag is read as markup next
                }
            }
            j += 1
        }
        i = n
    }

    /// A comment from `start` (after `<!--`): ends at `-->` or `--!>`; `<!-->` and `<!--->` end at once.
    mutating func comment(from start: Int) {
        let n = s.count
        if start < n, s[start] == 0x3E { i = start + 1; return }
        if start + 1 < n, s[start] == 0x2D, s[start + 1] == 0x3E { i = start + 2; return }
        var j = start
        while j + 2 < n {
            if s[j] == 0x2D, s[j + 1] == 0x2D {
                if s[j + 2] == 0x3E { i = j + 3; return }
                if s[j + 2] == 0x21, j + 3 < n, s[j + 3] == 0x3E { i = j + 4; return }
            }
            j += 1
        }
        i = n
    }

    /// A declaration or processing instruction from `start`: ends at the next `>`.
    mutating func bogusComment(from start: Int) {
        var j = start
        while j < s.count, s[j] != 0x3E { j += 1 }
        i = min(j + 1, s.count)
    }

    // MARK: - Targets

    static func trimmed(_ v: [UInt8]) -> String {
        var lo = 0
        var hi = v.count
        while lo < hi, isSpace(v[lo]) { lo += 1 }
        while hi > lo, isSpace(v[hi - 1]) { hi -= 1 }
        return String(decoding: v[lo..<hi], as: UTF8.self)
    }

    /// The URL of a refresh directive (`0; url=…`, `0;URL='…'`, `5, …`).
    static func refreshTarget(_ content: [UInt8]) -> String? {
        var k = 0
        let n = content.count
        while k < n, isSpace(content[k]) { k += 1 }
        while k < n, (0x30...0x39).contains(content[k]) || content[k] == 0x2E { k += 1 }
        while k < n, isSpace(content[k]) { k += 1 }
        guard k < n, content[k] == 0x3B || content[k] == 0x2C else { return nil }
        k += 1
        while k < n, isSpace(content[k]) { k += 1 }
        if k + 3 <= n, Bytes.lower(content[k]) == 0x75, Bytes.lower(content[k + 1]) == 0x72, Bytes.lower(content[k + 2]) == 0x6C {
            var m = k + 3
            while m < n, isSpace(content[m]) { m += 1 }
            if m < n, content[m] == 0x3D {
                k = m + 1
                while k < n, isSpace(content[k]) { k += 1 }
            }
        }
        var end = n
        if k < n, content[k] == 0x22 || content[k] == 0x27 {
            let quote = content[k]
            k += 1
            end = content[k...].firstIndex(of: quote) ?? n
        }
        let target = trimmed(Array(content[k..<end]))
        return target.isEmpty ? nil : target
    }

    mutating func setBase(_ href: String) {
        guard let colon = href.firstIndex(of: ":"), href[href.index(after: colon)...].hasPrefix("//") else { return }
        let scheme = href[..<colon].lowercased()
        guard scheme == "http" || scheme == "https" else { return }
        let rest = href[href.index(colon, offsetBy: 3)...]
        let hostEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let origin = "\(scheme)://\(rest[..<hostEnd])"
        let path = rest[hostEnd...].prefix { $0 != "?" && $0 != "#" }
        let directory = path.lastIndex(of: "/").map { String(path[...$0]) } ?? "/"
        base = (scheme, origin, directory)
    }

    /// `target` made absolute against `<base href>`; unchanged without one, or when it has a scheme.
    func resolve(_ target: String) -> String {
        guard let base else { return target }
        if target.hasPrefix("//") { return "\(base.scheme):\(target)" }
        if target.hasPrefix("/") { return base.origin + target }
        if target.hasPrefix("#") || target.hasPrefix("?") { return target }
        if let colon = target.firstIndex(of: ":"),
            target[..<colon].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".") })
        {
            return target  // has a scheme (http:, mailto:, javascript: …)
        }
        return base.origin + base.directory + target
    }

    // MARK: - Character references (WHATWG §13.2.5.72)

    /// Appends `run` to `out` with character references decoded. In an attribute value a legacy name
    /// without `;` followed by `=` or a letter or digit stays as written (`?a=1&copy=2`).
    static func decode(_ run: ArraySlice<UInt8>, inAttribute: Bool, into out: inout [UInt8]) {
        var k = run.startIndex
        let end = run.endIndex
        while k < end {
            // The text up to the next "&" is copied as it is.
            let amp = Bytes.index(of: 0x26, in: run, from: k) ?? end
            out.append(contentsOf: run[k..<amp])
            k = amp
            guard k < end else { break }
            if let (decoded, length) = reference(run, at: k, inAttribute: inAttribute) {
                out.append(contentsOf: decoded)
                k += length
            } else {
                out.append(0x26)
                k += 1
            }
        }
    }

    /// The reference at `start` (an `&`): its UTF-8 text and how many bytes it spans.
    static func reference(_ s: ArraySlice<UInt8>, at start: Int, inAttribute: Bool) -> (ArraySlice<UInt8>, Int)? {
        var k = start + 1
        let end = s.endIndex
        guard k < end else { return nil }
        if s[k] == 0x23 {  // "#"
            k += 1
            var hex = false
            if k < end, s[k] == 0x78 || s[k] == 0x58 { hex = true; k += 1 }
            var value: UInt32 = 0
            var digits = 0
            while k < end, digits < 8 {
                let d: UInt8?
                if hex { d = Bytes.hexValue(s[k]) } else { d = (0x30...0x39).contains(s[k]) ? s[k] - 0x30 : nil }
                guard let d else { break }
                value = value &* (hex ? 16 : 10) &+ UInt32(d)
                digits += 1
                k += 1
            }
            guard digits > 0 else { return nil }
            if k < end, s[k] == 0x3B { k += 1 }
            let scalar = Unicode.Scalar(value == 0 ? 0xFFFD : value) ?? "\u{FFFD}"
            var text: [UInt8] = []
            UTF8.encode(scalar) { text.append($0) }
            return (text[...], k - start)
        }
        let nameStart = k
        while k < end, k - nameStart < 32, Bytes.isAlnum(s[k]) { k += 1 }
        guard k > nameStart else { return nil }
        let name = s[nameStart..<k]
        if k < end, s[k] == 0x3B, let v = HTMLText.namedEntities[name] { return (v, k + 1 - start) }
        if HTMLText.legacyWithoutSemicolon.contains(where: { $0.elementsEqual(name) }), let v = HTMLText.namedEntities[name] {
            if inAttribute, k < end, s[k] == 0x3D || Bytes.isAlnum(s[k]) { return nil }
            return (v, k - start)
        }
        return nil
    }

    // MARK: - Output

    mutating func finish() -> String {
        var lines: [ArraySlice<UInt8>] = []
        var blank = 0
        for line in out.split(separator: 0x0A, omittingEmptySubsequences: false) {
            var t = line.drop { $0 == 0x20 }
            while t.last == 0x20 { t = t.dropLast() }
            if t.isEmpty {
                blank += 1
                if blank > 1 || lines.isEmpty { continue }
            } else {
                blank = 0
            }
            lines.append(t)
        }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        var text: [UInt8] = []
        text.reserveCapacity(out.count)
        for (k, line) in lines.enumerated() {
            if k > 0 { text.append(0x0A) }
            text.append(contentsOf: line)
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// A fixed table from names to values, looked up on bytes with no String made: hashed with FNV-1a
/// and probed linearly, a lookup costs a few nanoseconds, where a Dictionary keyed by String seeds
/// and runs SipHash each time (2 % of an analysis went there, at every tag). Names match in either
/// case (tag and attribute names) or only as written (character references).
struct NameTable<Value: Sendable>: Sendable {
    /// The names' bytes one after another; slot `k` holds `bytes[starts[k]..<starts[k] + lengths[k]]`
    /// and `values[k]`, or nothing when `lengths[k]` is -1.
    private var bytes: [UInt8] = []
    private var starts: [Int]
    private var lengths: [Int]
    private var values: [Value?]
    private let mask: Int
    /// 0x20 when ASCII capitals match small letters, 0 when names match only as written.
    private let fold: UInt8

    /// `entries` keyed by lower-case ASCII names, which match with ASCII letters in either case.
    init(_ entries: [String: Value]) {
        self.init(entries.map { (Array($0.key.utf8)[...], $0.value) }, fold: 0x20)
    }

    /// `entries`, whose names match only as written; of a name given twice the last counts.
    init(exact entries: [(ArraySlice<UInt8>, Value)]) {
        self.init(entries, fold: 0)
    }

    private init(_ entries: [(ArraySlice<UInt8>, Value)], fold: UInt8) {
        self.fold = fold
        var capacity = 8
        while capacity < entries.count * 2 { capacity *= 2 }
        starts = [Int](repeating: 0, count: capacity)
        lengths = [Int](repeating: -1, count: capacity)
        values = [Value?](repeating: nil, count: capacity)
        mask = capacity - 1
        for (name, value) in entries {
            let slot = self.slot(name)
            if lengths[slot] < 0 {
                starts[slot] = bytes.count
                lengths[slot] = name.count
                bytes += name
            }
            values[slot] = value
        }
    }

    /// The value of the name `name` spells.
    subscript(_ name: ArraySlice<UInt8>) -> Value? { values[slot(name)] }

    /// The slot that holds `name`, or the free one where it would go.
    private func slot(_ name: ArraySlice<UInt8>) -> Int {
        var h: UInt32 = 2_166_136_261
        for b in name { h = (h ^ UInt32(folded(b))) &* 16_777_619 }
        var slot = Int(h) & mask
        while lengths[slot] >= 0 {
            if lengths[slot] == name.count {
                let start = starts[slot]
                var k = 0
                while k < name.count, bytes[start + k] == folded(name[name.startIndex + k]) { k += 1 }
                if k == name.count { return slot }
            }
            slot = (slot + 1) & mask
        }
        return slot
    }

    /// `b` with an ASCII capital made small when the table folds case.
    @inline(__always) private func folded(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | fold : b }
}
