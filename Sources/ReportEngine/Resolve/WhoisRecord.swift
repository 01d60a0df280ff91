/// A WHOIS answer (RFC 3912) read into the facts abuse reporting needs.
///
/// Understands `Key: value` records (Verisign thin, registrar thick, IANA, ARIN, RIPE, APNIC,
/// LACNIC, AFRINIC), JPRS in both layouts (`[Domain Name] …` and `a. [ドメイン名] …`, English and
/// Japanese labels), and JPNIC (`[Network Number]`, `[Abuse]`). Every fact keeps the line it came
/// from, as evidence.
public struct WhoisRecord: Sendable, Hashable {
    public enum Availability: String, Sendable, Hashable {
        case registered, available, rateLimited = "rate-limited", unknown
    }

    public var availability: Availability = .unknown
    public var domain: String?
    /// Statuses, lower-cased (`active`, `suspended`, `clienthold` …).
    public var status: [String] = []
    public var registrar: String?
    public var registrarAbuseEmails: [String] = []
    /// Abuse addresses of a network record (`abuse-mailbox`, `OrgAbuseEmail`, JPNIC `[Abuse]` …).
    public var abuseEmails: [String] = []
    /// Every address in the record, in order (contacts, proxies).
    public var emails: [String] = []
    public var nameservers: [String] = []
    public var created: String?
    public var updated: String?
    public var expires: String?
    public var organization: String?
    /// The registrant's name as the record gives it (often a privacy service).
    public var registrant: String?
    public var network: String?
    /// A server the answer points to (`refer:`, `whois:`, `ReferralServer`, `Registrar WHOIS Server`).
    public var referral: String?
    /// The answer line each fact came from, by fact name (`registrar`, `abuse`, `nameserver` …).
    public var evidence: [String: String] = [:]

    /// Addresses that stand for no one and must never be reported to.
    public static let placeholders: Set<String> = ["hostmaster@nic.ad.jp", "removed@lacnic.net", "abuse@nic.ad.jp"]

    public static func parse(_ text: String) -> WhoisRecord {
        var r = WhoisRecord()
        // Refusals and "no such domain" are short lines of their own; the same words inside a long
        // terms-of-use paragraph ("queries are throttled…") are not an answer.
        let shortLines = text.lowercased().split(whereSeparator: \.isNewline).filter { $0.count < 200 }
            .map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ") }
        func says(_ phrases: [String]) -> Bool { shortLines.contains { line in phrases.contains { line.has($0) } } }
        // "Status: PREMIUM NAME (No match for …)": held by the registry, not free.
        let premium = says(["premium name"])
        if says(["query rate limit", "rate limit exceeded", "exceeded the query limit", "too many queries", "quota exceeded",
                 "try again later", "limit exceeded", "too many requests"]) {
            r.availability = .rateLimited
        } else if says(["no match", "not found", "no data found", "no entries found", "status: free", "status: available",
                        "available for registration", "no object found", "object does not exist", "not registered",
                        "not been registered", "no such domain", "is free", "nothing found for this query", "no information available about domain",
                        "domain name not known", "query_status: 220 available", "not registred", ": no existe", "not available in our whois database",
                        "object_not_found", "does not exist in database", "do not have an entry in our database",
                        "could not find the requested domain"])
            || shortLines.contains { ["no found", "available"].contains($0) || ($0.hasSuffix(" is available.") && !$0.has(" not ")) }
        {
            r.availability = premium ? .unknown : .available
        }
        var abuseComment: String?
        var inNameServerBlock = false
        var abuseHandles: [String] = []
        var blockEmails: [String: [String]] = [:]
        var blockHandle: String?
        var blockAddresses: [String] = []
        var remarkAbuse: [String] = []
        var registrarHeading = false
        var nameServerBlockHasHost = false
        var lastKey: String?
        func endBlock() {
            if let h = blockHandle { blockEmails[h.lowercased(), default: []] += blockAddresses }
            blockHandle = nil
            blockAddresses = []
        }
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let line = rawLine.trimmingCharacters(in: " \t\r")
            if line.isEmpty {
                // A blank line may separate a heading from its hosts; after the hosts it ends the block.
                if !(inNameServerBlock && !nameServerBlockHasHost) { inNameServerBlock = false }
                lastKey = nil
                endBlock()
                continue
            }
            // A value continued on indented lines without a key ("nameservers: ns1.\n    ns2.").
            if let k = lastKey, rawLine.first == " " || rawLine.first == "\t", !line.contains(":") {
                r.absorb(key: k, value: line, line: line)
                continue
            }
            lastKey = nil
            // RIPE and APNIC: "% Abuse contact for '…' is 'abuse@example.net'"
            if line.hasPrefix("%") || line.hasPrefix("#") {
                if line.lowercased().has("abuse contact for"), let email = Address.all(in: line.replacingOccurrences(of: "'", with: " ")).last {
                    abuseComment = email
                    r.evidence["abuse"] = r.evidence["abuse"] ?? line
                }
                continue
            }
            // A "Name servers" heading followed by one host per line (.ch, .dk, .uk and others).
            let lower = line.lowercased()
            let heading = lower.trimmingCharacters(in: ": ")
            if ["name servers", "nameservers", "dns servers", "domain nameservers", "domain name servers", "name servers information",
                "nameserver in listed order", "domain servers", "domain servers in listed order", "name server", "servers"].contains(heading)
            {
                inNameServerBlock = true
                nameServerBlockHasHost = false
                continue
            }
            if inNameServerBlock, line.allSatisfy({ $0 == "-" || $0 == "=" }) { continue }
            // "Record created on 2005-04-15 21:43:27" (.mo): a sentence, not a key.
            for (prefix, key) in [("record created on ", "created"), ("record expires on ", "expires")] where lower.hasPrefix(prefix) {
                r.absorb(key: key, value: String(line.dropFirst(prefix.count)), line: line)
            }
            if inNameServerBlock {
                nameServerBlockHasHost = true
                let first = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map { $0.lowercased().trimmingCharacters(in: ".") } ?? ""
                if !line.contains(":") || line.hasPrefix("Hostname"), !first.isEmpty {
                    if let (k, v) = split(line), k.lowercased() == "hostname" {
                        r.absorb(key: "nameserver", value: v, line: line)
                    } else if first.contains("."), !line.contains(":") {
                        r.absorb(key: "nameserver", value: first, line: line)
                    }
                    continue
                }
                inNameServerBlock = false
            }
            // "Registrar:" as a heading: the name follows on the next line, alone or as "Name: …".
            if registrarHeading {
                registrarHeading = false
                if r.registrar == nil {
                    if let (k, v) = split(line) {
                        if ["name", "organization", "registrar"].contains(k.lowercased()) { r.registrar = v }
                    } else {
                        // "MarkMonitor Inc. (http://www.markmonitor.com)": the name without its web address
                        r.registrar = line.range(of: " (http").map { String(line[..<$0.lowerBound]) } ?? line
                    }
                    if r.registrar != nil { r.evidence["registrar"] = line }
                }
            }
            if ["registrar", "registrar:"].contains(lower) {
                registrarHeading = true
                continue
            }
            guard let (key, value) = split(line) else { continue }
            if key.lowercased() == "registrar", value.isEmpty { registrarHeading = true }
            switch key.lowercased() {
            case "abuse-c": abuseHandles.append(value)
            case "nic-hdl", "nic-hdl-br": blockHandle = value
            case "e-mail", "email": blockAddresses += Address.all(in: value)
            case "remarks", "comment":
                let l = value.lowercased()
                if l.has("abuse") || l.has("spam") {
                    for e in Address.all(in: value) where !remarkAbuse.contains(e) { remarkAbuse.append(e); r.evidence["abuse"] = r.evidence["abuse"] ?? line }
                }
            default: break
            }
            r.absorb(key: key, value: value, line: line)
            let lk = key.lowercased()
            if ["nameservers", "nameserver", "name servers", "nserver", "dns"].contains(lk) { lastKey = lk }
        }
        endBlock()
        if let abuseComment, !r.abuseEmails.contains(abuseComment) { r.abuseEmails.insert(abuseComment, at: 0) }
        // LACNIC and others name the abuse contact by handle ("abuse-c: JDM7"): take that block's address.
        if r.abuseEmails.isEmpty {
            for handle in abuseHandles { r.abuseEmails += blockEmails[handle.lowercased()] ?? [] }
        }
        // Last resort: a remark such as "please send abuse reports to abuse@example.net".
        if r.abuseEmails.isEmpty { r.abuseEmails = remarkAbuse }
        r.abuseEmails = r.abuseEmails.filter { !placeholders.contains($0) }
        r.registrarAbuseEmails = r.registrarAbuseEmails.filter { !placeholders.contains($0) }
        if r.availability == .unknown || (r.availability == .available && (r.domain != nil && !r.nameservers.isEmpty)) {
            if r.domain != nil || r.network != nil || r.registrar != nil || !r.nameservers.isEmpty { r.availability = .registered }
        }
        return r
    }

    /// `Key: value`, `[Key] value` or `a. [Key] value`.
    static func split(_ line: String) -> (String, String)? {
        var s = Substring(line)
        // JPRS / JPNIC item letters: "a. [Domain Name]"
        if s.count > 3, s.first!.isLetter, s.dropFirst().hasPrefix(". [") { s = s.dropFirst(3) }
        if s.hasPrefix("["), let close = s.firstIndex(of: "]") {
            let key = s[s.index(after: s.startIndex)..<close]
            let value = s[s.index(after: close)...].trimmingCharacters(in: " \t")
            return (String(key), value)
        }
        guard let colon = s.firstIndex(of: ":") else {
            // "Key<TAB>value" (.ch, .li)
            if let tab = s.firstIndex(of: "\t") {
                let key = s[..<tab].trimmingCharacters(in: " \t")
                let value = s[tab...].trimmingCharacters(in: " \t")
                if !key.isEmpty, key.count <= 40, !value.isEmpty { return (key, value) }
            }
            return nil
        }
        // "registrar..........: Gandi SAS" (.fi, .kz): the dots lead the eye to the value.
        let key = s[..<colon].trimmingCharacters(in: " \t.")
        guard !key.isEmpty, key.count <= 60, !key.has("http") else { return nil }
        let value = s[s.index(after: colon)...].trimmingCharacters(in: " \t")
        return (key, value)
    }

    /// Japanese labels of JPRS and JPNIC, as their English counterparts.
    static let japaneseLabels: [String: String] = [
        "ドメイン名": "domain name", "ネームサーバ": "name server", "状態": "state", "登録年月日": "created on",
        "有効期限": "expires on", "最終更新": "last updated", "登録者名": "registrant", "名前": "name",
        "電子メール": "email", "ネットワーク番号": "network number", "ネットワーク名": "network name",
        "組織名": "organization", "割当年月日": "assigned date", "接続年月日": "connected date",
        "公開連絡窓口": "contact", "ドメイン情報": "domain information",
    ]

    mutating func absorb(key rawKey: String, value: String, line: String) {
        let key = WhoisRecord.japaneseLabels[rawKey] ?? rawKey.lowercased()
        let v = value
        func note(_ fact: String) { if evidence[fact] == nil { evidence[fact] = line } }
        func addEmails(_ into: inout [String], _ fact: String) {
            for e in Address.all(in: v) where !into.contains(e) { into.append(e); note(fact) }
        }
        for e in Address.all(in: v) where !emails.contains(e) && (key.has("mail") || key.has("abuse") || key == "e-mail") {
            emails.append(e)
        }
        switch key {
        case "domain name", "domain", "domainname", "domain_name":
            if domain == nil, !v.isEmpty { domain = v.lowercased(); note("domain") }
        case "registrar", "sponsoring registrar", "registrar name", "registrar organization", "registrar-name", "registrar_name",
             "registration service provider", "authorized agency", "current registar", "current registrar":
            if registrar == nil, !v.isEmpty { registrar = v; note("registrar") }
        case "registrar abuse contact email", "abuse contact email", "registrar abuse email":
            addEmails(&registrarAbuseEmails, "registrar-abuse")
        case "abuse-mailbox", "orgabuseemail", "abuse", "abuse email", "abuse-c email", "abuse e-mail", "irt-abuse-mailbox":
            addEmails(&abuseEmails, "abuse")
        case "name server", "nameserver", "nserver", "nameservers", "name servers", "hostname", "host name", "dns",
             "primary server", "secondary server", _ where key.hasPrefix("ns_name"):
            let words = v.split(whereSeparator: { $0 == " " || $0 == "\t" })
            // "google.pt NS ns4.google.com." is written as a zone record: the server is after "NS".
            let nsIndex = words.firstIndex { $0 == "NS" }.map { $0 + 1 } ?? 0
            let ns = nsIndex < words.count ? words[nsIndex].lowercased().trimmingCharacters(in: ".") : ""
            // .dk writes "DNS: <the domain itself>"
            if key == "dns", ns == domain { break }
            if !ns.isEmpty, ns.contains("."), !nameservers.contains(ns) { nameservers.append(ns); note("nameserver") }
        case "domain status", "status", "state":
            // JPRS attribute-type domains: "[State] Connected (2024/03/31)", the date being the end of the term.
            if key == "state", let open = v.firstIndex(of: "("), expires == nil {
                expires = WhoisRecord.date(String(v[open...]))
            }
            if !v.isEmpty {
                let s = v.split(separator: " ").first.map { $0.lowercased() } ?? ""
                if !status.contains(s) { status.append(s); note("status") }
            }
        case "creation date", "created", "created on", "registered on", "registered date", "registration time", "created date", "registered",
             "domain registration date", "record created", "domain name commencement date", "domain registered", "domain record activated",
             "registration date":
            if created == nil { created = WhoisRecord.date(v); note("created") }
        case "registry expiry date", "expiration date", "expires on", "expiry date", "paid-till", "expires",
             "registrar registration expiration date", "domain expiration date", "expire date", "expiration time", "expire",
             "record will expire on", "domain expires", "renewal date", "valid until", "expire-date":
            if expires == nil { expires = WhoisRecord.date(v); note("expires") }
        case "updated date", "last updated", "changed", "last-modified", "updated", "last modified":
            if updated == nil { updated = WhoisRecord.date(v) }
        case "registrant", "registrant name":
            if registrant == nil, !v.isEmpty { registrant = v; note("registrant") }
        case "org-name", "orgname", "organization", "organisation", "owner", "org", "registrant organization", "network name", "netname":
            if organization == nil || (key == "organization" && !v.isEmpty) {
                if organization == nil || key == "org-name" || key == "orgname" || key == "organization" {
                    if !v.isEmpty { organization = v; note("organization") }
                }
            }
        case "inetnum", "inet6num", "netrange", "cidr", "network number", "ip-network":
            if network == nil, !v.isEmpty { network = v; note("network") }
        case "refer", "whois", "referralserver", "registrar whois server", "whois server":
            if referral == nil, !v.isEmpty {
                referral = v.replacingOccurrences(of: "whois://", with: "").replacingOccurrences(of: "rwhois://", with: "")
                note("referral")
            }
        default:
            break
        }
    }

    /// A date as `yyyy-mm-dd` from the forms registries write (2024/07/31, 2024-07-31T00:00:00Z, 30-May-2005).
    static func date(_ value: String) -> String? {
        let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        // Runs of ASCII digits and runs of letters: "2019-08-04T11:35:07Z" → 2019 08 04 T 11 35 07 Z
        var digits: [Substring] = []
        var start: String.Index?
        var kind = 0
        for i in value.indices {
            let c = value[i]
            let k = c.isASCII && c.isNumber ? 1 : c.isLetter ? 2 : 0
            if k != kind {
                if let st = start, kind != 0 { digits.append(value[st..<i]) }
                start = k != 0 ? i : nil
                kind = k
            }
        }
        if let st = start, kind != 0 { digits.append(value[st...]) }
        guard digits.count >= 3 else { return nil }
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        if let y = Int(digits[0]), digits[0].count == 4, let m = Int(digits[1]), let d = Int(digits[2]), (1...12).contains(m), (1...31).contains(d) {
            return "\(y)-\(two(m))-\(two(d))"
        }
        if let d = Int(digits[0]), let mi = months.firstIndex(of: String(digits[1].prefix(3)).lowercased()), let y = Int(digits[2]), digits[2].count == 4 {
            return "\(y)-\(two(mi + 1))-\(two(d))"
        }
        if let d = Int(digits[0]), let m = Int(digits[1]), let y = Int(digits[2]), digits[2].count == 4, (1...12).contains(m) {
            return "\(y)-\(two(m))-\(two(d))"
        }
        // "12/18/2001": month first, when the second number cannot be a month
        if let m = Int(digits[0]), let d = Int(digits[1]), let y = Int(digits[2]), digits[2].count == 4, (1...12).contains(m), (13...31).contains(d) {
            return "\(y)-\(two(m))-\(two(d))"
        }
        return nil
    }
}
