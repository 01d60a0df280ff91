import Foundation

/// How the resolver is set up: servers, data, cache period, pacing.
public struct ResolverConfiguration: Sendable {
    /// TLD (or `ip`, `jpnic`) → `host:port`, asked before any referral.
    public var whoisServers: [String: String]
    public var bootstrap: RDAPBootstrap
    public var directory: AbuseDirectory
    public var cacheTTL: TimeInterval
    /// Least time between two questions to the same server.
    public var pacing: TimeInterval
    /// Time the lookups of one message may take; what is left is pending and retried later.
    public var budget: TimeInterval

    public init(whoisServers: [String: String] = [:], bootstrap: RDAPBootstrap = RDAPBootstrap(), directory: AbuseDirectory = .bundled,
                cacheTTL: TimeInterval = 7 * 86400, pacing: TimeInterval = 1, budget: TimeInterval = 30) {
        self.whoisServers = whoisServers
        self.bootstrap = bootstrap
        self.directory = directory
        self.cacheTTL = cacheTTL
        self.pacing = pacing
        self.budget = budget
    }
}

/// Turns a message's source address and URL domains into the desks that can act, with the evidence
/// for each: the domain's registrar (WHOIS/RDAP; .jp through JPRS), the hosting network of each URL
/// host's address, the operator of the domain's nameservers, and the network of the source address
/// (JP space through JPNIC's own WHOIS, never its hostmaster placeholder).
///
/// - Important: contacts only registry, RIR, WHOIS and DNS servers. A URL host is resolved to learn its
///   address; nothing ever connects to it.
public final class Resolver {
    let configuration: ResolverConfiguration
    let whoisTransport: WhoisQuerying
    let rdapTransport: RDAPFetching?
    let dns: DNSResolving
    let cache: LookupCache
    /// Network questions asked (answers from the cache not counted).
    public private(set) var lookupsMade = 0
    private var lastAsked: [String: Date] = [:]
    private var memo: [String: String] = [:]
    /// Answers older than this are asked again (`recheck` wants today's record, not last week's).
    public var maxAge: TimeInterval?
    /// Servers that timed out or could not be reached in this run: not asked again until the next run.
    private var downServers: [String: String] = [:]
    /// When the message in hand must stop asking.
    private var deadline = Date.distantFuture

    public init(configuration: ResolverConfiguration, whois: WhoisQuerying, rdap: RDAPFetching?, dns: DNSResolving, cache: LookupCache) {
        self.configuration = configuration
        self.whoisTransport = whois
        self.rdapTransport = rdap
        self.dns = dns
        self.cache = cache
    }

    public struct Result: Sendable {
        public var contacts: [Contact] = []
        /// Lookups that gave no desk, each with its reason and the server asked.
        public var pending: [String] = []
        /// Registrant names by domain, as the registry records give them.
        public var registrants: [String: String] = [:]
        /// The part of `pending` a later run may settle (the server timed out, was unreachable,
        /// rate-limited or skipped), as opposed to answers that will not change.
        public var retryable: [String] = []

        mutating func note(_ text: String, retry: Bool) {
            pending.append(text)
            if retry { retryable.append(text) }
        }

        /// A lookup about `what` that got no answer (`error`): a later run may get one.
        mutating func failed(_ what: String, _ error: Error) {
            note("\(what): \(error)", retry: true)
        }
    }

    /// Resolves the desks for one analysed message, within the configured budget.
    public func resolve(_ analysis: MessageAnalysis) -> Result {
        deadline = Date().addingTimeInterval(configuration.budget)
        defer { deadline = .distantFuture }
        var result = Result()
        for domain in analysis.domains {
            registrar(of: domain, into: &result)
        }
        // Hosts of the domains to report, and IP hosts; never the imitated brand's or a redirector's.
        let reported = Set(analysis.domains)
        var hostsDone = Set<String>()
        for url in analysis.urls where url.domain.map(reported.contains) ?? (IPAddress(url.host) != nil) && hostsDone.insert(url.host).inserted {
            let domain = url.domain ?? url.host
            if let ip = IPAddress(url.host) {
                network(of: ip, role: "hosting", domains: [domain], into: &result)
                continue
            }
            do {
                let addresses = try ask(dns: url.host, .a)
                guard let first = addresses.compactMap({ IPAddress($0) }).first else {
                    result.note("hosting of \(url.host): no address in DNS", retry: false)
                    continue
                }
                network(of: first, role: "hosting", domains: [domain], into: &result,
                        via: "DNS A \(url.host) → \(first)")
            } catch {
                result.failed("hosting of \(url.host)", error)
            }
        }
        if let source = analysis.origin.sourceIP, let ip = IPAddress(source) {
            network(of: ip, role: "network", domains: [], into: &result)
        }
        // One contact per desk and role: the same address collects its domains and evidence.
        result.contacts = Contact.merged(result.contacts, by: { $0.desk + "|" + $0.role })
        return result
    }

    // MARK: - Registrars

    private func registrar(of domain: String, into result: inout Result) {
        let tld = String(domain.split(separator: ".").last ?? "")
        if tld == "jp" {
            jprs(domain, into: &result)
        } else {
            gtld(domain, tld: tld, into: &result)
        }
    }

    /// .jp has no RDAP: JPRS WHOIS in English ("/e"), then the desk from the directory by the
    /// WHOIS-proxy address or the nameservers.
    private func jprs(_ domain: String, into result: inout Result) {
        let server = configuration.whoisServers["jp"] ?? "whois.jprs.jp"
        let query = domain + "/e"
        let text: String
        do { text = try ask(whois: query, server: server) } catch {
            result.failed("registrar of \(domain)", error)
            return
        }
        let record = WhoisRecord.parse(text)
        let stamp = Resolver.timestamp()
        if let r = record.registrant { result.registrants[domain] = r }
        switch record.availability {
        case .rateLimited:
            result.note("registrar of \(domain): \(server) refused: rate limit reached; retried later", retry: true)
            return
        case .available:
            result.note("registrar of \(domain): JPRS has no such domain", retry: false)
            return
        default: break
        }
        if let (desk, why) = configuration.directory.desk(emails: record.emails, nameservers: record.nameservers, registrar: record.registrar) {
            let line = record.evidence["nameserver"].flatMap { l in why.hasPrefix("nameserver") ? l : nil }
                ?? record.emails.first.flatMap { e in Resolver.line(of: text, containing: e) } ?? why
            result.contacts.append(Contact(role: "registrar", name: desk.name, email: desk.email, form: desk.form, domains: [domain], nameJa: desk.nameJa,
                                           evidence: ["\(server), \"\(query)\", \(stamp), \(line.trimmingCharacters(in: " \r"))"]))
        } else {
            result.note("registrar of \(domain): JPRS names no registrar and no known desk matches its contacts or nameservers", retry: false)
        }
        nameserverOperators(record.nameservers, domain: domain, into: &result)
    }

    /// RDAP through the bootstrap when it knows the TLD, else WHOIS (configured server or IANA's referral).
    private func gtld(_ domain: String, tld: String, into result: inout Result) {
        let stamp = Resolver.timestamp()
        var nameservers: [String] = []
        // A WHOIS server set for the TLD in the configuration wins over the bootstrap.
        if configuration.whoisServers[tld] == nil, let base = configuration.bootstrap.server(forDomain: domain), rdapTransport != nil {
            let url = base + "domain/" + domain
            do {
                if let r = try ask(rdap: url) {
                    nameservers = r.nameservers
                    if let name = r.registrantName { result.registrants[domain] = name }
                    var emails = r.abuseEmails
                    var source = url
                    if emails.isEmpty, let related = r.relatedLinks.first, let rr = try ask(rdap: related) {
                        emails = rr.abuseEmails
                        source = related
                    }
                    let name = r.registrarName ?? "registrar of \(domain)"
                    if let (desk, why) = configuration.directory.desk(emails: emails, nameservers: nameservers, registrar: r.registrarName) {
                        result.contacts.append(Contact(role: "registrar", name: desk.name, email: desk.email, form: desk.form, domains: [domain], nameJa: desk.nameJa,
                                                       evidence: ["\(source), RDAP, \(stamp), \(why)"]))
                    } else if let e = emails.first {
                        result.contacts.append(Contact(role: "registrar", name: name, email: e, form: nil, domains: [domain],
                                                       evidence: ["\(source), RDAP, \(stamp), abuse entity \(e) of \(name)"]))
                    } else {
                        result.note("registrar of \(domain): RDAP gives no abuse contact", retry: false)
                    }
                    nameserverOperators(nameservers, domain: domain, into: &result)
                    return
                }
            } catch {
                result.note("registrar of \(domain): \(error); trying WHOIS", retry: false)
            }
        }
        // WHOIS: the configured server, else the one IANA refers to.
        let server: String?
        do {
            server = try configuration.whoisServers[tld] ?? referral(for: tld)
        } catch {
            result.failed("registrar of \(domain)", error)
            return
        }
        guard let whoisServer = server else {
            result.note("registrar of \(domain): no WHOIS server known for .\(tld)", retry: false)
            return
        }
        do {
            var text = try ask(whois: domain, server: whoisServer)
            var record = WhoisRecord.parse(text)
            var from = whoisServer
            if record.availability == .rateLimited {
                result.note("registrar of \(domain): \(whoisServer) refused: rate limit reached; retried later", retry: true)
                return
            }
            if record.registrarAbuseEmails.isEmpty, let referral = record.referral, referral != whoisServer {
                text = try ask(whois: domain, server: referral)
                let thick = WhoisRecord.parse(text)
                if !thick.registrarAbuseEmails.isEmpty || thick.registrar != nil {
                    if record.nameservers.isEmpty { record.nameservers = thick.nameservers }
                    record.registrarAbuseEmails = thick.registrarAbuseEmails
                    record.evidence = thick.evidence
                    record.registrar = thick.registrar ?? record.registrar
                    record.emails += thick.emails
                    from = referral
                }
            }
            nameservers = record.nameservers
            if let r = record.registrant { result.registrants[domain] = r }
            if let (desk, why) = configuration.directory.desk(emails: record.emails + record.registrarAbuseEmails, nameservers: nameservers, registrar: record.registrar) {
                result.contacts.append(Contact(role: "registrar", name: desk.name, email: desk.email, form: desk.form, domains: [domain], nameJa: desk.nameJa,
                                               evidence: ["\(from), \"\(domain)\", \(stamp), \(why)"]))
            } else if let e = record.registrarAbuseEmails.first {
                result.contacts.append(Contact(role: "registrar", name: record.registrar ?? "registrar of \(domain)", email: e, form: nil, domains: [domain],
                                               evidence: ["\(from), \"\(domain)\", \(stamp), \(record.evidence["registrar-abuse"] ?? e)"]))
            } else {
                result.note("registrar of \(domain): \(from) gives no abuse contact", retry: false)
            }
            nameserverOperators(nameservers, domain: domain, into: &result)
        } catch {
            result.failed("registrar of \(domain)", error)
        }
    }

    /// The operator of a domain's nameservers: a desk of the directory by name, else the network that
    /// hosts the first nameserver's address.
    private func nameserverOperators(_ nameservers: [String], domain: String, into result: inout Result) {
        guard let ns = nameservers.first else { return }
        if let (desk, why) = configuration.directory.desk(emails: [], nameservers: [ns], registrar: nil) {
            result.contacts.append(Contact(role: "nameserver", name: desk.name, email: desk.email, form: desk.form, domains: [domain], nameJa: desk.nameJa,
                                           evidence: ["nameservers of \(domain), \(Resolver.timestamp()), \(why)"]))
            return
        }
        do {
            guard let ip = try ask(dns: ns, .a).compactMap({ IPAddress($0) }).first else {
                result.note("nameserver operator of \(domain): \(ns) has no address in DNS", retry: false)
                return
            }
            network(of: ip, role: "nameserver", domains: [domain], into: &result, via: "nameserver \(ns) → \(ip)")
        } catch {
            result.failed("nameserver operator of \(domain)", error)
        }
    }

    // MARK: - Re-check

    /// Looks a reported domain up again at its registry: `gone` when the registry has no such domain,
    /// `suspended` when its nameservers moved to a suspension set or a hold status took it off the air,
    /// `active` otherwise, `unknown` when no answer came. The evidence is the answer line that decided.
    public func recheck(_ domain: String, signs: SuspensionSigns = .bundled) -> (DomainStatus, String?) {
        deadline = Date().addingTimeInterval(configuration.budget)
        defer { deadline = .distantFuture }
        let stamp = Resolver.timestamp()
        let tld = String(domain.split(separator: ".").last ?? "")
        func decide(_ record: WhoisRecord, text: String, server: String, query: String) -> (DomainStatus, String?) {
            let cite = { (line: String) in "\(server), \"\(query)\", \(stamp), \(line.trimmingCharacters(in: .whitespaces))" }
            if record.availability == .available {
                let line = text.split(whereSeparator: \.isNewline).first { WhoisRecord.parse(String($0)).availability == .available }
                return (.gone, cite(line.map(String.init) ?? "no such domain"))
            }
            if let line = record.evidence["status"], line.lowercased().contains("deleted") { return (.gone, cite(line)) }
            for ns in record.nameservers {
                if let sign = signs.nameserver(ns) {
                    let line = text.split(whereSeparator: \.isNewline).first { $0.lowercased().contains(ns) }.map(String.init)
                    return (.suspended, cite(line ?? "\(ns) (\(sign.reason))"))
                }
            }
            if let line = record.evidence["status"], signs.status(in: line) != nil { return (.suspended, cite(line)) }
            return (.active, record.evidence["nameserver"].map(cite))
        }
        do {
            if tld == "jp" {
                let server = configuration.whoisServers["jp"] ?? "whois.jprs.jp"
                let text = try ask(whois: domain + "/e", server: server)
                return decide(WhoisRecord.parse(text), text: text, server: server, query: domain + "/e")
            }
            if configuration.whoisServers[tld] == nil, let base = configuration.bootstrap.server(forDomain: domain), rdapTransport != nil {
                let url = base + "domain/" + domain
                guard let r = try ask(rdap: url) else { return (.gone, "\(url), RDAP, \(stamp), HTTP 404: no such domain") }
                if let ns = r.nameservers.first(where: { signs.nameserver($0) != nil }) { return (.suspended, "\(url), RDAP, \(stamp), nameserver \(ns)") }
                if let st = r.status.first(where: { signs.status(in: $0) != nil }) { return (.suspended, "\(url), RDAP, \(stamp), status \(st)") }
                return (.active, "\(url), RDAP, \(stamp), nameservers \(r.nameservers.joined(separator: " "))")
            }
            guard let server = try configuration.whoisServers[tld] ?? referral(for: tld) else { return (.unknown, "no WHOIS server known for .\(tld)") }
            let text = try ask(whois: domain, server: server)
            return decide(WhoisRecord.parse(text), text: text, server: server, query: domain)
        } catch {
            return (.unknown, "\(error)")
        }
    }

    // MARK: - Networks

    /// The abuse desk of the network holding `ip`: RDAP (bootstrap) or WHOIS (IANA referral), and for
    /// Japanese space JPNIC's WHOIS (`<ip>/e`, its `[Abuse]` line).
    private func network(of ip: IPAddress, role: String, domains: [String], into result: inout Result, via: String? = nil) {
        guard !ip.isPrivateOrReserved else {
            result.note("\(role) \(ip): a private or reserved address, no one to report to", retry: false)
            return
        }
        let stamp = Resolver.timestamp()
        let prefix = via.map { "\($0); " } ?? ""
        var abuse: [String] = []
        var name = "network \(ip)"
        var evidence = ""
        var jpnic = false
        // The RIR's RDAP through the bootstrap, unless WHOIS is set for addresses in the configuration;
        // when RDAP gives no answer, WHOIS (IANA's referral) is tried.
        var rdapAnswer: (RDAPResponse, String)?
        if configuration.whoisServers["ip"] == nil, let base = configuration.bootstrap.server(for: ip), rdapTransport != nil {
            do {
                if let r = try ask(rdap: base + "ip/\(ip)") { rdapAnswer = (r, base) }
            } catch {
                result.note("\(role) \(ip): \(error); trying WHOIS", retry: false)
            }
        }
        do {
            if let (r, base) = rdapAnswer {
                abuse = r.abuseEmails
                name = r.name ?? name
                jpnic = r.pointsToJPNIC
                evidence = "\(base)ip/\(ip), RDAP, \(stamp), abuse entity \(abuse.first ?? "-")"
            } else {
                guard let server = try configuration.whoisServers["ip"] ?? referral(for: ip.description) else {
                    result.note("\(role) \(ip): no WHOIS server refers to it", retry: false)
                    return
                }
                let text = try ask(whois: ip.description, server: server)
                let record = WhoisRecord.parse(text)
                if record.availability == .rateLimited {
                    result.note("\(role) \(ip): \(server) refused: rate limit reached; retried later", retry: true)
                    return
                }
                abuse = record.abuseEmails
                name = record.organization ?? record.network ?? name
                jpnic = text.contains("JPNIC") || text.contains("nic.ad.jp")
                evidence = "\(server), \"\(ip)\", \(stamp), \(record.evidence["abuse"] ?? "-")"
            }
            if jpnic {
                // APNIC hands Japanese space to JPNIC: ask JPNIC for the real holder.
                let server = configuration.whoisServers["jpnic"] ?? "whois.nic.ad.jp"
                let text = try ask(whois: "\(ip)/e", server: server)
                let record = WhoisRecord.parse(text)
                let jpAbuse = (record.abuseEmails + record.emails).filter { !WhoisRecord.placeholders.contains($0) }
                if let first = jpAbuse.first {
                    abuse = [first]
                    name = record.organization ?? name
                    evidence = "\(server), \"\(ip)/e\", \(stamp), \(record.evidence["abuse"] ?? Resolver.line(of: text, containing: first) ?? first)"
                } else {
                    abuse = []
                }
            }
        } catch {
            result.failed("\(role) \(ip)", error)
            return
        }
        abuse = abuse.filter { !WhoisRecord.placeholders.contains($0) }
        if abuse.isEmpty, ip.isIPv4 {
            // Abusix publishes abuse contacts of IPv4 space in DNS: <reversed ip>.abuse-contacts.abusix.zone TXT.
            let name = ip.bytes.reversed().map(String.init).joined(separator: ".") + ".abuse-contacts.abusix.zone"
            if let txt = try? ask(dns: name, .txt), let email = txt.flatMap({ Address.all(in: $0) }).first {
                abuse = [email]
                evidence = "DNS TXT \(name), \(stamp), \(email)"
            }
        }
        guard let email = abuse.first else {
            result.note("\(role) \(ip): no abuse contact in the records", retry: false)
            return
        }
        result.contacts.append(Contact(role: role, name: name, email: email, form: nil, domains: domains,
                                       evidence: [prefix + evidence.trimmingCharacters(in: " \r")]))
    }

    // MARK: - Asking, with cache and pacing

    /// The WHOIS server IANA refers a TLD or an address to.
    private func referral(for query: String) throws -> String? {
        WhoisRecord.parse(try ask(whois: query, server: configuration.whoisServers["iana"] ?? "whois.iana.org")).referral
    }

    private func ask(whois query: String, server: String) throws -> String {
        // A refusal ("rate limit exceeded") is not an answer worth keeping.
        try cachedAnswer("whois|\(server)|\(query)", server: server, keep: { WhoisRecord.parse($0).availability != .rateLimited }) {
            try whoisTransport.whois(query, server: server)
        }
    }

    private func ask(rdap url: String) throws -> RDAPResponse? {
        guard let rdapTransport else { return nil }
        let host = url.split(separator: "/").dropFirst().first.map(String.init) ?? url
        let text = try cachedAnswer("rdap|\(url)", server: host) {
            let (status, body) = try rdapTransport.rdap(url)
            if status == 429 { throw LookupFailure(server: host, query: url, message: "rate limit reached (HTTP 429); retried later", kind: .rateLimited) }
            if status == 404 { return "" }
            guard status == 200 else { throw LookupFailure(server: host, query: url, message: "HTTP \(status)", kind: .serverError) }
            return String(decoding: body, as: UTF8.self)
        }
        return RDAPResponse.parse(Array(text.utf8))
    }

    private func ask(dns name: String, _ type: DNSRecordType) throws -> [String] {
        let text = try cachedAnswer("dns|\(type.rawValue)|\(name)", server: "dns") {
            try dns.resolve(name, type: type).joined(separator: "\n")
        }
        return text.split(separator: "\n").map(String.init)
    }

    private func cachedAnswer(_ key: String, server: String, keep: (String) -> Bool = { _ in true },
                              fetch: () throws -> String) throws -> String {
        if maxAge == nil, let v = memo[key] { return v }
        if let v = cache.cached(key, maxAge: maxAge ?? configuration.cacheTTL) {
            memo[key] = v
            return v
        }
        let query = String(key.split(separator: "|", maxSplits: 2).last ?? Substring(key))
        // A server that timed out (or could not be reached) is not asked again in this run: one
        // silent server costs one timeout, not one per domain.
        if let reason = downServers[server] {
            throw LookupFailure(server: server, query: query, message: "skipped: \(reason) earlier in this run; retried later", kind: .skipped)
        }
        if Date() > deadline {
            throw LookupFailure(server: server, query: query,
                                message: "skipped: the message's lookup budget (\(Int(configuration.budget)) s) is spent; retried later", kind: .skipped)
        }
        if let last = lastAsked[server], configuration.pacing > 0 {
            let wait = configuration.pacing - Date().timeIntervalSince(last)
            if wait > 0 { Thread.sleep(forTimeInterval: wait) }
        }
        lastAsked[server] = Date()
        lookupsMade += 1
        let value: String
        do {
            value = try fetch()
        } catch let failure as LookupFailure where failure.kind == .timeout || failure.kind == .unreachable {
            downServers[server] = failure.kind == .timeout ? "it timed out" : "it could not be reached"
            throw failure
        }
        memo[key] = value
        if keep(value) { cache.store(key, value) }
        return value
    }

    /// The first line of an answer that contains `needle`, whatever its line ends (LF, CRLF or CR).
    static func line(of text: String, containing needle: String) -> String? {
        text.split(whereSeparator: \.isNewline).first { $0.contains(needle) }.map { $0.trimmingCharacters(in: " \t") }
    }

    static func timestamp() -> String {
        let f = ISO8601DateFormatter()
        return f.string(from: Date())
    }
}
