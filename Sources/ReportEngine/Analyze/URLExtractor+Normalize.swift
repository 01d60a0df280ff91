/// Undoing the disguises before the scan: character references, full-width and dot-like
/// characters, zero-width characters, ISO-2022 escapes and defanging.
extension URLExtractor {
    static let zeroWidth: Set<UInt32> = [0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD, 0x180E, 0x2061, 0x2062, 0x2063, 0x2064, 0x034F]
    static let dotLike: Set<UInt32> = [0x3002, 0xFF0E, 0xFF61, 0x2024, 0xFE52]

    /// Produces the scalars to scan and, for each, how it came to be.
    static func normalize(_ text: String) -> ([Unicode.Scalar], [UInt8]) {
        let src = Array(text.unicodeScalars)
        var out: [Unicode.Scalar] = []
        var flags: [UInt8] = []
        out.reserveCapacity(src.count)
        flags.reserveCapacity(src.count)
        var pending: UInt8 = 0
        var i = 0
        func emit(_ c: Unicode.Scalar, _ f: UInt8) {
            out.append(c)
            flags.append(f | pending)
            pending = 0
        }
        while i < src.count {
            let c = src[i]
            let v = c.value
            if v == 0x1B {
                // A stray ISO-2022 escape (ESC ( B, ESC $ B, ESC $ ( D) separates words.
                var j = i + 1
                while j < src.count, j - i <= 3, src[j] == "(" || src[j] == "$" || src[j] == ")" || src[j] == "&" { j += 1 }
                if j < src.count, j > i + 1 { j += 1 }
                emit(" ", 0)
                i = j
                continue
            }
            if zeroWidth.contains(v) {
                pending |= Flags.obfuscated.rawValue
                i += 1
                continue
            }
            if dotLike.contains(v) {
                emit(".", Flags.obfuscated.rawValue)
                i += 1
                continue
            }
            if (0xFF01...0xFF5E).contains(v) {
                emit(Unicode.Scalar(v - 0xFF01 + 0x21)!, Flags.obfuscated.rawValue)
                i += 1
                continue
            }
            if v == 0x3000 {
                emit(" ", 0)
                i += 1
                continue
            }
            if c == "&", i + 2 < src.count, src[i + 1] == "#" || src[i + 1].properties.isAlphabetic {
                var j = i + 1
                while j < src.count, j - i < 34, src[j] != ";", src[j] != " ", src[j] != "&" { j += 1 }
                if j < src.count, src[j] == ";" {
                    let ref = String(String.UnicodeScalarView(src[i...j]))
                    let decoded = HTMLText.decodeEntities(ref)
                    if decoded != ref, decoded.unicodeScalars.count == 1 {
                        let d = decoded.unicodeScalars.first!
                        let structural = d == "." || d == ":" || d == "/" || (d.isASCII && d.properties.isAlphabetic) || (48...57).contains(d.value)
                        // Re-run the decoded character through the rules above (e.g. &#12290; is 。).
                        let (n, _) = normalize(decoded)
                        for s in n { emit(s, structural ? Flags.obfuscated.rawValue : 0) }
                        i = j + 1
                        continue
                    }
                }
            }
            emit(c, 0)
            i += 1
        }
        if pending != 0, !flags.isEmpty { flags[flags.count - 1] |= pending }
        undoDefanging(&out, &flags)
        return (out, flags)
    }

    /// Replaces `[.]`, `(.)`, `{.}`, `[dot]`, `(dot)`, `[:]`, `[://]`, `hxxp` and friends.
    /// Disguises and what they stand for, as scalars.
    static let defangingRules: [(pattern: [Unicode.Scalar], replacement: String)] = [
        ("[.]", "."), ("(.)", "."), ("{.}", "."), ("[dot]", "."), ("(dot)", "."), ("{dot}", "."),
        ("[:]", ":"), ("[://]", "://"), ("[/]", "/"), ("hxxps", "https"), ("hxxp", "http"), ("hxtps", "https"),
        ("hxtp", "http"), ("h**ps", "https"), ("h**p", "http"), ("h__ps", "https"), ("h__p", "http"), ("fxp", "ftp"),
        ("[at]", "@"), (" [.] ", "."), ("http[s]", "https"), ("https[:]//", "https://"), ("http[:]//", "http://"),
        // Japanese spam spells the dot out: "example(ドット)com", "exampleドットjp".
        ("(ドット)", "."), ("[ドット]", "."), ("{ドット}", "."), ("【ドット】", "."), ("【.】", "."), ("ドット", "."),
    ].map { (Array($0.0.unicodeScalars), $0.1) }

    static let atSign = Array("[at]".unicodeScalars)

    static func undoDefanging(_ s: inout [Unicode.Scalar], _ f: inout [UInt8]) {
        guard s.contains(where: { $0 == "[" || $0 == "(" || $0 == "{" || $0 == "x" || $0 == "X" || $0 == "*" || $0 == "_" || $0 == "ド" || $0 == "【" })
        else { return }
        var out: [Unicode.Scalar] = []
        var flags: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = 0
        outer: while i < s.count {
            let c = s[i]
            if c == "[" || c == "(" || c == "{" || c == "h" || c == "H" || c == " " || c == "f" || c == "F" || c == "ド" || c == "【" {
                let lowered = lowerASCII(c)
                for (p, replacement) in defangingRules where p[0] == lowered {
                    guard i + p.count <= s.count else { continue }
                    var match = true
                    for k in 0..<p.count where lowerASCII(s[i + k]) != p[k] { match = false; break }
                    guard match else { continue }
                    // `hxxp` only as a scheme: it must be followed by "s:" / ":" soon.
                    if p[0] == "h" || p[0] == "f" {
                        let next = i + p.count
                        guard next < s.count, s[next] == ":" || s[next] == "[" else { continue }
                        if i > 0, s[i - 1].isASCII, s[i - 1].properties.isAlphabetic { continue }
                    }
                    if p[0] == " " || p == atSign { continue }  // " [.] " and "[at]" are left as written
                    // A bare "ドット" is a dot only between two parts of a name ("exampleドットcom").
                    if p[0] == "ド" {
                        func isNameChar(_ c: Unicode.Scalar) -> Bool { c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "-") }
                        guard i > 0, isNameChar(s[i - 1]), i + p.count < s.count, isNameChar(s[i + p.count]) else { continue }
                    }
                    let merged = f[i..<(i + p.count)].reduce(0, |) | Flags.defanged.rawValue
                    for r in replacement.unicodeScalars {
                        out.append(r)
                        flags.append(merged)
                    }
                    i += p.count
                    continue outer
                }
            }
            out.append(c)
            flags.append(f[i])
            i += 1
        }
        s = out
        f = flags
    }

    static func lowerASCII(_ c: Unicode.Scalar) -> Unicode.Scalar {
        (65...90).contains(c.value) ? Unicode.Scalar(c.value + 32)! : c
    }
}
