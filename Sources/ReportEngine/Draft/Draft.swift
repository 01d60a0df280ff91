import Foundation

/// What a draft reports and to whom.
public enum DraftKind: String, Sendable, Hashable, Codable, CaseIterable {
    case carrierForward = "carrier-forward"
    case network, registrar, hosting, nameserver, arf
    /// The unaltered original to 迷惑メール相談センター (`[reports] dekyo = true`).
    case clearinghouse
    /// A phishing message to a clearing house (フィッシング対策協議会, APWG, Safe Browsing), and to the
    /// imitated brand's own desk (`[phishing] desks`).
    case phishing, brand
    /// A second word to a desk about a domain still up long after its report (`[recheck] follow_up_after`).
    case followUp = "follow-up"

    /// Made from the message alone, so delivered before any lookup starts.
    public var needsNoLookup: Bool { self == .carrierForward || self == .clearinghouse || self == .phishing || self == .brand }
}

/// A complete report message, ready to be put in a drafts folder, sent, or written to a file.
public struct Draft: Sendable, Hashable {
    public var kind: DraftKind
    /// Bare addresses, lower-case; empty for a web-form desk.
    public var to: [String]
    /// The desk's web form, when it takes reports that way.
    public var form: String?
    /// The subject as a person reads it (decoded).
    public var subject: String
    /// The stable id carried in the `X-Watcher-Draft-Id` header.
    public var id: String
    /// The whole RFC 5322 message, CRLF line ends.
    public var raw: [UInt8]
    /// What the report asks the desk to act on (`X-Watcher-Targets`), for phishing and brand reports.
    public var targets: [String]
    /// The lure hosts a phishing or brand report names: the same host is not sent to the same desk
    /// again within `[phishing] repeat_after`.
    public var hosts: [String]

    /// The desk it goes to: its addresses, or its form.
    public var desk: String { to.isEmpty ? (form ?? "") : to.joined(separator: ",") }

    public init(kind: DraftKind, to: [String], form: String?, subject: String, id: String, raw: [UInt8],
                targets: [String] = [], hosts: [String] = []) {
        self.targets = targets
        self.hosts = hosts
        self.kind = kind
        self.to = to
        self.form = form
        self.subject = subject
        self.id = id
        self.raw = raw
    }
}

/// Language of report texts.
public enum ReportLanguage: String, Sendable, Hashable, Codable {
    case ja, en
}

/// Who the drafts come from and how they are written.
public struct DraftSettings: Sendable {
    /// The From of every draft (`Name <addr>` or a bare address).
    public var from: String
    public var language: ReportLanguage
    /// The reporter's own addresses (`[reports] own_addresses`, the IMAP user): never shown to third parties.
    public var ownAddresses: [String]
    /// Whether URLs in third-party reports lose path, query and fragment (`[reports] redact_tracking`).
    public var redactTracking: Bool
    /// Where the unaltered original also goes (`[reports] dekyo = true`): 迷惑メール相談センター.
    public var clearinghouse: AbuseDesk?
    /// The report texts.
    public var templates: ReportTemplates
    /// How reports are signed (`[reports] signature`); nil: the From name.
    public var signature: String?
    /// Where phishing goes (`[phishing]`).
    public var phishing: PhishingSettings

    public init(from: String = "watcher@localhost", language: ReportLanguage = .ja, ownAddresses: [String] = [],
                redactTracking: Bool = true, clearinghouse: AbuseDesk? = nil, templates: ReportTemplates = .bundled, signature: String? = nil,
                phishing: PhishingSettings = PhishingSettings()) {
        self.phishing = phishing
        self.clearinghouse = clearinghouse
        self.templates = templates
        self.signature = signature
        self.from = from
        self.language = language
        self.ownAddresses = ownAddresses
        self.redactTracking = redactTracking
    }

    /// The signature under every report: `signature`, else the display name of From, else its address.
    public var signatureText: String {
        if let signature, !signature.isEmpty { return signature }
        if let lt = from.firstIndex(of: "<") {
            let name = from[..<lt].trimmingCharacters(in: CharacterSet(charactersIn: " \t\""))
            if !name.isEmpty { return name }
        }
        return Address.first(in: from) ?? from
    }

    /// What a third-party report about `message` hides.
    public func redaction(for message: MIMEMessage) -> Redaction {
        let from = Address.first(in: self.from).map { [$0] } ?? []
        return Redaction(addresses: ownAddresses + from + Redaction.recipients(of: message), trackingURLs: redactTracking)
    }
}
