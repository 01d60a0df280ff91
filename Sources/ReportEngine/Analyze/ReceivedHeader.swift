/// One parsed `Received:` header (RFC 5321 §4.4): who handed the message over (`from` side) and who
/// took it (`by`).
///
/// Understands the forms of Postfix, Sendmail, Exim, qmail, Exchange, Gmail and the Japanese carriers'
/// relays. Headers that record no network hop (local pickup, `qmail invoked`, HTTP submission, `by`
/// with no `from`) give `isRelay == false`.
public struct ReceivedHeader: Sendable, Hashable {
    /// The name the client gave in HELO/EHLO (forgeable).
    public var helo: String?
    /// The reverse-DNS name the receiving relay recorded for the client.
    public var rdns: String?
    /// The client's address, as the receiving relay recorded it.
    public var ip: IPAddress?
    /// The receiving host.
    public var by: String?
    /// The header as written, unfolded.
    public var text: String

    /// Whether this header records a hand-over from a network client.
    public var isRelay: Bool { ip != nil || rdns != nil || helo != nil }

    /// Names and addresses that identify the `from` side as the receiving relay recorded it.
    public var fromIdentities: [String] {
        var ids: [String] = []
        if let rdns { ids.append(rdns) }
        if let ip { ids.append(ip.description) }
        if rdns == nil, ip == nil, let helo { ids.append(helo) }
        return ids
    }

    /// Parses one Received value.
    public init(_ value: String) {
        text = value
        let v = value.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: "\t", with: " ")
        // The part before ";" is the trace; the date follows.
        let trace = v.lastIndex(of: ";").map { v[..<$0] } ?? v[...]
        let tokens = ReceivedHeader.tokenize(trace)
        var i = 0
        var fromTokens: [Token] = []
        var sawFrom = false
        while i < tokens.count {
            let t = tokens[i]
            if case .word(let w) = t {
                let lw = w.lowercased()
                if lw == "from", !sawFrom, by == nil {
                    sawFrom = true
                    i += 1
                    while i < tokens.count {
                        if case .word(let x) = tokens[i], ["by", "with", "id", "for", "via"].contains(x.lowercased()) { break }
                        fromTokens.append(tokens[i])
                        i += 1
                    }
                    continue
                }
                if lw == "by", by == nil, i + 1 < tokens.count, case .word(let host) = tokens[i + 1] {
                    by = host.trimmingCharacters(in: "[];,").lowercased()
                    i += 2
                    continue
                }
            }
            i += 1
        }
        if sawFrom { parseFrom(fromTokens) }
    }

    private mutating func parseFrom(_ tokens: [Token]) {
        var words: [String] = []
        var comments: [String] = []
        for t in tokens {
            switch t {
            case .word(let w): words.append(w)
            case .comment(let c): comments.append(c)
            }
        }
        var leadingName: String?
        var leadingIP: IPAddress?
        if let first = words.first {
            if let a = IPAddress(first.trimmingCharacters(in: "[]")) {
                leadingIP = a
            } else {
                let name = first.lowercased().trimmingCharacters(in: ".")
                if name != "unknown", !name.isEmpty { leadingName = name }
            }
        }
        // "from host [1.2.3.4]" (no comment)
        let wordIP = words.dropFirst().lazy.compactMap { $0.hasPrefix("[") ? IPAddress($0) : nil }.first
        var commentIP: IPAddress?
        var commentName: String?
        var heloParameter: String?
        var qmailHelo: String?
        for c in comments {
            let parts = c.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
            var nameHere: String?
            var ipHere: IPAddress?
            for (n, p) in parts.enumerated() {
                let lp = p.lowercased()
                if lp.hasPrefix("helo=") || lp.hasPrefix("ehlo=") {
                    heloParameter = String(lp.dropFirst(5)).trimmingCharacters(in: "[]")
                    continue
                }
                if (lp == "helo" || lp == "ehlo"), n + 1 < parts.count {
                    qmailHelo = parts[n + 1].lowercased()
                    continue
                }
                if ipHere == nil, let a = IPAddress(p.trimmingCharacters(in: "[]")) {
                    ipHere = a
                    continue
                }
                if n == 0, p.contains("."), !lp.hasPrefix("port") {
                    nameHere = lp.trimmingCharacters(in: ".")
                }
            }
            if commentIP == nil, let ipHere {
                commentIP = ipHere
                commentName = nameHere
            }
        }
        // The address the receiving relay saw itself ("(rdns [ip])") wins over a literal the client sent.
        ip = commentIP ?? wordIP ?? leadingIP
        if let heloParameter {
            // Exim: "from rdns ([ip] helo=name)"; the leading name was verified by the relay.
            rdns = leadingName
            helo = heloParameter
        } else if let qmailHelo {
            // qmail: "from rdns (HELO name) (ip)"
            rdns = leadingName
            helo = qmailHelo
        } else {
            // Postfix, Sendmail, Gmail, Exchange: "from helo (rdns [ip])"
            helo = leadingName ?? leadingIP?.description
            if commentIP != nil { rdns = commentName }
        }
    }

    enum Token: Hashable {
        case word(String)
        case comment(String)
    }

    /// Splits into words and parenthesised comments (nested comments flattened).
    static func tokenize(_ s: Substring) -> [Token] {
        var tokens: [Token] = []
        var word = ""
        var depth = 0
        var comment = ""
        for c in s {
            if depth > 0 {
                if c == "(" { depth += 1; comment.append(" "); continue }
                if c == ")" {
                    depth -= 1
                    if depth == 0 {
                        tokens.append(.comment(comment.trimmingCharacters(in: " ")))
                        comment = ""
                    } else {
                        comment.append(" ")
                    }
                    continue
                }
                comment.append(c)
                continue
            }
            if c == "(" {
                if !word.isEmpty { tokens.append(.word(word)); word = "" }
                depth = 1
                continue
            }
            if c == " " {
                if !word.isEmpty { tokens.append(.word(word)); word = "" }
                continue
            }
            word.append(c)
        }
        if !word.isEmpty { tokens.append(.word(word)) }
        if !comment.isEmpty { tokens.append(.comment(comment.trimmingCharacters(in: " "))) }
        return tokens
    }
}
