import Foundation

/// An RDAP answer (RFC 9083) for a domain or an IP network, read into the facts abuse reporting needs.
public struct RDAPResponse: Sendable, Hashable {
    /// An entity with its roles and, for nested entities, the roles of its parents.
    public struct Entity: Sendable, Hashable {
        public var roles: [String]
        public var parentRoles: [String]
        public var name: String?
        public var emails: [String]
    }

    public var objectClass: String?
    public var name: String?
    public var handle: String?
    public var status: [String] = []
    public var nameservers: [String] = []
    public var entities: [Entity] = []
    /// `related` links (a registrar's own RDAP record).
    public var relatedLinks: [String] = []
    public var registration: String?
    public var expiration: String?
    public var remarks: String = ""

    /// Parses RDAP JSON; nil when the bytes are not an RDAP object.
    public static func parse(_ data: [UInt8]) -> RDAPResponse? {
        guard let json = try? JSONSerialization.jsonObject(with: Data(data)) as? [String: Any] else { return nil }
        guard json["objectClassName"] != nil || json["ldhName"] != nil || json["startAddress"] != nil else { return nil }
        var r = RDAPResponse()
        r.objectClass = json["objectClassName"] as? String
        r.name = (json["ldhName"] as? String)?.lowercased() ?? json["name"] as? String
        r.handle = json["handle"] as? String
        r.status = (json["status"] as? [String] ?? []).map { $0.lowercased() }
        r.nameservers = (json["nameservers"] as? [[String: Any]] ?? []).compactMap { ($0["ldhName"] as? String)?.lowercased() }
        for link in json["links"] as? [[String: Any]] ?? [] where (link["rel"] as? String) == "related" {
            if let href = link["href"] as? String { r.relatedLinks.append(href) }
        }
        for e in json["events"] as? [[String: Any]] ?? [] {
            let date = (e["eventDate"] as? String).map { String($0.prefix(10)) }
            switch e["eventAction"] as? String {
            case "registration": r.registration = date
            case "expiration": r.expiration = date
            default: break
            }
        }
        r.remarks = (json["remarks"] as? [[String: Any]] ?? []).flatMap { $0["description"] as? [String] ?? [] }.joined(separator: " ")
        func walk(_ list: [[String: Any]], parents: [String]) {
            for e in list {
                let roles = (e["roles"] as? [String] ?? []).map { $0.lowercased() }
                var name: String?
                var emails: [String] = []
                if let vcard = e["vcardArray"] as? [Any], vcard.count > 1, let props = vcard[1] as? [[Any]] {
                    for p in props where p.count >= 4 {
                        let key = (p[0] as? String)?.lowercased()
                        if key == "fn", let v = p[3] as? String { name = v }
                        if key == "email", let v = p[3] as? String { emails += Address.all(in: v) }
                    }
                }
                r.entities.append(Entity(roles: roles, parentRoles: parents, name: name, emails: emails))
                walk(e["entities"] as? [[String: Any]] ?? [], parents: parents + roles)
            }
        }
        walk(json["entities"] as? [[String: Any]] ?? [], parents: [])
        return r
    }

    /// The registrar's name.
    /// The registrant's name (often a privacy service).
    public var registrantName: String? {
        entities.first { $0.roles.contains("registrant") }?.name
    }

    public var registrarName: String? {
        entities.first { $0.roles.contains("registrar") }?.name
    }

    /// Abuse addresses, placeholders and redacted values left out: for a domain, those of the
    /// registrar's abuse entity; for a network, every abuse entity.
    public var abuseEmails: [String] {
        var out: [String] = []
        let abuse = entities.filter { $0.roles.contains("abuse") }
        let preferred = abuse.filter { $0.parentRoles.contains("registrar") }
        for e in (preferred.isEmpty ? abuse : preferred) {
            for m in e.emails where !out.contains(m) && RDAPResponse.isReal(m) { out.append(m) }
        }
        return out
    }

    /// Whether the answer sends the reader to JPNIC (APNIC's placeholder for Japanese address space).
    public var pointsToJPNIC: Bool {
        entities.contains { $0.emails.contains("hostmaster@nic.ad.jp") } || remarks.contains("JPNIC")
    }

    static func isReal(_ email: String) -> Bool {
        let e = email.lowercased()
        if WhoisRecord.placeholders.contains(e) { return false }
        return !e.contains("redacted") && !e.contains("please query") && !e.hasPrefix("removed@")
    }
}
