/// A parsed Content-Type (RFC 2045 §5) or Content-Disposition (RFC 2183) value with its parameters.
///
/// Parameters follow RFC 2231: continuations (`name*0`, `name*1*`), charset and language
/// (`UTF-8''%E6%97%A5`), and, as mail clients tolerate, RFC 2047 encoded words inside quoted values.
public struct ContentType: Sendable, Hashable {
    /// Lower-cased type, e.g. `text`.
    public var type: String
    /// Lower-cased subtype, e.g. `plain`.
    public var subtype: String
    /// Parameters by lower-cased name, values decoded.
    public var parameters: [String: String]

    public init(type: String, subtype: String, parameters: [String: String] = [:]) {
        self.type = type
        self.subtype = subtype
        self.parameters = parameters
    }

    /// `type/subtype`.
    public var mimeType: String { "\(type)/\(subtype)" }

    public var charset: String? { parameters["charset"] }
    public var boundary: String? { parameters["boundary"] }

    /// The default for a part without Content-Type (RFC 2045 §5.2), or `message/rfc822` inside multipart/digest.
    public static let textPlain = ContentType(type: "text", subtype: "plain", parameters: ["charset": "us-ascii"])

    /// Parses a Content-Type value; nil when not even `type/subtype` can be read.
    public static func parse(_ value: String) -> ContentType? {
        let (head, params) = splitParameters(value)
        // An ASCII head (nearly all) is split on its bytes, any other by Character.
        let pieces = Bytes.isASCII(head.utf8)
            ? head.utf8.split(separator: 0x2F, maxSplits: 1, omittingEmptySubsequences: false).map { Substring($0) }
            : head.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let parts = pieces.map { $0.trimmingCharacters(in: " \t\"") }
        guard parts.count == 2, !parts[0].isEmpty, !parts[0].utf8.contains(0x20) else {
            // `text` alone: keep the type, take the default subtype.
            let t = parts.first?.lowercased() ?? ""
            if t == "text" { return ContentType(type: "text", subtype: "plain", parameters: params) }
            return nil
        }
        var subtype = parts[1].lowercased()
        if subtype.isEmpty { subtype = parts[0].lowercased() == "text" ? "plain" : "octet-stream" }
        return ContentType(type: parts[0].lowercased(), subtype: subtype, parameters: params)
    }

    /// Splits `value; a=b; c*=…` into the leading token and decoded parameters.
    ///
    /// Comments are dropped, parameters may be separated by white space where a `;` is missing, and
    /// the first occurrence of a name wins.
    public static func splitParameters(_ value: String) -> (String, [String: String]) {
        // Every delimiter is ASCII, so the UTF-8 bytes are read directly (a byte of a longer
        // character is never one of them).
        let scalars = Array(AuthenticationResults.stripComments(value).utf8)
        var i = 0
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A }
        let semicolon = UInt8(ascii: ";"), equals = UInt8(ascii: "="), quote = UInt8(ascii: "\""), slash = UInt8(ascii: "/")
        // The leading token: up to ";" or, after a "/" and a subtype, white space.
        var head: [UInt8] = []
        var sawSlash = false
        var sawSubtype = false
        // Whether an "=" is still to come: computed once, so a long run of words stays linear.
        let lastEquals = scalars.lastIndex(of: equals) ?? -1
        while i < scalars.count, scalars[i] != semicolon {
            let c = scalars[i]
            if isSpace(c) {
                if sawSubtype, !(i + 1 < scalars.count && scalars[i + 1] == slash) {
                    // "type/subtype name=value" without ";" — the rest are parameters.
                    if lastEquals > i { break }
                }
                i += 1
                continue
            }
            if c == slash { sawSlash = true } else if sawSlash { sawSubtype = true }
            head.append(c)
            i += 1
        }
        var simple: [String: String] = [:]
        var pieces: [String: [Int: (String, Bool)]] = [:]
        while i < scalars.count {
            while i < scalars.count, scalars[i] == semicolon || isSpace(scalars[i]) { i += 1 }
            var name: [UInt8] = []
            while i < scalars.count, scalars[i] != equals, scalars[i] != semicolon {
                if !isSpace(scalars[i]) { name.append(scalars[i]) }
                i += 1
            }
            guard i < scalars.count, scalars[i] == equals else { continue }
            i += 1
            while i < scalars.count, isSpace(scalars[i]) { i += 1 }
            var raw: [UInt8] = []
            var quoted = false
            if i < scalars.count, scalars[i] == quote {
                quoted = true
                i += 1
                while i < scalars.count, scalars[i] != quote {
                    if scalars[i] == UInt8(ascii: "\\"), i + 1 < scalars.count { i += 1 }
                    if scalars[i] != 0x0D && scalars[i] != 0x0A { raw.append(scalars[i]) }
                    i += 1
                }
                i += 1
            } else {
                while i < scalars.count, scalars[i] != semicolon, !isSpace(scalars[i]) { raw.append(scalars[i]); i += 1 }
                // An unquoted run of encoded words (`name==?…?= =?…?=.jpg`) goes on to the next ";".
                if raw.starts(with: "=?".utf8) {
                    while i < scalars.count, scalars[i] != semicolon { raw.append(scalars[i]); i += 1 }
                    while let last = raw.last, isSpace(last) { raw.removeLast() }
                }
                if raw.isEmpty { continue }  // `name=` with nothing after it
            }
            let rawName = String(decoding: name, as: UTF8.self).lowercased()
            guard !rawName.isEmpty, rawName.first != "*" else { continue }
            let text = String(decoding: raw, as: UTF8.self)
            // RFC 2231: name*N, name*N*, name*
            // (Split only when there is a star: most names have none.)
            let starParts = rawName.utf8.contains(0x2A) ? rawName.split(separator: "*", omittingEmptySubsequences: false) : [Substring(rawName)]
            if starParts.count > 1 {
                let base = String(starParts[0])
                let extended = rawName.hasSuffix("*")
                let index = starParts.count > 2 || !extended ? Int(starParts[1]) : 0
                guard let index, index >= 0 else { continue }
                if pieces[base] == nil { pieces[base] = [:] }
                if pieces[base]![index] == nil { pieces[base]![index] = (text, extended) }
            } else if simple[rawName] == nil {
                simple[rawName] = quoted || text.has("=?") ? EncodedWord.decode(text) : text
            }
        }
        for (name, parts) in pieces where simple[name] == nil || parts[0] != nil {
            var bytes: [UInt8] = []
            var charset: String?
            // Segments are joined in index order; a missing index loses only that segment.
            for key in parts.keys.sorted() {
                let (text, extended) = parts[key]!
                if extended {
                    var t = Substring(text)
                    if key == 0 {
                        let fields = text.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                        if fields.count == 3 {
                            charset = fields[0].isEmpty ? nil : String(fields[0])
                            t = fields[2]
                        }
                    } else if let charset, text.lowercased().hasPrefix(charset.lowercased() + "'") {
                        // Some senders repeat `charset'` in every segment; it is not part of the value.
                        t = t.dropFirst(charset.count + 1)
                    }
                    bytes += percentDecode(t)
                } else {
                    bytes += Array(text.utf8)
                }
            }
            if !bytes.isEmpty || simple[name] == nil {
                simple[name] = Charset.decode(bytes, label: charset ?? "utf-8").text
            }
        }
        return (String(decoding: head, as: UTF8.self), simple)
    }

    static func percentDecode(_ s: Substring) -> [UInt8] {
        s.utf8.withContiguousStorageIfAvailable(percentDecode(utf8:)) ?? Array(s.utf8).withUnsafeBufferPointer(percentDecode(utf8:))
    }

    /// `percentDecode` on UTF-8 bytes, into a buffer of their size (no escape makes the text longer).
    static func percentDecode(utf8 u: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: u.count) { out, count in
            var i = 0
            var k = 0
            while i < u.count {
                if u[i] == 0x25, i + 2 < u.count, let h = Bytes.hexValue(u[i + 1]), let l = Bytes.hexValue(u[i + 2]) {
                    out[k] = h << 4 | l
                    i += 3
                } else {
                    out[k] = u[i]
                    i += 1
                }
                k += 1
            }
            count = k
        }
    }

    static func unquote(_ s: String) -> String {
        var out = ""
        var escaped = false
        var first = true
        for c in s {
            if first { first = false; if c == "\"" { continue } }
            if escaped { out.append(c); escaped = false; continue }
            if c == "\\" { escaped = true; continue }
            if c == "\"" { break }
            out.append(c)
        }
        return out
    }

    static func splitOutsideQuotes(_ s: String, separator: Unicode.Scalar) -> [Substring] {
        var result: [Substring] = []
        forEachOutsideQuotes(s, separator: separator) { result.append($0); return true }
        return result
    }

    /// `splitOutsideQuotes`, each part handed to `body` as it is cut, until `body` says false: a
    /// caller that needs the first few parts of a long list makes no array of them all.
    static func forEachOutsideQuotes(_ s: String, separator: Unicode.Scalar, _ body: (Substring) -> Bool) {
        precondition(separator.isASCII, "an ASCII separator")
        // Quotes, backslashes and the separator are ASCII: the bytes are walked, and every cut falls
        // between characters.
        let sep = UInt8(separator.value)
        let u = s.utf8
        var start = u.startIndex
        var inQuotes = false
        var escaped = false
        var i = u.startIndex
        while i < u.endIndex {
            let c = u[i]
            if escaped { escaped = false } else if c == 0x5C && inQuotes { escaped = true } else if c == 0x22 {
                inQuotes.toggle()
            } else if c == sep && !inQuotes {
                guard body(s[start..<i]) else { return }
                start = u.index(after: i)
            }
            i = u.index(after: i)
        }
        _ = body(s[start...])
    }
}

extension StringProtocol {
    /// `self` without the characters of `set` at either end. Linear: the ends move by index
    /// (Collection's `dropLast()` counts the whole string each time).
    func trimmingCharacters(in set: String) -> String {
        if case let trimmed?? = utf8.withContiguousStorageIfAvailable({ Self.trimmedASCII($0, set: set) }) { return trimmed }
        var lo = startIndex
        var hi = endIndex
        while lo < hi, set.contains(self[lo]) { lo = index(after: lo) }
        while hi > lo, set.contains(self[index(before: hi)]) { hi = index(before: hi) }
        return String(self[lo..<hi])
    }

    /// `trimmingCharacters(in:)` on UTF-8 bytes, for a set of ASCII characters; nil when the
    /// bytes at an end could make a Character of more than one byte (a CR LF pair, or an ASCII byte
    /// beside a non-ASCII one, which may combine with it): the caller then compares Characters.
    private static func trimmedASCII(_ u: UnsafeBufferPointer<UInt8>, set: String) -> String? {
        var members = Bytes.ByteSet([])
        var setBytes = set.utf8.makeIterator()
        var pending = setBytes.next()
        while let b = pending {
            guard b < 0x80 else { return nil }
            pending = setBytes.next()
            if b == 0x0D, pending == 0x0A {
                pending = setBytes.next()  // "\r\n" is one Character: neither byte alone is in the set
                continue
            }
            members.insert(b)
        }
        func inSet(_ b: UInt8) -> Bool { members.contains(b) }
        var lo = 0
        var hi = u.count
        while lo < hi {
            let b = u[lo]
            let next: UInt8? = lo + 1 < u.count ? u[lo + 1] : nil
            if b == 0x0D, next == 0x0A { return nil }
            guard inSet(b) else { break }
            if let next, next >= 0x80 { return nil }
            lo += 1
        }
        while hi > lo {
            let b = u[hi - 1]
            let before: UInt8? = hi - 2 >= lo ? u[hi - 2] : nil
            if b == 0x0A, before == 0x0D { return nil }
            guard inSet(b) else { break }
            if let before, before >= 0x80 { return nil }
            hi -= 1
        }
        return (String(decoding: UnsafeBufferPointer(rebasing: u[lo..<hi]), as: UTF8.self))
    }
}
