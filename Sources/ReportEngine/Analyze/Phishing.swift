import Foundation

/// A message that imitates a brand to draw its reader to a site of the sender's: the brand, the lure
/// URLs (the links whose domains are reported), and the signs that gave it away.
public struct PhishingVerdict: Sendable, Hashable {
    public var brand: Brand
    /// The lure URLs as found (normalised), at most `PhishingDetector.maxLures`.
    public var lures: [String]
    /// The lures' hosts (names or addresses), first-seen order.
    public var lureHosts: [String]
    /// What a clearing house is asked to act on: the lures' registrable domains, or addresses.
    public var targets: [String]
    /// `brand-in-subject`, `brand-in-from`, `brand-in-text`, `deceptive-link`, `brand-images-foreign-links`, `lookalike-domain`.
    public var signals: [String]

    public var json: JSONValue {
        .object([
            ("brand", .string(brand.name)), ("brandDomains", .strings(brand.domains)), ("lures", .strings(lures)),
            ("targets", .strings(targets)), ("signals", .strings(signals)),
        ])
    }
}

/// Decides whether a message is phishing: a brand named where a reader looks first (the subject or
/// the sender's name), or shown by a deceptive link or a lure domain that spells the brand, together
/// with at least one link to a domain that is reported. The brand named in the text, or its own
/// images and pages beside links elsewhere, support a verdict but make none: a newsletter links its
/// Facebook and X pages and loads Google's fonts without imitating them.
public enum PhishingDetector {
    public static let maxLures = 20

    /// The signs that suffice with a brand; the others (`brand-in-text`, `brand-images-foreign-links`)
    /// need one of them.
    static let strongSignals: Set<String> = ["brand-in-subject", "brand-in-from", "deceptive-link", "lookalike-domain"]

    public static func judge(summary: MessageSummary, urls: [ExtractedURL], domains: [String], brands: BrandTable) -> PhishingVerdict? {
        let reported = Set(domains)
        // The lures: links and written URLs (not images) whose domain is reported, or whose host is an address.
        var lureURLs: [ExtractedURL] = []
        var seen = Set<String>()
        for u in urls where u.role != "image" {
            let isLure = u.domain.map(reported.contains) ?? (IPAddress(u.host) != nil)
            guard isLure, seen.insert(u.url).inserted else { continue }
            lureURLs.append(u)
        }
        guard !lureURLs.isEmpty else { return nil }
        let subjectBrand = summary.subject.flatMap { brands.named(in: $0)?.brand }
        // The sender's name and the part of its address before "@": the domain after it says who
        // sent it (a carrier's subscriber, a forged carrier address), not whom it imitates.
        var fromShown = summary.fromText ?? summary.from ?? ""
        if let address = summary.from, let at = address.lastIndex(of: "@") {
            fromShown = fromShown.replacingOccurrences(of: address[at...], with: "", options: .caseInsensitive)
        }
        let fromBrand = brands.named(in: fromShown)?.brand
        // The hosts of the first lures, each once: what a lookalike name is looked for in.
        var lureHosts: [String] = []
        for u in lureURLs.prefix(maxLures) where !lureHosts.contains(u.host) { lureHosts.append(u.host) }
        let deceptive = lureURLs.contains(where: \.deceptive)
        let spelled = brands.spelled(by: lureHosts)
        let spelledBrand = spelled.first
        // Without one of the strong signs nothing can be a verdict: the text and the brand's own
        // sites, the costlier looks, are read only when one is there.
        guard subjectBrand != nil || fromBrand != nil || deceptive || spelledBrand != nil else { return nil }
        // The brand whose own domains the message shows most (its logo, its real pages).
        var shown: [String: Int] = [:]
        for u in urls {
            if let b = brands.owner(of: u.domain ?? u.host) { shown[b.id, default: 0] += 1 }
        }
        let decoyBrand = shown.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }.flatMap { brands.brand(id: $0.key) }
        let textBrand = brands.named(in: summary.text)?.brand
        guard let brand = subjectBrand ?? fromBrand ?? decoyBrand ?? spelledBrand ?? textBrand else { return nil }
        var signals: [String] = []
        if subjectBrand?.id == brand.id { signals.append("brand-in-subject") }
        if fromBrand?.id == brand.id { signals.append("brand-in-from") }
        if textBrand?.id == brand.id { signals.append("brand-in-text") }
        if deceptive { signals.append("deceptive-link") }
        if shown[brand.id] != nil { signals.append("brand-images-foreign-links") }
        if spelled.contains(where: { $0.id == brand.id }) { signals.append("lookalike-domain") }
        guard signals.contains(where: strongSignals.contains) else { return nil }
        var hosts: [String] = [], targets: [String] = []
        var hostSet = Set<String>(), targetSet = Set<String>()
        for u in lureURLs {
            if hostSet.insert(u.host).inserted { hosts.append(u.host) }
            if targetSet.insert(u.site).inserted { targets.append(u.site) }
        }
        return PhishingVerdict(brand: brand, lures: lureURLs.prefix(maxLures).map(\.url), lureHosts: hosts, targets: targets, signals: signals)
    }

    /// Whether `domain` looks like `brand`'s own site under another country's domain: its first
    /// label is that of one of the brand's domains (four letters or more) and the rest is a foreign
    /// two-letter country code or that country's `co.`/`com.`/`ne.`/`or.` level (`visa.com.hk`,
    /// `mastercard.us`). Japanese names (`etc-meisai.co.jp` beside etc-meisai.jp), `.com`, `.net`,
    /// `.org`, the new top-level domains and the country codes sold as generic names (`.cc`, `.co`,
    /// `.me` …) are what phishing registers, and stay reported.
    public static func isSibling(_ domain: String, of brand: Brand) -> Bool { siblingOf(domain, brand) != nil }

    /// The brand's own domain that `domain` is a sibling of (`isSibling`), or nil.
    static func siblingOf(_ domain: String, _ brand: Brand) -> String? {
        guard let dot = domain.firstIndex(of: "."), !brand.domains.contains(domain) else { return nil }
        let label = domain[..<dot]
        guard label.count >= 4, let own = brand.domains.first(where: { $0.hasPrefix(label + ".") }) else { return nil }
        let suffix = domain[domain.index(after: dot)...].split(separator: ".")
        func country(_ s: Substring) -> Bool {
            s.count == 2 && s.allSatisfy { $0.isASCII && $0.isLetter } && !genericCountryCodes.contains(String(s))
        }
        switch suffix.count {
        case 1: return country(suffix[0]) ? own : nil
        case 2: return ["co", "com", "ne", "net", "or", "org"].contains(suffix[0]) && country(suffix[1]) ? own : nil
        default: return nil
        }
    }

    /// Japan's code, and country codes sold and used as generic names.
    static let genericCountryCodes: Set<String> = [
        "jp", "cc", "co", "me", "io", "tv", "ws", "tk", "ml", "ga", "cf", "gq", "to", "cn", "ru", "su", "pw", "vn", "in", "la", "nu", "fm", "am", "ai", "gg", "sh", "ly",
    ]
}
