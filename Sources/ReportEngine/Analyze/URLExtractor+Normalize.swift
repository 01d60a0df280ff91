import Foundation

/// Undoing the disguises before the scan: character references, full-width and dot-like
/// characters, zero-width characters, ISO-2022 escapes and defanging.
///
/// The text is kept as UTF-8 bytes, one byte per ASCII character, with a flag byte for each byte
/// only once a character has been marked (`Marks`): a 25 MB body costs 25 to 50 MB here, not the
/// 4 bytes a character (and a flag) of an array of scalars.
extension URLExtractor {
    /// Zero-width and invisible characters: joiners, word joiner, BOM, soft hyphen, invisible operators.
    static func isZeroWidth(_ v: UInt32) -> Bool {
        switch v {
        case 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD, 0x180E, 0x2061, 0x2062, 0x2063, 0x2064, 0x034F: true
        default: false
        }
    }

    /// Characters that read as a dot: ideographic, full-width and half-width full stops, one-dot leader, small full stop.
    static func isDotLike(_ v: UInt32) -> Bool {
        switch v {
        case 0x3002, 0xFF0E, 0xFF61, 0x2024, 0xFE52: true
        default: false
        }
    }

    /// Whether a character is not ASCII and nothing `normalize` changes: no zero-width, dot-like,
    /// full-width ASCII, look-alike letter or ideographic space character.
    @inline(__always) static func isPlain(_ v: UInt32) -> Bool {
        v >= 0x80 && v != 0x3000 && !(0xFF01...0xFF5E).contains(v) && !isZeroWidth(v) && !isDotLike(v)
            && !LookAlike.covers(v)
    }

    /// Letters and digits a browser reads as ASCII (UTS #46 maps them by NFKC) that spam writes a
    /// host with: mathematical alphanumerics (𝕔𝕣𝕪𝕡𝕥𝕠𝟜), letter-like symbols (ℂ, ℓ) and circled
    /// letters (ⓐ). Each maps to the ASCII letter or digit its NFKC form is, or to nothing (a Greek
    /// letter, a symbol of two characters).
    enum LookAlike {
        static let ranges: [ClosedRange<UInt32>] = [0x2100...0x214F, 0x24B6...0x24E9, 0x1D400...0x1D7FF]

        @inline(__always) static func covers(_ v: UInt32) -> Bool {
            (0x2100...0x214F).contains(v) || (0x24B6...0x24E9).contains(v) || (0x1D400...0x1D7FF).contains(v)
        }

        /// The ASCII byte for each character of `ranges`, 0 for none; made on first use, by
        /// Foundation's NFKC of each (some 1,150 characters, once a process).
        static let table: [UInt32: UInt8] = {
            var t: [UInt32: UInt8] = [:]
            for range in ranges {
                for v in range {
                    guard let c = Unicode.Scalar(v) else { continue }
                    let mapped = String(c).precomposedStringWithCompatibilityMapping.unicodeScalars
                    if mapped.count == 1, let m = mapped.first, m.isASCII, m.properties.isAlphabetic || (0x30...0x39).contains(m.value) {
                        t[v] = UInt8(m.value)
                    }
                }
            }
            return t
        }()

        /// The ASCII letter or digit `v` reads as, if any.
        static func ascii(_ v: UInt32) -> UInt8? { table[v] }
    }

    /// Which characters of a normalised text were defanged or obfuscated: a flag byte at the byte
    /// offset where each marked character starts. Made only when a first character is marked, so
    /// most texts cost nothing here, and never longer than the text.
    struct Marks {
        private(set) var flags: [UInt8] = []
        /// The length the text will have at most, reserved at the first mark.
        var capacity = 0

        mutating func add(_ offset: Int, _ f: UInt8) {
            guard f != 0 else { return }
            if flags.isEmpty { flags.reserveCapacity(max(capacity, offset + 1)) }
            if flags.count <= offset { flags.append(contentsOf: repeatElement(0, count: offset + 1 - flags.count)) }
            flags[offset] |= f
        }

        /// Sets (not adds to) the flag at `offset`.
        mutating func set(_ offset: Int, _ f: UInt8) {
            if offset < flags.count { flags[offset] = f } else { add(offset, f) }
        }

        /// Forgets the marks from `count` on.
        mutating func truncate(_ count: Int) {
            if flags.count > count { flags.removeLast(flags.count - count) }
        }

        /// The flag at `offset` (0 when unmarked).
        subscript(offset: Int) -> UInt8 { offset < flags.count ? flags[offset] : 0 }

        /// The flags of every character starting in `lo..<hi`.
        func union(_ lo: Int, _ hi: Int) -> UInt8 {
            var f: UInt8 = 0
            for k in lo..<max(lo, min(hi, flags.count)) { f |= flags[k] }
            return f
        }

        /// The same marks `by` bytes later.
        func shifted(by n: Int) -> Marks {
            var m = Marks()
            if !flags.isEmpty { m.flags = Array(repeating: 0, count: n) + flags }
            return m
        }
    }

    /// The UTF-8 of the text to scan, and the marks of the characters that were disguised.
    static func normalize(_ text: String) -> ([UInt8], Marks) {
        var text = text
        return text.withUTF8 { normalize(utf8: $0) }
    }

    /// `normalize` of the text whose UTF-8 is `utf8`, which must be valid UTF-8.
    static func normalize(utf8: [UInt8]) -> ([UInt8], Marks) {
        utf8.withUnsafeBufferPointer { normalize(utf8: $0) }
    }

    /// Both steps, on valid UTF-8: characters, then defanging.
    private static func normalize(utf8 src: UnsafeBufferPointer<UInt8>) -> ([UInt8], Marks) {
        var (out, marks) = normalizeCharacters(src)
        undoDefanging(&out, &marks)
        return (out, marks)
    }

    private static func normalizeCharacters(_ src: UnsafeBufferPointer<UInt8>) -> ([UInt8], Marks) {
        var out: [UInt8] = []
        out.reserveCapacity(src.count)
        var marks = Marks()
        marks.capacity = src.count
        var pending: UInt8 = 0
        var lastStart = -1
        func emit(_ c: Unicode.Scalar, _ f: UInt8) {
            lastStart = out.count
            marks.add(out.count, f | pending)
            pending = 0
            UTF8.encode(c) { out.append($0) }
        }
        let n = src.count
        var i = 0
        while i < n {
            let b = src[i]
            // Plain ASCII, the bulk of any text, is copied as it is, a run at a time.
            if b < 0x80, b != 0x1B, b != UInt8(ascii: "&") {
                var j = i + 1
                while j < n, src[j] < 0x80, src[j] != 0x1B, src[j] != UInt8(ascii: "&") { j += 1 }
                marks.add(out.count, pending)
                pending = 0
                lastStart = out.count + (j - i - 1)
                out.append(contentsOf: UnsafeBufferPointer(rebasing: src[i..<j]))
                i = j
                continue
            }
            let (c, len) = decodeScalar(src, i)
            let v = c.value
            // Other characters (kana, kanji, accented letters) are copied as they are, a run at a
            // time: the text is valid UTF-8, so its bytes are the character's encoding.
            if isPlain(v) {
                var j = i + len
                var last = i
                while j < n, src[j] >= 0x80 {
                    let (next, nextLength) = decodeScalar(src, j)
                    guard isPlain(next.value) else { break }
                    last = j
                    j += nextLength
                }
                marks.add(out.count, pending)
                pending = 0
                lastStart = out.count + (last - i)
                out.append(contentsOf: UnsafeBufferPointer(rebasing: src[i..<j]))
                i = j
                continue
            }
            if v == 0x1B {
                // A stray ISO-2022 escape (ESC ( B, ESC $ B, ESC $ ( D) separates words.
                var j = i + 1, count = 1
                while j < n, count <= 3, src[j] == UInt8(ascii: "(") || src[j] == UInt8(ascii: "$") || src[j] == UInt8(ascii: ")") || src[j] == UInt8(ascii: "&") {
                    j += 1
                    count += 1
                }
                if j < n, j > i + 1 { j += scalarLength(src[j]) }
                emit(" ", 0)
                i = j
                continue
            }
            if isZeroWidth(v) {
                pending |= Flags.obfuscated.rawValue
                i += len
                continue
            }
            if isDotLike(v) {
                emit(".", Flags.obfuscated.rawValue)
                i += len
                continue
            }
            if (0xFF01...0xFF5E).contains(v) {
                emit(Unicode.Scalar(v - 0xFF01 + 0x21)!, Flags.obfuscated.rawValue)
                i += len
                continue
            }
            if LookAlike.covers(v), let a = LookAlike.ascii(v) {
                emit(Unicode.Scalar(a), Flags.obfuscated.rawValue)
                i += len
                continue
            }
            if v == 0x3000 {
                emit(" ", 0)
                i += len
                continue
            }
            // A character reference needs two more characters after "&".
            if c == "&", i + 1 < n, i + 1 + scalarLength(src[i + 1]) < n {
                let next = decodeScalar(src, i + 1).0
                if next == "#" || next.properties.isAlphabetic {
                    var j = i + 1, count = 1
                    while j < n, count < 34, src[j] != UInt8(ascii: ";"), src[j] != UInt8(ascii: " "), src[j] != UInt8(ascii: "&") {
                        j += scalarLength(src[j])
                        count += 1
                    }
                    if j < n, src[j] == UInt8(ascii: ";") {
                        let ref = String(decoding: UnsafeBufferPointer(rebasing: src[i...j]), as: UTF8.self)
                        let decoded = HTMLText.decodeEntities(ref)
                        if decoded != ref, decoded.unicodeScalars.count == 1 {
                            let d = decoded.unicodeScalars.first!
                            let structural = d == "." || d == ":" || d == "/" || (d.isASCII && d.properties.isAlphabetic) || (48...57).contains(d.value)
                            // Re-run the decoded character through the rules above (e.g. &#12290; is 。).
                            let (inner, _) = normalize(decoded)
                            for s in String(decoding: inner, as: UTF8.self).unicodeScalars { emit(s, structural ? Flags.obfuscated.rawValue : 0) }
                            i = j + 1
                            continue
                        }
                    }
                }
            }
            emit(c, 0)
            i += len
        }
        if pending != 0, lastStart >= 0 { marks.add(lastStart, pending) }
        return (out, marks)
    }

    /// Replaces `[.]`, `(.)`, `{.}`, `[dot]`, `(dot)`, `[:]`, `[://]`, `hxxp` and friends.
    /// Disguises and what they stand for, as UTF-8.
    static let defangingRules: [(pattern: [UInt8], replacement: [UInt8])] = [
        ("[.]", "."), ("(.)", "."), ("{.}", "."), ("[dot]", "."), ("(dot)", "."), ("{dot}", "."),
        ("[:]", ":"), ("[://]", "://"), ("[/]", "/"), ("hxxps", "https"), ("hxxp", "http"), ("hxtps", "https"),
        ("hxtp", "http"), ("h**ps", "https"), ("h**p", "http"), ("h__ps", "https"), ("h__p", "http"), ("fxp", "ftp"),
        ("[at]", "@"), (" [.] ", "."), ("http[s]", "https"), ("https[:]//", "https://"), ("http[:]//", "http://"),
        // Japanese spam spells the dot out: "example(ドット)com", "exampleドットjp".
        ("(ドット)", "."), ("[ドット]", "."), ("{ドット}", "."), ("【ドット】", "."), ("【.】", "."), ("ドット", "."),
    ].map { (Array($0.0.utf8), Array($0.1.utf8)) }

    /// The rules in flat arrays, grouped by the first byte of their pattern (either case of a
    /// letter), so the scan of a long text touches no reference count and tries at a byte only
    /// the rules that can start there.
    struct RuleTable {
        enum Kind { case plain, scheme, spelledDot }
        var bytes: [UInt8] = []
        var pattern: [Range<Int>] = []
        var replacement: [Range<Int>] = []
        var kind: [Kind] = []
        /// The rules starting with byte `b` are `order[first[b]..<first[b + 1]]`.
        var first = [Int](repeating: 0, count: 257)
        var order: [Int] = []
        /// The bytes some rule starts with.
        var starts = Bytes.ByteSet([])
        /// The first two bytes of each rule (the second in either case, as it is compared), as bits of
        /// a 65,536-bit table: in Japanese text nearly every character starts with the lead byte
        /// 0xE3 that "ドット" and "【" start with, and the second byte rules most of them out.
        var pairs = [UInt64](repeating: 0, count: 1024)

        /// Whether some rule starts with `b0` then `b1`.
        @inline(__always) func startsRule(_ b0: UInt8, _ b1: UInt8) -> Bool {
            guard starts.contains(b0) else { return false }
            let key = Int(b0) << 8 | Int(b1)
            return pairs[key >> 6] & (1 << UInt64(key & 63)) != 0
        }

        init(_ rules: [(pattern: [UInt8], replacement: [UInt8])]) {
            // " [.] " and "[at]" are left as written: they never match.
            let live = rules.filter { $0.pattern[0] != UInt8(ascii: " ") && $0.pattern != Array("[at]".utf8) }
            var buckets = [[Int]](repeating: [], count: 256)
            for (k, rule) in live.enumerated() {
                pattern.append(bytes.count..<bytes.count + rule.pattern.count)
                bytes += rule.pattern
                replacement.append(bytes.count..<bytes.count + rule.replacement.count)
                bytes += rule.replacement
                let p0 = rule.pattern[0]
                kind.append(p0 == UInt8(ascii: "h") || p0 == UInt8(ascii: "f") ? .scheme : rule.pattern == Array("ドット".utf8) ? .spelledDot : .plain)
                buckets[Int(p0)].append(k)
                if Bytes.isLetter(p0) { buckets[Int(p0 - 0x20)].append(k) }
                let p1 = rule.pattern[1]
                for b0 in Bytes.isLetter(p0) ? [p0, p0 - 0x20] : [p0] {
                    for b1 in Bytes.isLetter(p1) ? [p1, p1 & ~0x20] : [p1] {
                        let key = Int(b0) << 8 | Int(b1)
                        pairs[key >> 6] |= 1 << UInt64(key & 63)
                    }
                }
            }
            for b in 0..<256 {
                first[b + 1] = first[b] + buckets[b].count
                order += buckets[b]
                if !buckets[b].isEmpty { starts.insert(UInt8(b)) }
            }
        }
    }

    static let ruleTable = RuleTable(defangingRules)

    /// Undoes the disguises in place: no rule makes its text longer, so what is written never
    /// overtakes what is still to be read (and a look back at `s[i - 1]` still sees the input).
    /// The text is valid UTF-8 (`normalize` made it) and every rule starts with an ASCII byte or a
    /// lead byte, so no rule can match inside a character.
    static func undoDefanging(_ s: inout [UInt8], _ f: inout Marks) {
        let t = ruleTable
        let n = s.count
        var o = 0  // where the next output byte goes
        var i = 0
        outer: while i < n {
            // The bytes up to the next one that starts a rule are taken as they are: in place until a
            // first rule matched, moved down (with their marks) after.
            // Every rule is at least three bytes long, so the last byte starts none.
            var j = i
            while j + 1 < n, !t.startsRule(s[j], s[j + 1]) { j += 1 }
            if j + 1 >= n { j = n }
            if j > i {
                if o != i {
                    s.withUnsafeMutableBufferPointer { b in
                        for k in 0..<(j - i) { b[o + k] = b[i + k] }  // o < i: a forward copy is safe
                    }
                    if !f.flags.isEmpty { for k in 0..<(j - i) { f.set(o + k, f[i + k]) } }
                }
                o += j - i
                i = j
                guard i < n else { break }
            }
            let c = s[i]
            for r in t.first[Int(c)]..<t.first[Int(c) + 1] {
                let k = t.order[r]
                let p = t.pattern[k]
                guard i + p.count <= n else { continue }
                var match = true
                for m in 1..<p.count where Bytes.lower(s[i + m]) != t.bytes[p.lowerBound + m] { match = false; break }
                guard match else { continue }
                switch t.kind[k] {
                case .scheme:
                    // `hxxp` only as a scheme: it must be followed by "s:" / ":" soon.
                    let next = i + p.count
                    guard next < n, s[next] == UInt8(ascii: ":") || s[next] == UInt8(ascii: "[") else { continue }
                    if i > 0, Bytes.isLetter(s[i - 1]) { continue }
                case .spelledDot:
                    // A bare "ドット" is a dot only between two parts of a name ("exampleドットcom").
                    func isNameChar(_ c: UInt8) -> Bool { Bytes.isLetter(c) || Bytes.isDigit(c) || c == UInt8(ascii: "-") }
                    guard i > 0, isNameChar(s[i - 1]), i + p.count < n, isNameChar(s[i + p.count]) else { continue }
                case .plain:
                    break
                }
                let merged = f.union(i, i + p.count) | Flags.defanged.rawValue
                for r in t.replacement[k] {
                    s[o] = t.bytes[r]
                    f.set(o, merged)
                    o += 1
                }
                i += p.count
                continue outer
            }
            // Until a first rule matched, every byte is already where it belongs.
            if o != i {
                s[o] = c
                f.set(o, f[i])
            }
            o += 1
            i += 1
        }
        s.removeLast(n - o)
        f.truncate(o)
    }

}

// MARK: - UTF-8

/// The length of the UTF-8 sequence a lead byte starts (1 for a stray continuation byte).
@inline(__always) func scalarLength(_ lead: UInt8) -> Int {
    lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
}

/// The scalar whose UTF-8 starts at `i`, and its length; U+FFFD for a malformed sequence.
@inline(__always) func decodeScalar<C: RandomAccessCollection<UInt8>>(_ s: C, _ i: C.Index) -> (Unicode.Scalar, Int) where C.Index == Int {
    let b0 = s[i]
    if b0 < 0x80 { return (Unicode.Scalar(b0), 1) }
    let len = scalarLength(b0)
    guard len > 1, i + len <= s.endIndex else { return ("\u{FFFD}", 1) }
    var v = UInt32(b0) & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07)
    for k in 1..<len {
        let b = s[i + k]
        guard b & 0xC0 == 0x80 else { return ("\u{FFFD}", 1) }
        v = v << 6 | UInt32(b & 0x3F)
    }
    return (Unicode.Scalar(v) ?? "\u{FFFD}", len)
}

/// The scalar that ends just before `i`, or nil at the start.
@inline(__always) func scalarBefore(_ s: [UInt8], _ i: Int) -> Unicode.Scalar? {
    guard i > 0 else { return nil }
    var k = i - 1
    while k > 0, s[k] & 0xC0 == 0x80, i - k < 4 { k -= 1 }
    return decodeScalar(s, k).0
}
