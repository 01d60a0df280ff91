import Foundation

/// A brand that phishing imitates (`Resources/brands.json`): the names that show it in a mail, its own
/// domains (never reported), and the desk where the brand itself takes phishing reports, when it
/// publishes one.
public struct Brand: Sendable, Hashable, Codable {
    /// Where the brand takes reports of phishing that uses its name, as the brand's own page says.
    public struct Desk: Sendable, Hashable, Codable {
        public var email: String?
        public var form: String?
        /// The brand's page that gives the address or form.
        public var source: String
        public var alsoSource: String?
        /// The day the source was read (YYYY-MM-DD).
        public var checked: String
        public var note: String?
    }

    public var id: String
    public var name: String
    public var nameJa: String
    /// Words that name the brand, matched on the NFKC form of a text with letters lower-cased:
    /// Japanese words and ASCII words of four letters or more anywhere, shorter ASCII words only
    /// between characters that are no ASCII letter or digit.
    public var keywords: [String]
    /// The brand's own registrable domains; a name covers those below it.
    public var domains: [String]
    public var desk: Desk?

    /// The name for a text in `language`.
    public func name(in language: ReportLanguage) -> String { language == .ja ? nameJa : name }
}

/// The brands of `Resources/brands.json`, with what recognises them in a text.
public struct BrandTable: Sendable, Hashable {
    public let brands: [Brand]
    /// Each keyword's UTF-8, the brand it names, whether it must stand apart from ASCII letters, and
    /// whether it is ASCII (matched on the text with its spaces; the others on the text without).
    private let keywords: [(bytes: [UInt8], brand: Int, bounded: Bool, ascii: Bool)]
    /// Each brand domain and its brand.
    private let byDomain: [String: Int]

    public static func == (a: BrandTable, b: BrandTable) -> Bool { a.brands == b.brands }
    public func hash(into h: inout Hasher) { h.combine(brands) }

    public init(_ brands: [Brand]) {
        self.brands = brands
        var byDomain: [String: Int] = [:]
        for (i, b) in brands.enumerated() { for d in b.domains where byDomain[d] == nil { byDomain[d] = i } }
        self.byDomain = byDomain
        var keywords: [(bytes: [UInt8], brand: Int, bounded: Bool, ascii: Bool)] = []
        for (i, b) in brands.enumerated() {
            for k in b.keywords {
                let ascii = Bytes.isASCII(Array(k.utf8))
                let bytes = Array(BrandTable.fold(k, keepSpaces: ascii).utf8)
                guard !bytes.isEmpty else { continue }
                keywords.append((bytes, i, ascii && bytes.count < 4, ascii))
            }
        }
        // Longer names first: "三井住友カード" is found before "三井住友" could be.
        self.keywords = keywords.sorted { $0.bytes.count > $1.bytes.count }
    }

    public static let bundled: BrandTable = {
        struct File: Decodable { var brands: [Brand] }
        guard let file = BundledResource.json("brands", as: File.self) else { return BrandTable([]) }
        return BrandTable(file.brands)
    }()

    public func brand(id: String) -> Brand? { brands.first { $0.id == id } }

    /// The brand that owns `domain` (a registrable domain or a host): itself or a name it ends in.
    public func owner(of domain: String) -> Brand? {
        DomainName.firstMatch(domain) { byDomain[$0] }.map { brands[$0] }
    }

    /// Every brand's domains as never-report entries.
    var neverReportEntries: [NeverReportList.Entry] {
        brands.flatMap { b in b.domains.map { NeverReportList.Entry(domain: $0, name: b.nameJa == b.name ? b.name : "\(b.nameJa) (\(b.name))", kind: "imitated brand") } }
    }

    /// The text as names are matched: NFKC (full-width letters, mathematical letters, compatibility
    /// forms), letters lower-cased, and format characters (zero-width spaces and joiners, variation
    /// selectors, soft hyphens) and white space left out, which spam puts inside names to hide them;
    /// with `keepSpaces`, a run of white space stays as one space (for ASCII names: "ups and downs").
    static func fold(_ text: String, keepSpaces: Bool = false) -> String {
        var s = text
        if !Bytes.isASCII(Array(text.utf8)) { s = s.precomposedStringWithCompatibilityMapping }
        var out = String.UnicodeScalarView()
        var space = false
        for c in s.unicodeScalars {
            let v = c.value
            if keepSpaces, v <= 0x20 || c.properties.isWhitespace {
                if !space, !out.isEmpty { out.append(" ") }
                space = true
                continue
            }
            space = false
            if v < 0x80 {
                if v <= 0x20 || v == 0x7F { continue }
                out.append(v >= 0x41 && v <= 0x5A ? Unicode.Scalar(v + 0x20)! : c)
                continue
            }
            if c.properties.generalCategory == .format || (0xFE00...0xFE0F).contains(v) || c.properties.isWhitespace { continue }
            if c.properties.isUppercase, let lower = c.properties.lowercaseMapping.unicodeScalars.first { out.append(lower); continue }
            out.append(c)
        }
        return String(out)
    }

    /// The brand named in `text`, with the name found: the longest name wins, then the earliest.
    /// `text` is read up to `limit` bytes after folding, so a long text costs no more than that.
    public func named(in text: String, limit: Int = 4096) -> (brand: Brand, keyword: String)? {
        guard !text.isEmpty, !keywords.isEmpty else { return nil }
        let head = text.utf8.count > limit * 2 ? String(decoding: Array(text.utf8.prefix(limit * 2)), as: UTF8.self) : text
        func cut(_ s: String) -> [UInt8] { Array(s.utf8.prefix(limit)) }
        // Folded once: the text without spaces is the text with them, spaces left out.
        let folded = BrandTable.fold(head, keepSpaces: true)
        let spaced = cut(folded)
        let joined = Array(folded.utf8.lazy.filter { $0 != 0x20 }.prefix(limit))
        var best: (position: Int, length: Int, brand: Int, keyword: [UInt8])?
        for k in keywords {
            if let b = best, k.bytes.count < b.length { break }
            let hay = k.ascii ? spaced : joined
            var from = 0
            while let found = Bytes.firstRange(of: k.bytes, in: hay[...], from: from) {
                let (at, end) = (found.lowerBound, found.upperBound)
                let apart = !k.bounded
                    || ((at == 0 || !Bytes.isAlnum(hay[at - 1])) && (end == hay.count || !Bytes.isAlnum(hay[end])))
                if apart {
                    if best == nil || at < best!.position { best = (at, k.bytes.count, k.brand, k.bytes) }
                    break
                }
                from = at + 1
            }
        }
        return best.map { (brands[$0.brand], String(decoding: $0.keyword, as: UTF8.self)) }
    }
}
