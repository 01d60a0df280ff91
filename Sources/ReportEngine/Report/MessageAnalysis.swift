/// The readable facts of a message: what a person sees in a mail client.
public struct MessageSummary: Sendable, Hashable {
    public var messageID: String?
    /// Decoded subject.
    public var subject: String?
    /// The From address (addr-spec only, lower-case).
    public var from: String?
    /// The From field as written, decoded.
    public var fromText: String?
    public var toText: String?
    /// ISO 8601, keeping the message's offset.
    public var date: String?
    /// The Date field as written.
    public var dateText: String?
    /// text/plain parts, or text rendered from HTML when there is none.
    public var text: String
}

/// A contact that can act on a report (filled in by lookups; see `Resolve`).
public struct Contact: Sendable, Hashable {
    public var role: String
    public var name: String
    public var email: String?
    public var form: String?
    public var domains: [String]
    public var evidence: [String]
    /// The desk's name in Japanese, for Japanese texts (directory desks that have one).
    public var nameJa: String?

    public init(role: String, name: String, email: String?, form: String?, domains: [String], nameJa: String? = nil, evidence: [String]) {
        self.nameJa = nameJa
        self.role = role
        self.name = name
        self.email = email
        self.form = form
        self.domains = domains
        self.evidence = evidence
    }
}

extension Contact {
    /// Where reports to this contact go: its address, else its form, else its name.
    public var desk: String { email ?? form ?? name }

    /// Contacts with the same key merged into the first one: its domains and evidence collected, order kept.
    public static func merged(_ contacts: [Contact], by key: (Contact) -> String) -> [Contact] {
        var out: [Contact] = []
        for c in contacts {
            if let i = out.firstIndex(where: { key($0) == key(c) }) {
                for d in c.domains where !out[i].domains.contains(d) { out[i].domains.append(d) }
                for e in c.evidence where !out[i].evidence.contains(e) { out[i].evidence.append(e) }
            } else {
                out.append(c)
            }
        }
        return out
    }
}

/// Everything `analyze` learns about one message. Its JSON form is the `analyze --json` schema.
public struct MessageAnalysis: Sendable, Hashable {
    public var file: String?
    public var summary: MessageSummary
    public var origin: Origin
    public var urls: [ExtractedURL]
    public var domains: [String]
    /// The phishing verdict: the imitated brand and the lures; nil when the message is not phishing.
    public var phishing: PhishingVerdict?
    public var contacts: [Contact]
    public var pending: [String]
    public var diagnostics: [String]
    public var drafts: [Draft]
    /// Registrant names the lookups found, by domain (for the "same registrant" sentence).
    public var registrants: [String: String] = [:]
    /// The message whose content was analysed (the attached one, for a spam forwarded as attachment).
    public var analysed: MIMEMessage

    /// The `analyze --json` object, fields in the documented order.
    public var json: JSONValue {
        .object([
            ("file", .optional(file)),
            ("messageId", .optional(summary.messageID)),
            ("subject", .optional(summary.subject)),
            ("from", .optional(summary.from)),
            ("date", .optional(summary.date)),
            ("text", .string(summary.text)),
            ("origin", .object([
                ("carrier", .optional(origin.carrier)),
                ("spoofed", .bool(origin.spoofed)),
                ("sourceIP", .optional(origin.sourceIP)),
                ("spf", .optional(origin.spf)),
                ("dkim", .optional(origin.dkim)),
                ("dmarc", .optional(origin.dmarc)),
            ])),
            ("urls", .array(urls.map { u in
                .object([
                    ("url", .string(u.url)), ("host", .string(u.host)), ("domain", .optional(u.domain)),
                    ("defanged", .bool(u.defanged)), ("obfuscated", .bool(u.obfuscated)), ("part", .string(u.part)),
                    ("role", .string(u.role)), ("deceptive", .bool(u.deceptive)),
                ])
            })),
            ("domains", .strings(domains)),
            ("phishing", phishing?.json ?? .null),
            ("contacts", .array(contacts.map { c in
                .object([
                    ("role", .string(c.role)), ("name", .string(c.name)), ("email", .optional(c.email)),
                    ("form", .optional(c.form)), ("domains", .strings(c.domains)), ("evidence", .strings(c.evidence)),
                ])
            })),
            ("pending", .strings(pending)),
            ("diagnostics", .strings(diagnostics)),
            ("drafts", .array(drafts.map { d in
                .object([
                    ("kind", .string(d.kind.rawValue)), ("to", .strings(d.to)), ("form", .optional(d.form)),
                    ("subject", .string(d.subject)), ("raw", .string(String(decoding: d.raw, as: UTF8.self))),
                ])
            })),
        ])
    }

    /// The JSON object for a file that is not a message.
    public static func errorJSON(file: String, error: String) -> JSONValue {
        .object([("file", .string(file)), ("error", .string(error))])
    }
}
