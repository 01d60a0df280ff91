/// Finds the URLs in body text and HTML link targets, undoing the disguises spam uses.
///
/// Handles `hxxp`, `[.]`, `(.)`, `{.}`, `[dot]`, `[:]`; full-width forms (NFKC); `。` `．` `｡` as dots;
/// zero-width characters and soft hyphens; character references; scheme-less `www.` names and
/// `name.tld/path` with a TLD from the Public Suffix List; IP hosts in dotted, hexadecimal, octal or
/// single-number form; IDN hosts (to A-labels). E-mail addresses are not URLs.
///
/// - Important: nothing here opens, resolves or fetches a URL.
public enum URLExtractor {
    struct Flags: OptionSet {
        let rawValue: UInt8
        static let defanged = Flags(rawValue: 1)
        static let obfuscated = Flags(rawValue: 2)
    }

    /// Every URL in `text`, in order.
    public static func extract(text: String, part: String = "text", limit: Int = .max) -> [ExtractedURL] {
        let (s, f) = normalize(text)
        return scan(s, f, part: part, limit: limit)
    }

    /// Every URL in the text whose UTF-8 is `utf8` (valid UTF-8, as `Charset.Decoded.utf8` is), in order.
    static func extract(utf8: [UInt8], part: String = "text", limit: Int = .max) -> [ExtractedURL] {
        let (s, f) = normalize(utf8: utf8)
        return scan(s, f, part: part, limit: limit)
    }

    /// The URLs named by a link target (an HTML `href`/`src` value): the target itself and any URL it
    /// carries in its path or query (a redirector's destination). Empty for mailto:, tel:, javascript:,
    /// fragments and relative paths ("/path?u=http://x" is a relative link, not a URL).
    public static func extract(link: String, part: String = "html") -> [ExtractedURL] {
        var (s, f) = normalize(link.trimmingCharacters(in: " \t\r\n"))
        // Twelve characters take at most 48 bytes.
        let lower = String(String(decoding: s.prefix(48), as: UTF8.self).unicodeScalars.prefix(12)).lowercased()
        for skip in ["mailto:", "tel:", "javascript:", "data:", "cid:", "sms:", "#", "about:", "file:"] where lower.hasPrefix(skip) {
            return []
        }
        if lower.hasPrefix("//") {
            s = Array("http:".utf8) + s
            f = f.shifted(by: 5)
        }
        guard lower.first.map({ $0.isLetter || $0.isNumber }) == true || lower.hasPrefix("//") else { return [] }
        let found = scan(s, f, part: part)
        // The scan reads the target as text; a browser reads it as a URL, and goes to the host after
        // the last "@" of its authority, mapped as UTS #46 maps it. Where the two may differ (user-info,
        // escapes, characters beyond ASCII in the authority), the browser's reading is the one kept.
        guard let browser = browserReading(link), browser.needed else { return found }
        var read = scan(normalize(browser.url).0, Marks(), part: part)
        if let first = found.first, first.host == read.first?.host { return found }
        if !read.isEmpty { read[0].obfuscated = true }
        return read
    }

    /// A special-scheme (http, https) link target as the WHATWG URL standard reads it: the target
    /// rebuilt as `scheme://host[:port]` and the rest, with the host taken after the last "@" of the
    /// authority (which ends at the first "/", "\\", "?" or "#"; a look-alike slash is no end),
    /// percent-decoded and mapped (NFKC, lower case, ideographic full stops as dots, format characters
    /// left out). `needed` says whether the reading can differ from the text scan's: an authority
    /// with "@", "%" or "\\", or not ASCII.
    static func browserReading(_ target: String) -> (url: String, needed: Bool)? {
        var u = Array(target.utf8)
        // Leading and trailing C0 controls and spaces go; tabs and line breaks anywhere.
        while let first = u.first, first <= 0x20 { u.removeFirst() }
        while let last = u.last, last <= 0x20 { u.removeLast() }
        u.removeAll { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        guard let colon = u.prefix(8).firstIndex(of: 0x3A) else { return nil }
        let scheme = String(decoding: u[..<colon], as: UTF8.self).lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        var i = colon + 1
        while i < u.count, u[i] == 0x2F || u[i] == 0x5C { i += 1 }
        var end = i
        while end < u.count, u[end] != 0x2F, u[end] != 0x5C, u[end] != 0x3F, u[end] != 0x23 { end += 1 }
        let authority = u[i..<end]
        let needed = authority.contains { (b: UInt8) -> Bool in b == 0x40 || b == 0x25 || b >= 0x80 }
        guard needed else { return ("", false) }
        var hostPort = authority
        if let at = authority.lastIndex(of: 0x40) { hostPort = authority[(at + 1)...] }
        var port: ArraySlice<UInt8> = []
        if hostPort.first != 0x5B, let c = hostPort.lastIndex(of: 0x3A) {
            port = hostPort[c...]
            hostPort = hostPort[..<c]
        }
        let decoded = String(decoding: ContentType.percentDecode(Substring(String(decoding: hostPort, as: UTF8.self))), as: UTF8.self)
        var host = String.UnicodeScalarView()
        for c in decoded.precomposedStringWithCompatibilityMapping.lowercased().unicodeScalars {
            if c.value == 0x3002 || c.value == 0xFF61 { host.append("."); continue }
            if c.properties.generalCategory == .format || (0xFE00...0xFE0F).contains(c.value) || c.value == 0xAD { continue }
            host.append(c)
        }
        let portText = String(decoding: port, as: UTF8.self)
        let rest = String(decoding: u[end...], as: UTF8.self)
        let url: String = scheme + "://" + String(host) + portText + rest
        return (url, true)
    }

    // MARK: - Character classes

    // The ASCII classes are tests, not tables: a static table costs a call to its lazy
    // initialiser's guard at every byte of the scan.

    /// ASCII letters, digits, "-", "." and "_".
    @inline(__always) static func isASCIIHost(_ b: UInt8) -> Bool {
        Bytes.isAlnum(b) || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b == UInt8(ascii: "_")
    }

    /// ASCII characters of an authority: letters, digits and "-._~%:@".
    @inline(__always) static func isASCIIAuthority(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "%"), UInt8(ascii: ":"), UInt8(ascii: "@"): true
        default: Bytes.isAlnum(b)
        }
    }

    /// ASCII characters of a path: printable, but not `<>"`{}|\`.
    @inline(__always) static func isASCIIPath(_ b: UInt8) -> Bool {
        switch b {
        case 0...0x20, 0x7F...: false
        case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""), UInt8(ascii: "`"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "|"), UInt8(ascii: "\\"): false
        default: true
        }
    }

    static func isHostChar(_ c: Unicode.Scalar, allowUnicode: Bool) -> Bool {
        if c.isASCII { return isASCIIHost(UInt8(c.value)) }
        // The range test first: kana and kanji, most of a Japanese text, need no property lookup.
        return allowUnicode && !isCJKStop(c) && c.properties.isAlphabetic
    }

    /// `isHostChar` (with Unicode) for the character starting at byte `i`.
    @inline(__always) static func isHostChar(_ s: [UInt8], _ i: Int) -> Bool {
        let b = s[i]
        return b < 0x80 ? isASCIIHost(b) : isHostChar(decodeScalar(s, i).0, allowUnicode: true)
    }

    /// Characters of `userinfo@host:port` (RFC 3986 §3.2) as spam writes them; IPv6 brackets only
    /// when the authority starts with one.
    /// After a scheme, symbols such as ✪ may stand in a host too (UTS #46 allows them and browsers
    /// open such names); in bare text they are decoration around a name, not part of it.
    static func isAuthorityChar(_ c: Unicode.Scalar, bracketed: Bool, symbols: Bool = false) -> Bool {
        if c.isASCII {
            if isASCIIAuthority(UInt8(c.value)) { return true }
            return bracketed && (c == "[" || c == "]")
        }
        if symbols, c.properties.generalCategory == .otherSymbol, !(0x3000...0x303F).contains(c.value) { return true }
        return isIDNLetter(c)
    }

    /// A letter that may stand in an internationalised host name (kanji and kana included).
    static func isIDNLetter(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        return !c.isASCII && c.properties.isAlphabetic && !(0x3000...0x303F).contains(v) && !(0xFF00...0xFFEF).contains(v)
    }

    /// Characters that end a URL written in Japanese text: CJK punctuation, kana, ideographs, full-width forms.
    static func isCJKStop(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        return (0x3000...0x30FF).contains(v) || (0xFF00...0xFFEF).contains(v) || (0x2010...0x206F).contains(v)
            || (0x3400...0x9FFF).contains(v) || (0xF900...0xFAFF).contains(v) || (0x2190...0x2BFF).contains(v)
            || (0x1F000...0x1FAFF).contains(v)
    }

    static func isPathChar(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII { return isASCIIPath(UInt8(c.value)) }
        if c.properties.isWhitespace || isCJKStop(c) { return false }
        return true
    }

    /// The byte after the character starting at `i`.
    @inline(__always) static func next(_ s: [UInt8], _ i: Int) -> Int { i < s.count ? i + scalarLength(s[i]) : i + 1 }

    /// The end of the run of path characters (and backslashes) from `i`.
    static func pathEnd(_ s: [UInt8], from i: Int) -> Int {
        var e = i
        while e < s.count {
            let b = s[e]
            if b < 0x80 {
                guard isASCIIPath(b) || b == UInt8(ascii: "\\") else { break }
                e += 1
            } else {
                let (c, len) = decodeScalar(s, e)
                guard isPathChar(c) else { break }
                e += len
            }
        }
        return e
    }

    static func isSchemeLetter(_ b: UInt8) -> Bool { b == UInt8(ascii: "h") || b == UInt8(ascii: "H") || b == UInt8(ascii: "f") || b == UInt8(ascii: "F") }

    // MARK: - Scanning (over the UTF-8 of the normalised text; offsets are byte offsets)

    static func scan(_ s: [UInt8], _ f: Marks, part: String, depth: Int = 0, limit: Int = .max) -> [ExtractedURL] {
        var results: [ExtractedURL] = []
        func add(_ url: ExtractedURL) {
            results.append(url)
            // A redirector carries its destination in the path or query ("?u=http%3A%2F%2Fdest…"): report both.
            if depth < 3, let rest = URLExtractor.pathStart(url.url) {
                let decoded = ContentType.percentDecode(url.url[url.url.index(after: rest)...])
                // Any URL in it needs a "." (a name), a ":" (a scheme) or a "//": without them the scan
                // would find nothing.
                guard decoded.contains(0x2E) || decoded.contains(0x3A) || decoded.contains(0x2F) else { return }
                // Escapes may decode to bytes that are not UTF-8: those are repaired, as a String would.
                let tail = Bytes.isValidUTF8(decoded) ? decoded : Array(String(decoding: decoded, as: UTF8.self).utf8)
                for var u in scan(tail, Marks(), part: part, depth: depth + 1) {
                    u.defanged = u.defanged || url.defanged
                    u.obfuscated = u.obfuscated || url.obfuscated
                    // The outermost carrier is the one kept: this loop runs after the inner ones.
                    u.carrier = url.site
                    results.append(u)
                }
            }
        }
        var i = 0
        let n = s.count
        while i < n, results.count < limit {
            let c = s[i]
            // Schemes.
            // A scheme glued to an identifier ("_http://", "var_http://") is a name, not a link.
            if isSchemeLetter(c), !(i > 0 && s[i - 1] == UInt8(ascii: "_")) {
                if let (url, end) = schemeURL(s, f, at: i, part: part) {
                    if let url { add(url) }
                    i = end
                    continue
                }
            }
            // Scheme-relative "//host/path" after white space.
            if c == UInt8(ascii: "/"), i + 2 < n, s[i + 1] == UInt8(ascii: "/"), i == 0 || scalarBefore(s, i)!.properties.isWhitespace,
                isHostChar(s, i + 2)
            {
                let (url, end) = authorityAndPath(s, f, scheme: "http", hostStart: i + 2, urlStart: i, part: part)
                if let url { add(url) }
                i = max(end, i + 2)
                continue
            }
            // Bare names start at a letter or digit that follows a non-host character.
            if c != UInt8(ascii: "-"), c != UInt8(ascii: "."), c != UInt8(ascii: "_"), isHostChar(s, i), startsName(s, at: i) {
                let prev = i > 0 ? s[i - 1] : nil
                // The domain of an e-mail address ("user@host") or a path segment is not a URL of its own.
                // "@example.com" with its local part written in other characters is an address too;
                // a "www." name is a web host even there.
                let isAddress = prev == UInt8(ascii: "@")
                    && ((i >= 2 && isHostChar(scalarBefore(s, i - 1)!, allowUnicode: true)) || !startsWithWWW(s, at: i))
                // "path:to:file.pm": a name glued after "word:" is part of that token ("サイト:x.jp" is not).
                let inColonToken = prev == UInt8(ascii: ":") && i >= 2 && (Bytes.isLetter(s[i - 2]) || Bytes.isDigit(s[i - 2]))
                    && !startsWithWWW(s, at: i)
                if !isAddress, !inColonToken, prev != UInt8(ascii: "/"), let (url, end) = bareURL(s, f, at: i, part: part) {
                    if let url { add(url) }
                    i = max(end, next(s, i))
                    continue
                }
                // Skip the word, but not a scheme glued to its end ("clickhttp://…").
                i = next(s, i)
                while i < n, isHostChar(s, i) {
                    if isSchemeLetter(s[i]), schemeURL(s, f, at: i, part: part) != nil { break }
                    i = next(s, i)
                }
                continue
            }
            i = next(s, i)
        }
        return results
    }

    /// Whether a bare name may start at `i`: at the start, after a character that is not part of a
    /// host name, or after a run of dots and dashes that follows one ("-----www.example.com").
    static func startsName(_ s: [UInt8], at i: Int) -> Bool {
        var j = i
        while j > 0, s[j - 1] == UInt8(ascii: ".") || s[j - 1] == UInt8(ascii: "-") { j -= 1 }
        if j > 0, s[j - 1] < 0x80 { return !isASCIIHost(s[j - 1]) }
        guard let before = scalarBefore(s, j) else { return true }
        return !isHostChar(before, allowUnicode: true)
    }

    /// Whether `www.` (in any case) starts at `i`.
    static func startsWithWWW(_ s: [UInt8], at i: Int) -> Bool {
        i + 4 <= s.count && Bytes.lower(s[i]) == UInt8(ascii: "w") && Bytes.lower(s[i + 1]) == UInt8(ascii: "w")
            && Bytes.lower(s[i + 2]) == UInt8(ascii: "w") && s[i + 3] == UInt8(ascii: ".")
    }

    /// A URL with a scheme at `start`, or nil when there is no scheme there.
    static func schemeURL(_ s: [UInt8], _ f: Marks, at start: Int, part: String) -> (ExtractedURL?, Int)? {
        var j = start
        while j < s.count, j - start < 6, Bytes.isLetter(s[j]) { j += 1 }
        // Compared on the bytes: this runs at every "h" and "f" of a text.
        func spells(_ name: StaticString) -> Bool {
            j - start == name.utf8CodeUnitCount
                && (0..<name.utf8CodeUnitCount).allSatisfy { Bytes.lower(s[start + $0]) == name.utf8Start[$0] }
        }
        guard j < s.count, s[j] == UInt8(ascii: ":") else { return nil }
        let scheme: String
        if spells("http") {
            scheme = "http"
        } else if spells("https") {
            scheme = "https"
        } else if spells("ftp") {
            scheme = "ftp"
        } else {
            return nil
        }
        j += 1
        var slashes = 0
        while j < s.count, s[j] == UInt8(ascii: "/") || s[j] == UInt8(ascii: "\\") { j += 1; slashes += 1 }
        if slashes == 0 {
            // "http:www.example.com" is written by some mailers; anything else is not a URL.
            guard startsWithWWW(s, at: j) else { return nil }
        }
        return authorityAndPath(s, f, scheme: scheme, hostStart: j, urlStart: start, part: part)
    }

    /// A scheme-less `www.` name or `name.tld[/path]` at `start`.
    static func bareURL(_ s: [UInt8], _ f: Marks, at start: Int, part: String) -> (ExtractedURL?, Int)? {
        var j = start
        var count = 0
        // Where the first dot is, and whether a scheme could be glued on after the start ("clickhttp://").
        var firstDot = Int.max
        var schemeLetter = false
        let n = s.count
        while j < n {
            let b = s[j]
            if b < 0x80 {
                // One test a byte for the letters and digits that make up most of a word.
                if !Bytes.isAlnum(b) {
                    guard b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: ".") else { break }
                    if b == UInt8(ascii: "."), firstDot == .max { firstDot = j }
                } else if j > start, isSchemeLetter(b) {
                    schemeLetter = true
                }
                j += 1
            } else {
                guard isHostChar(decodeScalar(s, j).0, allowUnicode: true) else { break }
                j += scalarLength(b)
            }
            count += 1
        }
        // No host name is longer than 253 characters: a longer run is no name, and splitting it into
        // labels would cost memory in proportion to what a spammer chose to write.
        if count > 253 { return (nil, j) }
        let runEnd = j
        // Most words hold no dot: they are ruled out on the bytes, before any String is made. Without
        // a scheme letter in it the scan goes on after the word; with one it looks for a glued scheme.
        while j > start, s[j - 1] == UInt8(ascii: ".") || s[j - 1] == UInt8(ascii: "-") { j -= 1 }
        guard firstDot < j else { return schemeLetter ? nil : (nil, runEnd) }
        return dottedName(s, f, at: start, end: j, part: part)
    }

    /// The rest of `bareURL`, for a word `s[start..<end]` with a dot in it (apart from its own
    /// function, the word measured above costs no frame for the Strings below).
    @inline(never)
    static func dottedName(_ s: [UInt8], _ f: Marks, at start: Int, end j: Int, part: String) -> (ExtractedURL?, Int)? {
        let host = String(decoding: s[start..<j], as: UTF8.self)
        if j < s.count, s[j] == UInt8(ascii: "@") { return (nil, j) }  // the local part of an address
        // Split on the bytes when the name is ASCII (a byte is a character there), on characters otherwise.
        let labels =
            Bytes.isASCII(host.utf8)
            ? host.utf8.split(separator: 0x2E, omittingEmptySubsequences: false).map { Substring($0) }
            : host.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && ($0.utf8.count <= 63 || $0.count <= 63) }) else { return (nil, j) }
        let lowerHost = host.lowercased()
        let scheme = lowerHost.hasPrefix("ftp.") ? "ftp" : "http"
        // A bare IPv4 address is a URL only when a path follows it ("45.76.212.77/login").
        if labels.count == 4, labels.allSatisfy({ $0.allSatisfy(\.isNumber) }) {
            let pathFollows = j + 1 < s.count && s[j] == UInt8(ascii: "/") && isPathChar(decodeScalar(s, j + 1).0)
            let portFollows = j + 1 < s.count && s[j] == UInt8(ascii: ":") && Bytes.isDigit(s[j + 1])
            guard IPAddress(host) != nil, pathFollows || portFollows else { return (nil, j) }
            return authorityAndPath(s, f, scheme: "http", hostStart: start, urlStart: start, part: part)
        }
        if !lowerHost.hasPrefix("www.") && !lowerHost.hasPrefix("ftp.") {
            guard let tld = labels.last, let asciiTLD = DomainName.toASCII(String(tld)), DomainName.isKnownTLD(asciiTLD),
                !tld.allSatisfy(\.isNumber)
            else { return (nil, j) }
            // A dotted-number string is a version or an address, not a name.
            if labels.allSatisfy({ $0.allSatisfy(\.isNumber) }) { return (nil, j) }
            // "course.You can…", "FBI.Office": a sentence running on after a full stop. A capitalised
            // last label counts as a name only when the label before it is capitalised too ("Amazon.Com").
            func isCapitalised(_ l: Substring) -> Bool {
                guard let f = l.first, f.isUppercase else { return false }
                return l.dropFirst().contains(where: \.isLowercase) && !l.dropFirst().contains(where: \.isUppercase)
            }
            if let tld = labels.last, isCapitalised(tld), !isCapitalised(labels[labels.count - 2]) { return (nil, j) }
            // "2.CONTACT ADDRESS:": a numbered list item, not a name.
            if labels.count == 2, labels[0].count <= 2, labels[0].allSatisfy(\.isNumber) { return (nil, j) }
        } else if labels.count < 3 {
            return (nil, j)
        }
        return authorityAndPath(s, f, scheme: scheme, hostStart: start, urlStart: start, part: part)
    }

    static func authorityAndPath(_ s: [UInt8], _ f: Marks, scheme: String, hostStart: Int, urlStart: Int, part: String)
        -> (ExtractedURL?, Int)
    {
        let n = s.count
        let afterScheme = urlStart != hostStart
        var hostStart = hostStart
        if afterScheme {
            // Userinfo may hold any printable character ("http://$%^&(@host/"); browsers take the
            // host from after the last "@" before the path.
            var k = hostStart
            var count = 0
            var lastAt: Int?
            userinfo: while k < n, count < 256 {
                let b = s[k]
                if b < 0x80 {
                    // ASCII white space (U+0009-U+000D, U+0020) and the stops.
                    switch b {
                    case 0x09...0x0D, 0x20, UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: "\\"), UInt8(ascii: "<"),
                        UInt8(ascii: ">"), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: ")"), UInt8(ascii: "]"):
                        break userinfo
                    case UInt8(ascii: "@"): lastAt = k
                    default: break
                    }
                    k += 1
                } else {
                    let (c, len) = decodeScalar(s, k)
                    if c.properties.isWhitespace || isCJKStop(c) { break }
                    k += len
                }
                count += 1
            }
            if let lastAt, lastAt + 1 < n { hostStart = lastAt + 1 }
        }
        // Authority: up to "/", "?", "#", "\" or a stop character.
        var j = hostStart
        var count = 0
        var bracketed = false
        while j < n {
            // An IPv6 literal opens right after the scheme or after userinfo.
            if s[j] == UInt8(ascii: "["), j == hostStart || s[j - 1] == UInt8(ascii: "@") { bracketed = true }
            let (c, len) = decodeScalar(s, j)
            guard isAuthorityChar(c, bracketed: bracketed, symbols: afterScheme) else { break }
            j += len
            count += 1
        }
        // No authority (userinfo, host, port) comes near this length: a longer run is no URL.
        if count > 1024 { return (nil, pathEnd(s, from: j)) }
        // An IDN label may be written in kana or kanji, but Japanese prose glued to an ASCII name is not part of
        // it: "example.comまで。またはhttps://…" ends where the ASCII name with its top-level label ends.
        let firstForeign = s[hostStart..<j].firstIndex(where: { $0 >= 0x80 })
        if let firstForeign, let lastDot = s[hostStart..<firstForeign].lastIndex(of: UInt8(ascii: ".")), lastDot + 1 < firstForeign,
            DomainName.isKnownTLD(String(decoding: s[(lastDot + 1)..<firstForeign], as: UTF8.self))
        {
            j = firstForeign
        } else if !s[hostStart..<j].contains(UInt8(ascii: ".")) {
            j = firstForeign ?? j
        }
        var authority = s[hostStart..<j]
        // Path, query and fragment.
        var end = pathEnd(s, from: j)
        // Trailing punctuation is prose, not URL; a closing bracket stays only when it is balanced.
        // The brackets are counted once and the counts kept as the end moves: linear in the URL.
        func trimTail(_ lo: Int, _ hi: inout Int) {
            // Opening and closing counts of (), [] and {}, in that order.
            func slot(_ c: UInt8) -> Int? {
                switch c {
                case 0x28: 0
                case 0x29: 1
                case 0x5B: 2
                case 0x5D: 3
                case 0x7B: 4
                case 0x7D: 5
                default: nil
                }
            }
            var counts = SIMD8<Int>()
            for c in s[lo..<hi] { if let k = slot(c) { counts[k] += 1 } }
            while hi > lo {
                let last = s[hi - 1]
                switch last {
                case UInt8(ascii: "."), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "!"), UInt8(ascii: "?"),
                    UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "*"):
                    hi -= 1
                    continue
                default: break
                }
                // Opening brackets before the last one against the closing ones (the last included).
                if let close = slot(last), close & 1 == 1, counts[close - 1] < counts[close] {
                    counts[close] -= 1
                    hi -= 1
                    continue
                }
                break
            }
        }
        if end == j {
            var a = j
            trimTail(hostStart, &a)
            authority = s[hostStart..<a]
            end = a
        } else {
            trimTail(j, &end)
        }
        // Userinfo.
        if let at = authority.lastIndex(of: UInt8(ascii: "@")) { authority = authority[(at + 1)...] }
        var hostText = String(decoding: authority, as: UTF8.self)
        var port = ""
        if hostText.hasPrefix("[") {
            if let close = hostText.firstIndex(of: "]") {
                let rest = hostText[hostText.index(after: close)...]
                if rest.hasPrefix(":") { port = String(rest.dropFirst()) }
                hostText = String(hostText[...close])
            }
        } else if let colon = hostText.utf8.lastIndex(of: 0x3A) {
            let u = hostText.utf8
            port = String(Substring(u[u.index(after: colon)...]))
            hostText = String(Substring(u[..<colon]))
        }
        let skip = max(end, next(s, hostStart))
        // A port that is no number up to 65535 makes the whole URL invalid, as browsers treat it.
        if !port.isEmpty, !port.allSatisfy({ $0.isASCII && $0.isNumber }) || port.count > 5 || Int(port)! > 65_535 {
            return (nil, skip)
        }
        // Percent-escapes in a host name decode to UTF-8 bytes (RFC 3986 §3.2.2).
        hostText = String(decoding: ContentType.percentDecode(Substring(hostText)), as: UTF8.self)
        while hostText.hasSuffix(".") || hostText.hasSuffix("-") { hostText.removeLast() }
        var flags = f.union(urlStart, max(urlStart, end))
        guard !hostText.isEmpty else { return (nil, skip) }
        let host: String
        let domain: String?
        if let ip = parseIPHost(hostText) {
            host = ip.0.description
            if ip.1 { flags |= Flags.obfuscated.rawValue }
            domain = nil
        } else {
            guard labelsAreValid(hostText), hostText.has("."), let ascii = DomainName.toASCII(hostText), ascii.utf8.count <= 253 else {
                return (nil, skip)
            }
            guard ascii.utf8.allSatisfy(isASCIIHost) else { return (nil, skip) }
            host = ascii
            domain = DomainName.registrableDomain(ascii)
            // Underscores occur in subdomain labels, never in a registered name.
            if domain?.has("_") == true { return (nil, skip) }
            if domain == nil, !DomainName.isKnownTLD(String(ascii.split(separator: ".").last ?? "")) {
                return (nil, skip)
            }
        }
        var path = end > j ? String(decoding: s[j..<end], as: UTF8.self) : ""
        if path.has("\\") { path = path.replacingOccurrences(of: "\\", with: "/") }
        if path.isEmpty || !path.hasPrefix("/") { path = "/" + path }
        let shownHost = host.has(":") ? "[\(host)]" : host
        let defaultPort = (scheme == "http" && port == "80") || (scheme == "https" && port == "443") || (scheme == "ftp" && port == "21")
        let url = "\(scheme)://\(shownHost)\(port.isEmpty || defaultPort ? "" : ":" + port)\(path)"
        let flagSet = Flags(rawValue: flags)
        return (
            ExtractedURL(
                url: url, host: host, domain: domain, defanged: flagSet.contains(.defanged),
                obfuscated: flagSet.contains(.obfuscated), part: part), end
        )
    }

    /// Whether every dot-separated label of a host is 1 to 63 characters, neither starts nor ends
    /// with "-" and does not start with "_". Printable ASCII (most hosts) is checked on its bytes,
    /// where a byte is a character.
    static func labelsAreValid(_ host: String) -> Bool {
        var host = host
        let printable = host.withUTF8 { b -> Bool? in
            var valid = true
            var start = 0
            for k in 0...b.count {
                if k < b.count {
                    guard b[k] > 0x20, b[k] < 0x7F else { return nil }
                    guard b[k] == 0x2E else { continue }
                }
                let count = k - start
                if count == 0 || count > 63 || b[start] == UInt8(ascii: "-") || b[k - 1] == UInt8(ascii: "-") || b[start] == UInt8(ascii: "_") {
                    valid = false
                }
                start = k + 1
            }
            return valid
        }
        if let printable { return printable }
        return host.split(separator: ".", omittingEmptySubsequences: false).allSatisfy {
            !$0.isEmpty && $0.count <= 63 && !$0.hasPrefix("-") && !$0.hasSuffix("-") && !$0.hasPrefix("_")
        }
    }

    /// Where the path of a normalised URL starts (the "/" after "scheme://host").
    static func pathStart(_ url: String) -> String.Index? {
        // On the contiguous bytes (the generic UTF-8 view goes a byte at a time through its index).
        var copy = url
        let offset = copy.withUTF8 { u -> Int? in
            guard let colon = u.firstIndex(of: 0x3A), colon + 3 <= u.count, u[colon + 1] == 0x2F, u[colon + 2] == 0x2F else { return nil }
            // The host before it is ASCII (an A-label or an address), so the first "/" byte is the path's.
            return u[(colon + 3)...].firstIndex(of: 0x2F)
        }
        return offset.map { url.utf8.index(url.utf8.startIndex, offsetBy: $0) }
    }

    /// Parses an IP host: IPv6 in brackets, or IPv4 in dotted, hexadecimal, octal or single-number form
    /// (as browsers read it). The flag says the form was unusual.
    static func parseIPHost(_ text: String) -> (IPAddress, Bool)? {
        if text.hasPrefix("[") { return IPAddress(text).map { ($0, false) } }
        // A name: its last label is no number (decimal, octal, or 0x hexadecimal).
        let last = text.utf8.lastIndex(of: 0x2E).map { text.utf8[text.utf8.index(after: $0)...] } ?? Substring(text).utf8[...]
        let isNumber = last.allSatisfy { (0x30...0x39).contains($0) } || last.starts(with: "0x".utf8) || last.starts(with: "0X".utf8)
        if !isNumber { return nil }
        if let ip = IPAddress(text), ip.isIPv4 { return (ip, false) }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...4).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        var values: [UInt64] = []
        for p in parts {
            let l = p.lowercased()
            let v: UInt64?
            if l.hasPrefix("0x") {
                v = l.count == 2 ? 0 : UInt64(l.dropFirst(2), radix: 16)
            } else if l.hasPrefix("0"), l.count > 1 {
                v = UInt64(l.dropFirst(), radix: 8)
            } else {
                v = UInt64(l, radix: 10)
            }
            guard let v else { return nil }
            values.append(v)
        }
        var total: UInt64 = 0
        for (k, v) in values.enumerated() {
            if k < values.count - 1 {
                guard v <= 255 else { return nil }
                total = total << 8 | v
            } else {
                let remaining = 4 - (values.count - 1)
                guard v < (UInt64(1) << (8 * UInt64(remaining))) else { return nil }
                total = total << (8 * UInt64(remaining)) | v
            }
        }
        let bytes = [UInt8(total >> 24 & 0xFF), UInt8(total >> 16 & 0xFF), UInt8(total >> 8 & 0xFF), UInt8(total & 0xFF)]
        return (IPAddress(bytes: bytes), true)
    }
}
