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

    /// The page that shows domains of a brand this data added (the others came with the project's
    /// earlier never-report list), and the day it was read.
    public struct Source: Sendable, Hashable, Codable {
        public var url: String
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
    public var domainsSource: Source?
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
    /// What spells a brand in a host name, hyphens left out: its ASCII names of four letters or more
    /// (no space) and the first labels of its domains of four letters or more, by their first four
    /// bytes, with the brand's index.
    private let spellings: [UInt32: [(bytes: [UInt8], brand: Int)]]

    public static func == (a: BrandTable, b: BrandTable) -> Bool { a.brands == b.brands }
    public func hash(into h: inout Hasher) { h.combine(brands) }

    public init(_ brands: [Brand]) {
        self.brands = brands
        var byDomain: [String: Int] = [:]
        for (i, b) in brands.enumerated() { for d in b.domains where byDomain[d] == nil { byDomain[d] = i } }
        self.byDomain = byDomain
        var spellings: [UInt32: [(bytes: [UInt8], brand: Int)]] = [:]
        for (i, b) in brands.enumerated() {
            for word in b.keywords + b.domains.compactMap({ $0.split(separator: ".").first.map(String.init) }) {
                let w = Array(word.utf8.filter { $0 != 0x2D })
                guard w.count >= 4, Bytes.isASCII(w), !w.contains(0x20) else { continue }
                spellings[BrandTable.key(w[...]), default: []].append((w, i))
            }
        }
        self.spellings = spellings
        var keywords: [(bytes: [UInt8], brand: Int, bounded: Bool, ascii: Bool)] = []
        for (i, b) in brands.enumerated() {
            for k in b.keywords {
                let ascii = Bytes.isASCII(Array(k.utf8))
                let bytes = BrandTable.fold(k, keepSpaces: ascii)
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

    /// Four bytes as one number.
    private static func key(_ b: ArraySlice<UInt8>) -> UInt32 {
        let i = b.startIndex
        return UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }

    /// The brands `hosts` spell, in the table's order, hyphens left out (`smbc-card-jp.cloud` spells
    /// smbc-card.com): each place of each host is looked up by its next four bytes.
    func spelled(by hosts: [String]) -> [Brand] {
        var found = Set<Int>()
        for host in hosts {
            let h = Array(host.utf8.filter { $0 != 0x2D })
            guard h.count >= 4 else { continue }
            for i in 0...(h.count - 4) {
                guard let candidates = spellings[BrandTable.key(h[i..<(i + 4)])] else { continue }
                for c in candidates where !found.contains(c.brand) && h[i...].starts(with: c.bytes) { found.insert(c.brand) }
            }
        }
        return found.sorted().map { brands[$0] }
    }

    /// Every brand's domains as never-report entries.
    var neverReportEntries: [NeverReportList.Entry] {
        brands.flatMap { b in b.domains.map { NeverReportList.Entry(domain: $0, name: b.nameJa == b.name ? b.name : "\(b.nameJa) (\(b.name))", kind: "imitated brand") } }
    }

    /// The text as names are matched: NFKC (full-width letters, mathematical letters, compatibility
    /// forms), letters lower-cased, and format characters (zero-width spaces and joiners, variation
    /// selectors, soft hyphens) and white space left out, which spam puts inside names to hide them;
    /// with `keepSpaces`, a run of white space stays as one space (for ASCII names: "ups and downs").
    static func fold(_ text: String, keepSpaces: Bool = false) -> [UInt8] {
        var s = text
        if !Bytes.isASCII(Array(text.utf8)) { s = s.precomposedStringWithCompatibilityMapping }
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        var space = false
        for c in s.unicodeScalars {
            let v = c.value
            // Kana, kanji and hangul, most of a Japanese text, are letters without case and no white
            // space: passed as they are without a look at their properties.
            let wide = (0x3040...0x9FFF).contains(v) || (0xAC00...0xD7AF).contains(v)
            if v <= 0x20 || (v >= 0x80 && !wide && c.properties.isWhitespace) {
                if keepSpaces, !space, !out.isEmpty { out.append(0x20) }
                space = true
                continue
            }
            space = false
            if v < 0x80 {
                if v != 0x7F { out.append(v >= 0x41 && v <= 0x5A ? UInt8(v + 0x20) : UInt8(v)) }
                continue
            }
            if wide {
                UTF8.encode(c) { out.append($0) }
                continue
            }
            if c.properties.generalCategory == .format || (0xFE00...0xFE0F).contains(v) { continue }
            if c.properties.isUppercase, let lower = c.properties.lowercaseMapping.unicodeScalars.first {
                UTF8.encode(lower) { out.append($0) }
                continue
            }
            UTF8.encode(c) { out.append($0) }
        }
        return out
    }

    /// The brand named in `text`, with the name found: the longest name wins, then the earliest.
    /// `text` is read up to `limit` bytes after folding, so a long text costs no more than that.
    public func named(in text: String, limit: Int = 4096) -> (brand: Brand, keyword: String)? {
        guard !text.isEmpty, !keywords.isEmpty else { return nil }
        let head = text.utf8.count > limit * 2 ? String(decoding: Array(text.utf8.prefix(limit * 2)), as: UTF8.self) : text
        // Folded once: the text without spaces is the text with them, spaces left out.
        let folded = BrandTable.fold(head, keepSpaces: true)
        let spaced = Array(folded.prefix(limit))
        let joined = Array(folded.lazy.filter { $0 != 0x20 }.prefix(limit))
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
