/// A parsed `Authentication-Results:` header (RFC 8601 §2.2).
public struct AuthenticationResults: Sendable, Hashable {
    /// One `method=result` statement with its properties (`smtp.mailfrom`, `header.d`, …).
    public struct Result: Sendable, Hashable {
        public var method: String
        public var result: String
        public var properties: [String: String]
    }

    /// The host (ADMD) that wrote the header.
    public var authservID: String
    public var results: [Result]

    /// Parses a header value; nil when it has no authserv-id.
    public init?(_ value: String) {
        let cleaned = AuthenticationResults.stripComments(value)
        let statements = ContentType.splitOutsideQuotes(cleaned, separator: ";")
            .map { $0.trimmingCharacters(in: " \t\r\n") }
        // The first word of the head (an ASCII head, nearly all, is split on its bytes).
        guard let head = statements.first,
            let id = Bytes.isASCII(head.utf8) ? head.utf8.split(separator: 0x20, maxSplits: 1).first.map(Substring.init) : head.split(separator: " ").first,
            !id.utf8.contains(0x3D)
        else { return nil }
        authservID = id.lowercased().trimmingCharacters(in: ".")
        results = []
        for statement in statements.dropFirst() where !statement.isEmpty {
            var words = AuthenticationResults.words(statement)
            // "spf = pass" written with spaces around "="
            var joined: [String] = []
            var k = 0
            while k < words.count {
                if k + 2 < words.count, words[k + 1] == "=" {
                    joined.append(words[k] + "=" + words[k + 2]); k += 3
                } else { joined.append(words[k]); k += 1 }
            }
            words = joined
            guard let first = words.first, let eq = first.firstIndex(of: "=") else { continue }
            let method = first[..<eq].lowercased().split(separator: "/").first.map(String.init) ?? ""
            let result = first[first.index(after: eq)...].lowercased()
            guard !method.isEmpty, !result.isEmpty else { continue }
            var props: [String: String] = [:]
            for w in words.dropFirst() {
                guard let e = w.firstIndex(of: "=") else { continue }
                let key = w[..<e].lowercased()
                var val = String(w[w.index(after: e)...])
                if val.hasPrefix("\"") { val = ContentType.unquote(val) }
                if props[key] == nil { props[key] = val }
            }
            results.append(Result(method: method, result: result, properties: props))
        }
    }

    /// The results for one method (`spf`, `dkim`, `dmarc`).
    public func results(for method: String) -> [Result] { results.filter { $0.method == method } }

    /// Splits at white space outside quoted strings.
    static func words(_ s: String) -> [String] {
        var words: [String] = []
        var inQuotes = false
        if Bytes.isASCII(s.utf8) {
            // ASCII (nearly every value): the words are runs of bytes.
            var s = s
            s.withUTF8 { b in
                var start = 0
                for k in 0...b.count {
                    if k < b.count {
                        let c = b[k]
                        if c == 0x22 { inQuotes.toggle() }
                        guard !inQuotes, c == 0x20 || (0x09...0x0D).contains(c) else { continue }
                    }
                    if k > start { words.append(String(decoding: UnsafeBufferPointer(rebasing: b[start..<k]), as: UTF8.self)) }
                    start = k + 1
                }
            }
            return words
        }
        var current: [UInt8] = []
        for u in s.unicodeScalars {
            if u == "\"" { inQuotes.toggle() }
            let space = u.isASCII ? (u == " " || (0x09...0x0D).contains(u.value)) : u.properties.isWhitespace
            if space && !inQuotes {
                if !current.isEmpty { words.append(String(decoding: current, as: UTF8.self)); current.removeAll(keepingCapacity: true) }
            } else {
                UTF8.encode(u) { current.append($0) }
            }
        }
        if !current.isEmpty { words.append(String(decoding: current, as: UTF8.self)) }
        return words
    }

    static func stripComments(_ s: String) -> String {
        // Without "(" there is no comment: most values are returned as they are.
        var s = s
        guard s.withUTF8({ $0.contains(0x28) }) else { return s }
        return s.withUTF8 { b in
            // The delimiters are ASCII, so the bytes are walked.
            var out: [UInt8] = []
            out.reserveCapacity(b.count)
            var depth = 0
            var inQuotes = false
            for c in b {
                if c == 0x22 && depth == 0 { inQuotes.toggle() }
                if !inQuotes {
                    if c == 0x28 { depth += 1; continue }
                    if c == 0x29 && depth > 0 { depth -= 1; continue }
                }
                if depth == 0 { out.append(c) }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}
