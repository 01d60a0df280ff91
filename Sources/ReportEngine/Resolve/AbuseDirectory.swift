import Foundation

/// An abuse desk the program knows, and how to recognise the domains it can act on.
public struct AbuseDesk: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var email: String?
    /// The page of the desk's web form, for desks that take reports that way.
    public var form: String?
    public var language: String
    public var whoisEmails: [String]
    public var nameservers: [String]
    public var registrarNames: [String]
    /// The page that documents the desk.
    public var source: String?
    /// How sure the entry is, in words.
    public var status: String?
    /// The name in Japanese, for Japanese texts.
    public var nameJa: String?

    public init(id: String, name: String, email: String?, form: String?, language: String, whoisEmails: [String],
                nameservers: [String], registrarNames: [String], source: String? = nil, status: String? = nil, nameJa: String? = nil) {
        self.nameJa = nameJa
        self.source = source
        self.status = status
        self.id = id
        self.name = name
        self.email = email
        self.form = form
        self.language = language
        self.whoisEmails = whoisEmails
        self.nameservers = nameservers
        self.registrarNames = registrarNames
    }
}

/// The abuse-contact directory: a data file in the package, changed by the configuration.
public struct AbuseDirectory: Sendable, Hashable {
    public var desks: [AbuseDesk]

    public init(desks: [AbuseDesk]) { self.desks = desks }

    public static let bundled: AbuseDirectory = {
        struct File: Decodable { var desks: [AbuseDesk] }
        guard let file = BundledResource.json("abuse-directory", as: File.self) else { return AbuseDirectory(desks: []) }
        return AbuseDirectory(desks: file.desks)
    }()

    /// The desk behind a WHOIS/RDAP record, recognised by a proxy address, a nameserver or the registrar's name.
    public func desk(emails: [String], nameservers: [String], registrar: String?) -> (AbuseDesk, String)? {
        for d in desks where d.id != "dekyo" {
            if let e = emails.first(where: { d.whoisEmails.contains($0.lowercased()) }) { return (d, "WHOIS contact \(e)") }
            if let ns = nameservers.first(where: { n in d.nameservers.contains { HostPattern($0).matches(n) } }) { return (d, "nameserver \(ns)") }
            if let r = registrar, d.registrarNames.contains(where: { r.lowercased().contains($0.lowercased()) }) { return (d, "registrar \(r)") }
        }
        return nil
    }

    /// Every address the directory lists: the only ones besides the carriers and the allowlist that
    /// may be sent to without review.
    public var emails: [String] { desks.compactMap { $0.email?.lowercased() } }

    /// 迷惑メール相談センター, the clearing house that takes the unaltered original (`[reports] dekyo = true`).
    public var dekyo: AbuseDesk? { desks.first { $0.id == "dekyo" } }

    public mutating func apply(_ desk: AbuseDesk) {
        if let i = desks.firstIndex(where: { $0.id == desk.id }) { desks[i] = desk } else { desks.append(desk) }
    }
}
