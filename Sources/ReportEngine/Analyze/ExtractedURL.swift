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

    public init(url: String, host: String, domain: String?, defanged: Bool, obfuscated: Bool, part: String) {
        self.url = url
        self.host = host
        self.domain = domain
        self.defanged = defanged
        self.obfuscated = obfuscated
        self.part = part
    }
}
