import Foundation

/// What a draft reports and to whom.
public enum DraftKind: String, Sendable, Hashable, Codable, CaseIterable {
    case carrierForward = "carrier-forward"
    case network, registrar, hosting, nameserver, arf
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

    public init(kind: DraftKind, to: [String], form: String?, subject: String, id: String, raw: [UInt8]) {
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
public struct DraftSettings: Sendable, Hashable {
    /// The From of every draft (`Name <addr>` or a bare address).
    public var from: String
    public var language: ReportLanguage

    public init(from: String = "watcher@localhost", language: ReportLanguage = .ja) {
        self.from = from
        self.language = language
    }
}
