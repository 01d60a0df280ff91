import Foundation

/// What the analysis is told: whom to trust, the carrier table, limits, and how to write drafts.
public struct AnalyzerConfiguration: Sendable {
    public var carriers: CarrierTable
    public var trust: TrustPolicy
    public var limits: MIMELimits
    public var drafts: DraftSettings
    /// Domains never reported (the bundled list with `[analysis] never_report` added).
    public var neverReport: NeverReportList
    public var redirectors: RedirectorTable
    /// The brands phishing imitates (names, domains, desks).
    public var brands: BrandTable

    public init(carriers: CarrierTable = .bundled, trustedRelays: [String] = [], trustedAuthservIDs: [String] = [],
                submissionRelays: [String] = [], limits: MIMELimits = MIMELimits(), drafts: DraftSettings = DraftSettings(),
                neverReport: NeverReportList = .bundled, redirectors: RedirectorTable = .bundled, brands: BrandTable = .bundled) {
        self.brands = brands
        self.carriers = carriers
        self.trust = TrustPolicy(relays: trustedRelays, authservIDs: trustedAuthservIDs, submissionRelays: submissionRelays,
                                 carriers: carriers)
        self.limits = limits
        self.drafts = drafts
        self.neverReport = neverReport
        self.redirectors = redirectors
    }
}

/// Parse → analyse → draft for one message, with no network and no disk.
public enum MessageAnalyzer {
    /// Analyses the bytes of one message.
    /// - Throws: `MIMEError` only when the bytes are not a message at all.
    public static func analyze(_ data: [UInt8], file: String? = nil, configuration: AnalyzerConfiguration = AnalyzerConfiguration(),
                               now: Date = Date()) throws(MIMEError) -> MessageAnalysis {
        let outer = try MIMEMessage.parse(data, limits: configuration.limits)
        var diagnostics = outer.diagnostics
        // A spam forwarded as an attachment is analysed as the attached message.
        var message = outer
        if let attached = firstAttachedMessage(outer.root) {
            message = attached
            diagnostics.append("analysed the attached message/rfc822 (the spam forwarded as an attachment)")
        }
        // Each text part is decoded, and each HTML part rendered, once for both the text and the URLs.
        let parts = readTextParts(message)
        let summary = summarize(message, parts: parts, diagnostics: &diagnostics)
        let fromDomain = summary.from.flatMap(Address.domain(of:))
        let origin = OriginAnalyzer.analyze(headers: message.headers, fromDomain: fromDomain, policy: configuration.trust,
                                            carriers: configuration.carriers)
        var (urls, domains) = reportableDomains(collectURLs(parts, diagnostics: &diagnostics), configuration: configuration, diagnostics: &diagnostics)
        let phishing = judgePhishing(summary: summary, urls: urls, domains: &domains, brands: configuration.brands, diagnostics: &diagnostics)
        var drafts: [Draft] = []
        if let id = origin.carrier, !origin.spoofed, let carrier = configuration.carriers.carriers.first(where: { $0.id == id }) {
            drafts.append(CarrierForward.make(message: message, summary: summary, origin: origin, carrier: carrier,
                                              settings: configuration.drafts, now: now))
        } else if origin.spoofed {
            diagnostics.append("no carrier forward: the carrier sender is forged")
        }
        if let desk = configuration.drafts.clearinghouse,
            let d = ClearinghouseForward.make(message: message, summary: summary, origin: origin, desk: desk, settings: configuration.drafts, now: now)
        {
            drafts.append(d)
        }
        if let phishing {
            drafts += PhishingReport.make(message: message, summary: summary, verdict: phishing, settings: configuration.drafts, now: now)
        }
        return MessageAnalysis(file: file, summary: summary, origin: origin, urls: urls, domains: domains, phishing: phishing, contacts: [],
                               pending: [], diagnostics: diagnostics, drafts: drafts, analysed: message)
    }

    /// The phishing verdict; the imitated brand's sites under other country names (`isSibling`) are
    /// taken out of `domains` first, as its own domains are.
    static func judgePhishing(summary: MessageSummary, urls: [ExtractedURL], domains: inout [String], brands: BrandTable,
                              diagnostics: inout [String]) -> PhishingVerdict? {
        guard let verdict = PhishingDetector.judge(summary: summary, urls: urls, domains: domains, brands: brands) else { return nil }
        let siblings = domains.compactMap { d in PhishingDetector.siblingOf(d, verdict.brand).map { (d, $0) } }
        guard !siblings.isEmpty else { return verdict }
        for (d, own) in siblings {
            diagnostics.append("\(d) is not reported: it has the name of \(verdict.brand.name)'s own \(own) under another country's domain")
        }
        let removed = Set(siblings.map(\.0))
        domains.removeAll { removed.contains($0) }
        return PhishingDetector.judge(summary: summary, urls: urls, domains: domains, brands: brands)
    }

    static func firstAttachedMessage(_ part: MIMEPart) -> MIMEMessage? {
        if let m = part.embedded.first { return m }
        for p in part.parts { if let m = firstAttachedMessage(p) { return m } }
        return nil
    }

    /// Subject, sender, date and text of `message`, whose text parts `readTextParts` gave.
    static func summarize(_ message: MIMEMessage, parts: [TextPart], diagnostics: inout [String]) -> MessageSummary {
        let h = message.headers
        let fallback = message.root.contentType.charset
        let fromText = h.first("From")?.text(fallback: fallback)
        let from = fromText.flatMap { Address.first(in: $0, localNames: true) }
        if h.first("From") != nil, from == nil { diagnostics.append("From has no readable address") }
        let dateText = h.first("Date")?.plain
        let date = dateText.flatMap(MailDate.iso8601)
        if let dateText, date == nil { diagnostics.append("Date \"\(dateText.prefix(60))\" could not be read") }
        if h.fields.contains(where: { !Bytes.isASCII($0.rawValue) }) {
            diagnostics.append("raw 8-bit bytes in the header block were decoded as \(Charset.detect(Array(message.headerBytes)).used)")
        }
        let messageID = h.first("Message-ID")?.plain.trimmingCharacters(in: " \t")
        return MessageSummary(
            messageID: messageID?.isEmpty == false ? messageID : nil,
            subject: h.first("Subject")?.text(fallback: fallback), from: from, fromText: fromText,
            toText: h.first("To")?.text(fallback: fallback), date: date, dateText: dateText,
            text: bodyText(parts, diagnostics: &diagnostics))
    }

    static func textLeaves(_ message: MIMEMessage) -> [MIMEPart] {
        message.root.leaves.filter { $0.contentType.type == "text" && !$0.isAttachment && $0.embedded.isEmpty }
    }

    /// A text part of the message, decoded, and rendered when it is HTML.
    struct TextPart {
        var leaf: MIMEPart
        var decoded: Charset.Decoded
        var rendered: HTMLText?
    }

    static func readTextParts(_ message: MIMEMessage) -> [TextPart] {
        textLeaves(message).map { leaf in
            let decoded = leaf.decodedText()
            return TextPart(leaf: leaf, decoded: decoded,
                            rendered: leaf.contentType.subtype == "html" ? HTMLText.render(utf8: decoded.utf8) : nil)
        }
    }

    static func bodyText(_ parts: [TextPart], diagnostics: inout [String]) -> String {
        var plain: [String] = []
        var html: [String] = []
        for part in parts {
            let leaf = part.leaf
            let decoded = part.decoded
            if decoded.detected, let label = leaf.contentType.charset {
                diagnostics.append("charset \"\(label)\" did not fit the text; decoded as \(decoded.used)")
            } else if decoded.errors > 0 {
                diagnostics.append("\(decoded.errors) byte(s) could not be decoded as \(decoded.used)")
            }
            if let rendered = part.rendered {
                html.append(rendered.text)
            } else if !["calendar", "csv", "css", "javascript", "xml", "vcard", "rtf"].contains(leaf.contentType.subtype) {
                plain.append(decoded.text)
            }
        }
        let text = plain.isEmpty ? html : plain
        return unixLineBreaks(text.count == 1 ? text[0] : text.joined(separator: "\n"))
    }

    /// `text` with every CR LF made LF, in one pass over its bytes (a copy only when there is a CR).
    static func unixLineBreaks(_ text: String) -> String {
        var copy = text
        // memchr looks for a CR (the generic search over a String's UTF-8 view goes a byte at a time).
        guard copy.withUTF8({ Bytes.index(of: 0x0D, in: $0, from: 0) != nil }) else { return text }
        return copy.withUTF8 { b in
            String(unsafeUninitializedCapacity: b.count) { out in
                var n = 0
                for (i, c) in b.enumerated() where !(c == 0x0D && i + 1 < b.count && b[i + 1] == 0x0A) {
                    out[n] = c
                    n += 1
                }
                return n
            }
        }
    }

    /// At most this many URLs are listed for a message, and this many domains reported: a spammer
    /// chooses how many a message holds.
    public static let maxURLs = 1_000
    public static let maxDomains = 100

    /// URLs from every text part and from HTML link targets and visible text, first-seen order, no repeats.
    /// An anchor whose text shows another site than its target marks that URL `deceptive`.
    static func collectURLs(_ parts: [TextPart], diagnostics: inout [String]) -> [ExtractedURL] {
        var index: [String: Int] = [:]
        var urls: [ExtractedURL] = []
        var full = false
        func add(_ u: ExtractedURL) {
            if let k = index[u.url] {
                urls[k].deceptive = urls[k].deceptive || u.deceptive
                // Written on its own once, it is a link of its own.
                if u.carrier == nil { urls[k].carrier = nil }
            } else if urls.count < maxURLs {
                index[u.url] = urls.count
                urls.append(u)
            } else {
                full = true
            }
        }
        defer { if full { diagnostics.append("more than \(maxURLs) URLs: only the first \(maxURLs) are listed") } }
        // A quarter of the link targets in spam HTML repeat one before (an image and the anchor
        // around it, the same tracker on every image): each distinct target is read once.
        var byTarget: [String: [ExtractedURL]] = [:]
        // Sized once for the links there are (a growing table hashes every key again each time).
        let linkCount = min(parts.reduce(0) { $0 + ($1.rendered?.links.count ?? 0) }, HTMLText.maxLinks)
        byTarget.reserveCapacity(linkCount)
        index.reserveCapacity(min(linkCount, maxURLs))
        for part in parts {
            if let rendered = part.rendered {
                if rendered.droppedLinks > 0 {
                    diagnostics.append("more than \(HTMLText.maxLinks) links in an HTML part: only the first \(HTMLText.maxLinks) were read")
                }
                for link in rendered.links where urls.count < maxURLs {
                    let found: [ExtractedURL]
                    if let known = byTarget[link.target] {
                        found = known
                    } else {
                        found = URLExtractor.extract(link: link.target, part: "html")
                        if byTarget.count < HTMLText.maxLinks { byTarget[link.target] = found }
                    }
                    let shown = link.anchorText.map { URLExtractor.extract(text: $0, part: "html") } ?? []
                    let deceptive = found.first.map { target in shown.contains { $0.site != target.site } } ?? false
                    for (k, var u) in found.enumerated() {
                        u.role = link.role.rawValue
                        u.deceptive = k == 0 && deceptive
                        add(u)
                    }
                }
                for u in URLExtractor.extract(text: rendered.text, part: "html", limit: maxURLs + 1) { add(u) }
            } else {
                for u in URLExtractor.extract(utf8: part.decoded.utf8, part: "text", limit: maxURLs + 1) { add(u) }
            }
        }
        return urls
    }

    /// The registrable domains to report, first-seen order: redirectors give way to the address they
    /// carry (read from the URL, never opened), and domains on the never-report list stay out. Each
    /// decision is noted in `diagnostics`.
    static func reportableDomains(_ found: [ExtractedURL], configuration: AnalyzerConfiguration, diagnostics: inout [String])
        -> (urls: [ExtractedURL], domains: [String])
    {
        var urls: [ExtractedURL] = []
        var seen = Set<String>(minimumCapacity: found.count)
        var redirectorURLs = Set<String>()
        // What a redirector of the table carries is its destination, whatever site carries it.
        var destinations = Set<String>()
        for u in found where seen.insert(u.url).inserted {
            urls.append(u)
            guard let (redirector, target) = configuration.redirectors.unwrap(u) else { continue }
            redirectorURLs.insert(u.url)
            let carried = target.map { URLExtractor.extract(link: $0, part: u.part) } ?? []
            for c in carried { destinations.insert(c.url) }
            if let first = carried.first {
                diagnostics.append("\(u.host) is a redirector (\(redirector.name)): its target \(first.host) is reported, the redirector is not")
            } else {
                diagnostics.append("\(u.host) is a redirector (\(redirector.name)) with no readable target: not reported")
            }
            for var c in carried where seen.insert(c.url).inserted {
                c.role = u.role
                c.defanged = c.defanged || u.defanged
                c.obfuscated = c.obfuscated || u.obfuscated
                urls.append(c)
            }
        }
        var domains: [String] = []
        var considered = Set<String>(minimumCapacity: urls.count)
        for u in urls where !redirectorURLs.contains(u.url) {
            // A URL carried only by a link to a brand's own site (or another never-reported one) is a
            // parameter of that link (`amazon.co.jp/ap/signin?openid.return_to=…&openid.identity=http://specs.openid.net/…`),
            // not a destination of the message; an open redirect elsewhere keeps its destination.
            if let carrier = u.carrier, !destinations.contains(u.url), configuration.neverReport.entry(for: carrier) != nil {
                if let d = u.domain, !considered.contains(d), configuration.neverReport.entry(for: d) == nil {
                    diagnostics.append("\(u.host) is not reported from \(u.url.prefix(80)): it is a parameter of a link to a never-reported site")
                }
                continue
            }
            guard let d = u.domain, considered.insert(d).inserted else { continue }
            if let entry = configuration.neverReport.entry(for: d) {
                diagnostics.append("\(d) is not reported: it belongs to the imitated brand or a decoy (\(entry.reason))")
                continue
            }
            if domains.count == maxDomains {
                diagnostics.append("more than \(maxDomains) domains: only the first \(maxDomains) are reported")
                break
            }
            if configuration.redirectors.isShortener(d) {
                diagnostics.append("\(d) is a link shortener: reported as itself (its desk can disable the link); the target is unknown and was not opened")
            }
            domains.append(d)
        }
        return (urls, domains)
    }
}
