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
        let v = Bytes.breaksAsSpaces(value)
        // The part before ";" is the trace; the date follows.
        var trace = v.utf8.lastIndex(of: 0x3B).map { v[..<$0] } ?? v[...]
        // MDaemon writes "[(ip)]" where others write "([ip])".
        if trace.has("[(") { trace = Substring(trace.replacingOccurrences(of: "[(", with: "([").replacingOccurrences(of: ")]", with: "])")) }
        var tokens = ReceivedHeader.tokenize(trace)
        // Some gateways wrap the whole from-part in parentheses: "(from host [1.2.3.4]) by …".
        if case .comment(let c)? = tokens.first, c.lowercased().hasPrefix("from ") {
            tokens = ReceivedHeader.tokenize(Substring(c)) + tokens.dropFirst()
        }
        var i = 0
        var fromTokens: [Token] = []
        var sawFrom = false
        while i < tokens.count {
            let t = tokens[i]
            if case .word(let w) = t {
                if !sawFrom, by == nil, ReceivedHeader.word(w, is: "from") {
                    sawFrom = true
                    i += 1
                    while i < tokens.count {
                        if case .word(let x) = tokens[i], ReceivedHeader.endsFromPart(x) { break }
                        fromTokens.append(tokens[i])
                        i += 1
                    }
                    continue
                }
                if by == nil, ReceivedHeader.word(w, is: "by"), i + 1 < tokens.count, case .word(let host) = tokens[i + 1] {
                    by = host.trimmingCharacters(in: "[];,<>").lowercased()
                    i += 2
                    continue
                }
            }
            i += 1
        }
        let lowerTrace = trace.lowercased()
        // Mail fetched from a mailbox (fetchmail) or rescanned locally records no network hand-over.
        if lowerTrace.has("fetchmail") || lowerTrace.has("with qmail-scanner") { return }
        if sawFrom {
            // "from name(ip)" with the comment glued on: smtpd/smap, which records no HELO unless
            // it adds "claiming to be".
            let afterFrom = ReceivedHeader.end(of: "from ", in: trace, ignoringCase: true).map { trace[$0...] }
            let glued = afterFrom.map { rest in
                rest.utf8.drop { $0 == 0x20 }.prefix { $0 != 0x20 }.contains(0x28)
            } ?? false
            parseFrom(fromTokens, trace: lowerTrace, glued: glued)
        }
        // Webmail: the address is the browser's, and there is no HELO.
        if lowerTrace.has(" with http") || lowerTrace.has("via http") || lowerTrace.has("authenticated user") {
            helo = nil
        }
        // "…(61.197.82.27), claiming to be "foo.example" via SMTP"
        if let r = ReceivedHeader.end(of: "claiming to be \"", in: trace, ignoringCase: false) {
            helo = String(trace[r...].prefix { $0 != "\"" }).lowercased()
        }
    }

    private mutating func parseFrom(_ tokens: [Token], trace lowerTrace: String, glued: Bool) {
        // Exchange writes the client's greeting before the address, never a checked name.
        let isExchange = lowerTrace.has("smtpsvc") || lowerTrace.has("microsoft smtp server")
            || lowerTrace.has("microsoft exchange")
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
        let leadingWasBracketed = words.first?.hasPrefix("[") ?? false
        var nameOnlyComment: String?
        var commentRest: [String] = []
        var commentAddressTwice = false
        var localName: String?
        // How the relay wrote the address: "[ip]", "[ip]:port" (Exim 4), "ip", "ip:port".
        var commentIPBracketed = false
        var commentIPPort = false
        var commentSaysVerified = false
        if let first = words.first {
            if let a = ReceivedHeader.address(in: first) {
                leadingIP = a
            } else {
                let name = first.lowercased().trimmingCharacters(in: ".")
                // "from user@localhost" is a local submission, not a host.
                if name != "unknown", !name.isEmpty, !name.utf8.contains(0x40) { leadingName = name }
            }
        }
        // "from host [1.2.3.4]" (no comment)
        let wordIP = words.dropFirst().lazy.compactMap { $0.hasPrefix("[") ? ReceivedHeader.address(in: $0) : nil }.first
        var commentIP: IPAddress?
        var commentName: String?
        var heloParameter: String?
        var qmailHelo: String?
        for c in comments {
            // "unknown[1.2.3.4]" and "<name>[1.2.3.4]" are written without a space.
            var spaced: [UInt8] = []
            spaced.reserveCapacity(c.utf8.count + 4)
            for byte in c.utf8 {
                if byte == 0x5B { spaced.append(0x20) }
                spaced.append(byte)
            }
            let parts = spaced.split(whereSeparator: { $0 == 0x20 || $0 == 0x2C }).map { String(decoding: $0, as: UTF8.self) }
            let addresses = parts.map(ReceivedHeader.address(in:))
            var nameHere: String?
            var ipHere: IPAddress?
            var n = 0
            while n < parts.count {
                let p = parts[n]
                let lp = p.lowercased()
                n += 1
                if lp == "verified" { commentSaysVerified = true }
                if lp.hasPrefix("helo=") || lp.hasPrefix("ehlo=") {
                    heloParameter = String(lp.dropFirst(5)).trimmingCharacters(in: "[]")
                    continue
                }
                if lp == "helo" || lp == "ehlo" || lp == "lhlo" {
                    // "(HELO name)": the name, even a bracketed address, is what the client said;
                    // "(HELO )" says the client gave none.
                    if n < parts.count {
                        qmailHelo = parts[n].lowercased()
                        n += 1
                    } else {
                        qmailHelo = ""
                    }
                    continue
                }
                if ipHere == nil, let a = addresses[n - 1] {
                    ipHere = a
                    if commentIP == nil {
                        commentIPBracketed = p.hasPrefix("[")
                        let afterAddress = p.hasPrefix("[") ? p.drop { $0 != "]" }.dropFirst() : p.drop { $0 != ":" || p.has("::") }
                        commentIPPort = afterAddress.hasPrefix(":")
                    }
                    continue
                }
                if n == 1, ReceivedHeader.mayBeName(lp) {
                    nameHere = lp.trimmingCharacters(in: ".<>")
                }
            }
            if ipHere == nil, parts.count == 1, let name = nameHere, name.utf8.contains(0x2E) { nameOnlyComment = nameOnlyComment ?? name }
            // OpenSMTPD: "(rdns [local])" for a client on the local socket.
            if ipHere == nil, parts.count == 2, parts[1].lowercased() == "[local]", let name = nameHere { localName = name }
            // "(1.2.3.4 [1.2.3.4])": the reverse name is written as the address, so there is none.
            if parts.count >= 2, addresses.allSatisfy({ $0 != nil }) { commentAddressTwice = true }
            if commentIP == nil, let ipHere {
                commentIP = ipHere
                commentName = nameHere
                // What else the comment says besides the address: "unknown" (no reverse name), a name…
                commentRest = zip(parts, addresses).filter { p, a in
                    let lp = p.lowercased()
                    return a == nil && lp != "verified" && !lp.hasPrefix("port")
                }.map(\.0)
            }
        }
        // The address the receiving relay saw itself ("(rdns [ip])") wins over a literal the client sent.
        ip = commentIP ?? wordIP ?? leadingIP
        if let heloParameter {
            // Exim: "from rdns ([ip] helo=name)"; the leading name was verified by the relay. Without
            // an address ("from root (helo=x) … with local-esmtp") the name is a local user.
            rdns = ip != nil ? leadingName : nil
            helo = heloParameter
        } else if let qmailHelo {
            // qmail: "from rdns (HELO name) (ip)"; the reverse name may be written as an address.
            rdns = leadingName ?? (leadingWasBracketed ? nil : leadingIP?.description)
            helo = qmailHelo.isEmpty ? nil : qmailHelo
        } else if commentIP != nil, commentRest.isEmpty, let name = leadingName, !isExchange, !commentAddressTwice,
            ReceivedHeader.nameIsChecked(bracketed: commentIPBracketed, port: commentIPPort, verified: commentSaysVerified,
                                         trace: lowerTrace)
        {
            // qmail "from name (ip)", Exim 4 "from name ([ip])" or "([ip]:port)", CommuniGate
            // "([ip] verified)": the relay wrote the client's checked name (its greeting matched).
            rdns = name
            helo = glued ? nil : name
        } else if commentIP != nil, commentRest.isEmpty, leadingName != nil, !isExchange {
            // Sendmail and the rest: "from helo ([ip])" has no reverse name.
            helo = leadingName
        } else if let nameOnly = nameOnlyComment, wordIP != nil {
            // Exim 3: "from rdns (helo) [ip]"
            rdns = leadingName
            helo = nameOnly
        } else if let localName, ip == nil {
            rdns = localName
            helo = leadingName
        } else if let nameOnly = nameOnlyComment, ip == nil {
            // "from helo (rdns)" with no address written (LSMTP, SMTPRS)
            rdns = nameOnly
            helo = leadingName
        } else {
            // Postfix, Sendmail, Gmail: "from helo (rdns [ip])"; a bracketed address is a literal HELO.
            helo = leadingName ?? (leadingWasBracketed || commentIP != nil ? leadingIP?.description : nil)
            if commentIP != nil { rdns = commentName }
        }
    }

    /// Whether the first word of a comment (lower-cased) may be the client's name: letters, digits
    /// and `-._<>`, with a letter, and not a word relays write there instead of a name.
    static func mayBeName(_ lp: String) -> Bool {
        switch lp {
        case "unknown", "unverified", "softdnserr", "account", "may", "authenticated", "mail": return false
        default: break
        }
        if Bytes.isASCII(lp.utf8) {
            return lp.utf8.allSatisfy { Bytes.isAlnum($0) || $0 == 0x2D || $0 == 0x2E || $0 == 0x5F || $0 == 0x3C || $0 == 0x3E }
                && lp.utf8.contains(where: Bytes.isLetter)
        }
        return lp.allSatisfy({ $0.isLetter || $0.isNumber || "-._<>".contains($0) }) && lp.contains(where: \.isLetter)
    }

    /// Whether `word` is `lowered` (lower-case ASCII) in any case.
    static func word(_ word: String, is lowered: StaticString) -> Bool {
        var word = word
        return word.withUTF8 { $0.count == lowered.utf8CodeUnitCount && Bytes.has(lowered, in: $0, at: 0) }
    }

    /// Whether a word ends the list of what the `from` side names: the next clause begins.
    static func endsFromPart(_ w: String) -> Bool {
        word(w, is: "by") || word(w, is: "with") || word(w, is: "id") || word(w, is: "for") || word(w, is: "via")
    }

    /// Whether "from name (address)" names the client as the relay checked it. qmail writes a bare
    /// address after the checked name; Exim 4 writes "[ip]" (with ":port" when it logs ports);
    /// CommuniGate adds "verified". Sendmail, Exim 3 ("[ip.port]"), XMail ("ip:port") and Scalix
    /// write the client's greeting there instead.
    static func nameIsChecked(bracketed: Bool, port: Bool, verified: Bool, trace: String) -> Bool {
        if verified { return true }
        if bracketed { return (port && !trace.has("xmail")) || trace.has("(exim 4") }
        return !port && !trace.has("scalix")
    }

    /// The address in a Received token as relays write it: `[1.2.3.4]`, `[IPv6:2001:db8::1]`,
    /// `1.2.3.4:2525`, `[1.2.3.4]:2525`, Exim's `1.2.3.4.2525`, `user@1.2.3.4`, `?1.2.3.4?`;
    /// IPv4-mapped IPv6 is given as IPv4.
    static func address(in token: String) -> IPAddress? {
        var token = token
        return token.withUTF8(address(inUTF8:))
    }

    static func address(inUTF8 token: UnsafeBufferPointer<UInt8>) -> IPAddress? {
        // Every form below holds an ASCII digit or a colon; most tokens are names and stop here.
        guard token.contains(where: { Bytes.isDigit($0) || $0 == 0x3A }) else { return nil }
        var lo = 0
        var hi = token.count
        if let at = token.lastIndex(of: 0x40) { lo = at + 1 }
        func isPunctuation(_ c: UInt8) -> Bool {
            switch c {
            case 0x3F, 0x28, 0x29, 0x22, 0x27, 0x2C, 0x3B: true  // ? ( ) " ' , ;
            default: false
            }
        }
        while lo < hi, isPunctuation(token[lo]) { lo += 1 }
        while hi > lo, isPunctuation(token[hi - 1]) { hi -= 1 }
        if lo < hi, token[lo] == 0x5B, let close = (lo..<hi).first(where: { token[$0] == 0x5D }) {
            lo += 1
            hi = close
        }
        if hi - lo >= 5, Bytes.has("ipv6:", in: token, at: lo) { lo += 5 }
        var colons = 0
        var firstColon = hi
        for k in lo..<hi where token[k] == 0x3A {
            if colons == 0 { firstColon = k }
            colons += 1
        }
        if colons == 1 { hi = firstColon }  // IPv4 with a port
        var ip: IPAddress?
        if colons <= 1, let eximAddress = eximAddress(token, lo..<hi) {
            ip = eximAddress.withUnsafeBufferPointer { IPAddress(utf8: $0) }
        } else {
            ip = IPAddress(utf8: UnsafeBufferPointer(rebasing: token[lo..<hi]))
        }
        guard let ip else { return nil }
        let b = ip.bytes
        if b.count == 16, b[0..<10].allSatisfy({ $0 == 0 }), b[10] == 0xFF, b[11] == 0xFF {
            return IPAddress(bytes: Array(b[12...]))
        }
        return ip
    }

    /// Exim's `ip.port`: when `range` holds five dot-separated parts (empty ones not counted), the
    /// first four joined by dots.
    private static func eximAddress(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> [UInt8]? {
        // A part starts at each byte that is not a dot and follows a dot or the start.
        func startsPart(_ k: Int) -> Bool { b[k] != 0x2E && (k == range.lowerBound || b[k - 1] == 0x2E) }
        guard range.lazy.filter(startsPart).count == 5 else { return nil }
        var out: [UInt8] = []
        var parts = 0
        for k in range {
            if startsPart(k) {
                parts += 1
                if parts == 5 { break }
                if parts > 1 { out.append(0x2E) }
            }
            if b[k] != 0x2E { out.append(b[k]) }
        }
        return out
    }

    enum Token: Hashable {
        case word(String)
        case comment(String)
    }

    /// Splits into words and parenthesised comments (nested comments flattened: their parentheses
    /// become spaces). The delimiters are ASCII, so the split works on the UTF-8 bytes, and each word
    /// or comment is cut out of the text whole.
    static func tokenize(_ s: Substring) -> [Token] {
        var s = s
        return s.withUTF8 { b in
            var tokens: [Token] = []
            var depth = 0
            var wordStart = -1
            var commentStart = 0
            var nested = false
            func endWord(_ end: Int) {
                guard wordStart >= 0 else { return }
                tokens.append(.word(String(decoding: UnsafeBufferPointer(rebasing: b[wordStart..<end]), as: UTF8.self)))
                wordStart = -1
            }
            func endComment(_ end: Int) {
                var lo = commentStart, hi = end
                func isBlank(_ c: UInt8) -> Bool { c == 0x20 || (nested && (c == 0x28 || c == 0x29)) }
                while lo < hi, isBlank(b[lo]) { lo += 1 }
                while hi > lo, isBlank(b[hi - 1]) { hi -= 1 }
                let text = UnsafeBufferPointer(rebasing: b[lo..<hi])
                if nested {
                    tokens.append(.comment(String(decoding: text.map { $0 == 0x28 || $0 == 0x29 ? 0x20 : $0 }, as: UTF8.self)))
                } else {
                    tokens.append(.comment(String(decoding: text, as: UTF8.self)))
                }
            }
            for i in 0..<b.count {
                let c = b[i]
                if depth > 0 {
                    if c == 0x28 {
                        depth += 1
                        nested = true
                    } else if c == 0x29 {
                        depth -= 1
                        if depth == 0 { endComment(i) }
                    }
                    continue
                }
                if c == 0x28 {
                    endWord(i)
                    depth = 1
                    commentStart = i + 1
                    nested = false
                    continue
                }
                if c == 0x20 {
                    endWord(i)
                    continue
                }
                if wordStart < 0 { wordStart = i }
            }
            endWord(b.count)
            if depth > 0, commentStart < b.count { endComment(b.count) }
            return tokens
        }
    }

    /// Where the first `needle` (ASCII, lower-case when `ignoringCase`) in `s` ends, compared byte
    /// for byte, optionally ignoring ASCII case.
    static func end(of needle: String, in s: Substring, ignoringCase: Bool) -> Substring.Index? {
        let n = Array(needle.utf8)
        guard !n.isEmpty else { return s.startIndex }
        func search(_ h: UnsafeBufferPointer<UInt8>) -> Int? {
            guard h.count >= n.count else { return nil }
            for i in 0...(h.count - n.count) {
                var k = 0
                while k < n.count, (ignoringCase ? Bytes.lower(h[i + k]) : h[i + k]) == n[k] { k += 1 }
                if k == n.count { return i + k }
            }
            return nil
        }
        let found = s.utf8.withContiguousStorageIfAvailable(search) ?? Array(s.utf8).withUnsafeBufferPointer(search)
        return found.map { s.utf8.index(s.startIndex, offsetBy: $0) }
    }
}
