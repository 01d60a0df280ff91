import Foundation

/// Registrable domains that are never reported: the brands phishing imitates and the decoys it embeds
/// (the brand's images, its real site, standards addresses). Reporting them would send a false report to
/// the victim's own registrar. A name also covers the registrable domains below it (`go.jp`).
public struct NeverReportList: Sendable, Hashable {
    public struct Entry: Sendable, Hashable, Codable {
        public var domain: String
        public var name: String
        public var kind: String

        public init(domain: String, name: String, kind: String) {
            self.domain = domain
            self.name = name
            self.kind = kind
        }

        /// Why the domain is left out, for a diagnostic.
        public var reason: String { "\(kind): \(name)" }
    }

    public private(set) var entries: [String: Entry] = [:]

    public init(_ entries: [Entry] = []) {
        for e in entries { add(e) }
    }

    /// Adds (or replaces) an entry; the domain is taken as an A-label in lower case.
    public mutating func add(_ entry: Entry) {
        var e = entry
        e.domain = DomainName.toASCII(entry.domain.lowercased()) ?? entry.domain.lowercased()
        entries[e.domain] = e
    }

    /// The entry covering `domain`: the domain itself, or a name it ends in at a label boundary.
    public func entry(for domain: String) -> Entry? {
        DomainName.firstMatch(domain) { entries[$0] }
    }

    /// The list shipped in `Resources/never-report.json`.
    public static let bundled: NeverReportList = {
        struct File: Decodable { var domains: [Entry] }
        let brands = BrandTable.bundled.neverReportEntries
        guard let file = BundledResource.json("never-report", as: File.self) else { return NeverReportList(brands) }
        return NeverReportList(brands + file.domains)
    }()
}

/// Services that forward a visitor to an address their own URL carries (Google Translate's proxy,
/// `google.com/url?q=`, Outlook Safe Links …), and link shorteners.
///
/// - Important: the carried address is read from the URL text; nothing is ever opened.
public struct RedirectorTable: Sendable, Hashable {
    public struct Redirector: Sendable, Hashable, Codable {
        public var name: String
        /// Host names; one ending in `.*` stands for that name under any public suffix
        /// (`translate.google.*` is translate.google.se, translate.google.co.jp …).
        public var hosts: [String]?
        public var hostSuffix: String?
        public var path: String?
        public var params: [String]?
        /// Where the address is: `query` (default: one of `params`), `label` (encoded in the host's
        /// first label, as `*.translate.goog` does) or `path` (the path after `path` starts with the host).
        public var carries: String?
    }

    public var redirectors: [Redirector] {
        didSet {
            hostKeys = Self.hostKeys(redirectors)
            anySuffixPrefixes = Self.anySuffixPrefixes(redirectors)
        }
    }
    public var shorteners: Set<String>
    /// The last two labels of every redirector's hosts and host suffix: an ASCII host that ends
    /// otherwise goes through none of them, and is passed over without trying each (nil when a
    /// suffix is a single label).
    private var hostKeys: Set<Substring>?

    /// The names before `.*` of the hosts that stand under any public suffix ("translate.google.").
    private var anySuffixPrefixes: [String]

    private static func anySuffixPrefixes(_ redirectors: [Redirector]) -> [String] {
        redirectors.flatMap { ($0.hosts ?? []).filter { $0.hasSuffix(".*") }.map { String($0.dropLast()) } }
    }

    init(redirectors: [Redirector], shorteners: Set<String>) {
        self.redirectors = redirectors
        self.shorteners = shorteners
        hostKeys = Self.hostKeys(redirectors)
        anySuffixPrefixes = Self.anySuffixPrefixes(redirectors)
    }

    /// Whether `host` is `pattern`, or, for a pattern ending in `.*`, that name under a public suffix.
    static func host(_ host: String, matches pattern: String) -> Bool {
        guard pattern.hasSuffix(".*") else { return host == pattern }
        let prefix = pattern.dropLast()  // "translate.google."
        guard host.hasPrefix(prefix), host.count > prefix.count else { return false }
        // The name's last label and the suffix make the registrable domain: "google.se", "google.co.jp".
        let lastLabel = prefix.dropLast().split(separator: ".").last.map(String.init) ?? ""
        return DomainName.registrableDomain(host) == lastLabel + "." + host.dropFirst(prefix.count)
    }

    private static func hostKeys(_ redirectors: [Redirector]) -> Set<Substring>? {
        var keys = Set<Substring>()
        for r in redirectors {
            if let suffix = r.hostSuffix {
                guard suffix.utf8.contains(0x2E) else { return nil }
                keys.insert(lastTwoLabels(suffix))
            }
            for host in r.hosts ?? [] where !host.hasSuffix(".*") { keys.insert(lastTwoLabels(host)) }
        }
        return keys
    }

    /// The part of `host` after its second-to-last dot (all of it when it has fewer dots).
    private static func lastTwoLabels(_ host: String) -> Substring {
        let u = host.utf8
        guard let last = u.lastIndex(of: 0x2E), let before = u[..<last].lastIndex(of: 0x2E) else { return host[...] }
        return host[u.index(after: before)...]
    }

    /// The table shipped in `Resources/redirectors.json`.
    public static let bundled: RedirectorTable = {
        struct File: Decodable {
            var redirectors: [Redirector]
            var shorteners: [String]
        }
        guard let file = BundledResource.json("redirectors", as: File.self) else { return RedirectorTable(redirectors: [], shorteners: []) }
        return RedirectorTable(redirectors: file.redirectors, shorteners: Set(file.shorteners))
    }()

    /// The redirector `url` goes through, with the address it carries (as written, not normalised), or
    /// nil when `url` is no redirector's.
    public func unwrap(_ url: ExtractedURL) -> (redirector: Redirector, target: String?)? {
        if let hostKeys, Bytes.isASCII(url.host.utf8), !hostKeys.contains(Self.lastTwoLabels(url.host)),
            !anySuffixPrefixes.contains(where: { url.host.hasPrefix($0) })
        {
            return nil
        }
        guard let pathIndex = URLExtractor.pathStart(url.url) else { return nil }
        let pathAndQuery = url.url[pathIndex...]
        for r in redirectors {
            let hostMatches: Bool
            if let suffix = r.hostSuffix {
                hostMatches = url.host.hasSuffix(suffix) && url.host.utf8.dropLast(suffix.utf8.count).last == UInt8(ascii: ".")
            } else {
                hostMatches = r.hosts?.contains { Self.host(url.host, matches: $0) } ?? false
            }
            guard hostMatches else { continue }
            // Up to the query or fragment (both marks are ASCII).
            let path = pathAndQuery[..<(pathAndQuery.utf8.firstIndex { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? pathAndQuery.endIndex)]
            if let p = r.path, !path.hasPrefix(p) { continue }
            switch r.carries ?? "query" {
            case "label":
                let suffix = "." + (r.hostSuffix ?? "")
                let label = url.host.dropLast(suffix.count).split(separator: ".").last.map(String.init) ?? ""
                return (r, Self.decodeTranslateLabel(label).map { "https://\($0)\(pathAndQuery)" })
            case "path":
                let rest = path.dropFirst(r.path?.count ?? 0)
                return (r, rest.isEmpty ? nil : "https://\(rest)")
            default:
                let query = pathAndQuery.drop { $0 != "?" }.dropFirst().prefix { $0 != "#" }
                for pair in query.split(separator: "&") {
                    let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    guard kv.count == 2, r.params?.contains(String(kv[0])) == true else { continue }
                    let value = String(decoding: ContentType.percentDecode(kv[1]), as: UTF8.self)
                    return (r, value.isEmpty ? nil : value)
                }
                return (r, nil)
            }
        }
        return nil
    }

    /// Whether `domain` is a link shortener's.
    public func isShortener(_ domain: String?) -> Bool {
        domain.map(shorteners.contains) ?? false
    }

    /// The host a Google Translate proxy label stands for: `-` is a dot and `--` a hyphen
    /// (`www-example--shop-com` is `www.example-shop.com`).
    static func decodeTranslateLabel(_ label: String) -> String? {
        guard !label.isEmpty else { return nil }
        var out = ""
        var chars = label.makeIterator()
        var pendingDash = false
        while let c = chars.next() {
            if c == "-" {
                if pendingDash { out.append("-"); pendingDash = false } else { pendingDash = true }
                continue
            }
            if pendingDash { out.append("."); pendingDash = false }
            out.append(c)
        }
        if pendingDash { out.append(".") }
        return out.contains(".") ? out : nil
    }
}

/// Signs that a registry took a domain off the air (`Resources/suspension.json`): name servers a
/// registrar moves suspended domains to, and hold statuses.
public struct SuspensionSigns: Sendable, Hashable {
    public struct Nameserver: Sendable, Hashable, Codable {
        public var pattern: String
        public var registrar: String
        public var reason: String
        public var source: String
    }

    public struct Status: Sendable, Hashable, Codable {
        public var status: String
        public var reason: String
        public var source: String
    }

    public var nameservers: [Nameserver]
    public var statuses: [Status]

    public static let bundled: SuspensionSigns = {
        struct File: Decodable {
            var nameservers: [Nameserver]
            var statuses: [Status]
        }
        guard let file = BundledResource.json("suspension", as: File.self) else { return SuspensionSigns(nameservers: [], statuses: []) }
        return SuspensionSigns(nameservers: file.nameservers, statuses: file.statuses)
    }()

    /// The suspension set `host` belongs to.
    public func nameserver(_ host: String) -> Nameserver? {
        nameservers.first { HostPattern($0.pattern).matches(host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))) }
    }

    /// The hold status a status word or line names (`clientHold`, `client hold`, `[Status] Suspended`;
    /// never "To be suspended").
    public func status(in text: String) -> Status? {
        let squeezed = text.lowercased().filter { !$0.isWhitespace }
        if squeezed.contains("tobesuspended") { return nil }
        return statuses.first { squeezed.contains($0.status) }
    }
}
