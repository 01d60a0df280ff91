/// Where a message really came from: the sending carrier (if a carrier subscriber sent it), whether a
/// carrier sender was forged, the first untrusted source address, and the authentication results that
/// speak for the sender.
public struct Origin: Sendable, Hashable, Codable {
    /// The carrier id (`docomo`, …) when a subscriber of that carrier demonstrably sent the message.
    public var carrier: String?
    /// The From domain is a carrier's, but the carrier's own check failed it.
    public var spoofed: Bool
    /// The address of the first untrusted client in the Received chain.
    public var sourceIP: String?
    public var spf: String?
    public var dkim: String?
    public var dmarc: String?
    /// Why the analysis decided as it did, in plain words.
    public var reasons: [String]

    public init(carrier: String? = nil, spoofed: Bool = false, sourceIP: String? = nil, spf: String? = nil,
                dkim: String? = nil, dmarc: String? = nil, reasons: [String] = []) {
        self.carrier = carrier
        self.spoofed = spoofed
        self.sourceIP = sourceIP
        self.spf = spf
        self.dkim = dkim
        self.dmarc = dmarc
        self.reasons = reasons
    }
}

/// What the analysis trusts: relays whose Received headers are believed, and the authserv-ids whose
/// Authentication-Results are honoured. The carriers' own always count.
public struct TrustPolicy: Sendable, Hashable {
    public var relays: [HostPattern]
    public var authservIDs: [HostPattern]
    /// Trusted relays that take mail only from their own authenticated users (a provider's
    /// submission server): the client such a relay took a message from is a user, not a source.
    public var submissionRelays: [HostPattern]

    public init(relays: [String] = [], authservIDs: [String] = [], submissionRelays: [String] = [],
                carriers: CarrierTable = .bundled) {
        self.relays = (relays + carriers.relayPatterns).map(HostPattern.init)
        self.authservIDs = (authservIDs + carriers.authservPatterns).map(HostPattern.init)
        self.submissionRelays = submissionRelays.map(HostPattern.init)
    }
}

/// Decides the `Origin` of a message from its headers.
public enum OriginAnalyzer {
    /// Analyses `headers` (the message's own, top = newest).
    ///
    /// - `sourceIP`: walking the Received headers from the top, hops whose receiving host (`by`) and
    ///   client (`from`) are both trusted are passed; the first trusted hop whose client is not trusted
    ///   gives the address. The topmost header was written by the mailbox's own server, so its `by`
    ///   counts as trusted; a client with a private or reserved address counts as an internal hop.
    /// - `carrier` / `spoofed`: from the trusted Authentication-Results nearest the origin (the lowest one).
    public static func analyze(headers: Headers, fromDomain: String?, policy: TrustPolicy, carriers: CarrierTable) -> Origin {
        var origin = Origin()
        // Source IP.
        // Each header is parsed when the walk comes to it: the walk mostly stops a hop or two down,
        // and spam carries many Received headers below that point (some forged), never read.
        let received = headers.all("Received")
        // The topmost header was written by the mailbox's own server; a header below a hop whose client
        // had a private address was written by that internal host. Both count as trusted writers.
        var writerTrusted = true
        var writerIsSubmission = false
        var reachedEnd = true
        for field in received {
            let hop = ReceivedHeader(field.plain)
            guard hop.isRelay else { continue }
            let byTrusted = writerTrusted || hop.by.map { HostPattern.any(policy.relays, match: [$0]) } ?? false
            guard byTrusted else {
                origin.reasons.append("stopped at a Received header by untrusted host \(hop.by ?? "(none)")")
                reachedEnd = false
                break
            }
            let isInternal = hop.ip?.isPrivateOrReserved ?? false
            if isInternal || writerIsSubmission || HostPattern.any(policy.relays, match: hop.fromIdentities) {
                // The trusted or internal client wrote the next header down; a submission relay's
                // client is one of its users.
                if writerIsSubmission { origin.reasons.append("\(hop.ip?.description ?? hop.helo ?? "a client") submitted the message to a submission relay") }
                writerTrusted = true
                writerIsSubmission = !isInternal && HostPattern.any(policy.submissionRelays, match: hop.fromIdentities)
                continue
            }
            if let ip = hop.ip {
                origin.sourceIP = ip.description
                origin.reasons.append("source \(ip) handed the message to \(hop.by ?? "the first trusted relay")")
            } else {
                origin.reasons.append("the first untrusted client (\(hop.helo ?? hop.rdns ?? "?")) has no recorded address")
            }
            reachedEnd = false
            break
        }
        if reachedEnd, origin.sourceIP == nil, !received.isEmpty, writerIsSubmission {
            origin.reasons.append("the message was submitted through a submission relay: no external source address")
        } else if reachedEnd, origin.sourceIP == nil, !received.isEmpty {
            // Webmail: the trusted relays took the message from a web client whose address the
            // service records in X-Originating-IP.
            if let value = headers.first("X-Originating-IP")?.plain,
                let ip = ReceivedHeader.address(in: value.trimmingCharacters(in: " \t[]")), !ip.isPrivateOrReserved,
                !HostPattern.any(policy.relays, match: [ip.description])
            {
                origin.sourceIP = ip.description
                origin.reasons.append("every Received hop is trusted; X-Originating-IP gives the web client \(ip)")
            } else {
                origin.reasons.append("every Received hop is trusted or internal: no external source address")
            }
        }

        // Authentication results: the trusted header nearest the origin.
        // Read from the bottom up, each header parsed only until the first trusted one.
        let nearestTrusted = headers.all("Authentication-Results").reversed().lazy
            .compactMap { AuthenticationResults($0.plain) }
            .first { ar in policy.authservIDs.contains { $0.matches(ar.authservID) } }
        guard let nearest = nearestTrusted else {
            if let d = fromDomain, let c = carriers.carrier(forDomain: d) {
                origin.reasons.append("From is a \(c.name) address, but no trusted Authentication-Results vouch for it")
            }
            return origin
        }
        func pick(_ method: String) -> AuthenticationResults.Result? {
            let rs = nearest.results(for: method)
            return rs.first { $0.result == "pass" } ?? rs.first
        }
        let spf = pick("spf"), dkim = pick("dkim"), dmarc = pick("dmarc")
        origin.spf = spf?.result
        origin.dkim = dkim?.result
        origin.dmarc = dmarc?.result
        guard let domain = fromDomain, let carrier = carriers.carrier(forDomain: domain) else { return origin }
        func within(_ value: String?) -> Bool {
            guard var v = value?.lowercased() else { return false }
            if let at = v.lastIndex(of: "@") { v = String(v[v.index(after: at)...]) }
            return carrier.domains.contains { v == $0 || v.hasSuffix("." + $0) }
        }
        let spfPass = nearest.results(for: "spf").contains { $0.result == "pass" && (within($0.properties["smtp.mailfrom"]) || $0.properties["smtp.mailfrom"] == nil) }
        let dkimPass = nearest.results(for: "dkim").contains { $0.result == "pass" && (within($0.properties["header.d"]) || within($0.properties["header.i"])) }
        let dmarcPass = nearest.results(for: "dmarc").contains { $0.result == "pass" && (within($0.properties["header.from"]) || $0.properties["header.from"] == nil) }
        let spfFail = nearest.results(for: "spf").contains { ["fail", "softfail"].contains($0.result) }
        let dmarcFail = nearest.results(for: "dmarc").contains { $0.result == "fail" }
        let anyDKIMPass = nearest.results(for: "dkim").contains { $0.result == "pass" }
        if spfPass || dkimPass || dmarcPass {
            origin.carrier = carrier.id
            let what = [spfPass ? "spf=pass" : nil, dkimPass ? "dkim=pass" : nil, dmarcPass ? "dmarc=pass" : nil].compactMap { $0 }
            origin.reasons.append("sent by a subscriber of \(carrier.name): \(nearest.authservID) reports \(what.joined(separator: ", ")) for \(domain)")
        } else if (spfFail || dmarcFail) && !anyDKIMPass {
            origin.spoofed = true
            origin.reasons.append("forged \(carrier.name) sender: \(nearest.authservID) reports \(spfFail ? "spf=\(spf?.result ?? "fail")" : "dmarc=fail") for \(domain)")
        } else {
            origin.reasons.append("From is an address of \(carrier.name), but \(nearest.authservID) neither passes nor fails it")
        }
        return origin
    }
}
