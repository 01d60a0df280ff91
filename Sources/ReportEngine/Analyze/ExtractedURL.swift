/// A URL found in a message body. Never fetched: it is text to report, not a place to visit.
public struct ExtractedURL: Sendable, Hashable, Codable {
    /// The URL normalised: lower-case scheme and host, host as A-label or dotted IP, defanging undone.
    public var url: String
    /// The host name (A-label) or IP address.
    public var host: String
    /// The registrable domain (A-label); nil for an IP host or an unknown TLD.
    public var domain: String?
    /// It was written defanged (`hxxp`, `[.]`, `[dot]` …).
    public var defanged: Bool
    /// It was disguised (full-width letters, ideographic dots, zero-width characters, entities, numeric IP forms).
    public var obfuscated: Bool
    /// Where it was found: `text` or `html`.
    public var part: String
    /// What it is: `link` (an HTML link target: `href`, `action`, refresh), `image` (a resource loaded to
    /// show the message: `src`, `background`) or `text` (written in the text, visible).
    public var role: String
    /// An anchor shows one host in its text and links to another: the classic phishing tell.
    public var deceptive: Bool
    /// The site (registrable domain, or host) of the URL as written whose path or query carried this
    /// one, through any number of URLs between; nil when it was written on its own anywhere in the
    /// message. Not part of the JSON.
    public var carrier: String?

    public init(url: String, host: String, domain: String?, defanged: Bool, obfuscated: Bool, part: String,
                role: String = "text", deceptive: Bool = false) {
        self.url = url
        self.host = host
        self.domain = domain
        self.defanged = defanged
        self.obfuscated = obfuscated
        self.part = part
        self.role = role
        self.deceptive = deceptive
    }

    /// The registrable domain, or the host when there is none (an IP address).
    public var site: String { domain ?? host }
}
