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
        guard let head = statements.first, let id = head.split(separator: " ").first, !id.contains("=") else { return nil }
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
        var current = ""
        var inQuotes = false
        for c in s {
            if c == "\"" { inQuotes.toggle() }
            if c.isWhitespace && !inQuotes {
                if !current.isEmpty { words.append(current); current = "" }
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    static func stripComments(_ s: String) -> String {
        var out = ""
        var depth = 0
        var inQuotes = false
        for c in s {
            if c == "\"" && depth == 0 { inQuotes.toggle() }
            if !inQuotes {
                if c == "(" { depth += 1; continue }
                if c == ")" && depth > 0 { depth -= 1; continue }
            }
            if depth == 0 { out.append(c) }
        }
        return out
    }
}
