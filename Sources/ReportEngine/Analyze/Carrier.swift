import Foundation

/// A mobile carrier whose subscribers' spam is reported to the carrier's desk.
public struct Carrier: Sendable, Hashable, Codable {
    /// Short identifier used in JSON and config (`docomo`, `au`, `softbank`, `rakuten`).
    public var id: String
    /// Display name.
    public var name: String
    /// Mail domains of its subscribers (`From` domains), lower-case.
    public var domains: [String]
    /// The abuse desk that takes forwarded spam from its subscribers.
    public var desk: String
    /// Host patterns of its mail relays (`*.x` matches any subdomain of x).
    public var relays: [String]
    /// Authentication-Results authserv-id patterns its servers write.
    public var authservIDs: [String]
    /// The name in Japanese, for Japanese texts.
    public var nameJa: String?

    public init(id: String, name: String, domains: [String], desk: String, relays: [String], authservIDs: [String], nameJa: String? = nil) {
        self.nameJa = nameJa
        self.id = id
        self.name = name
        self.domains = domains
        self.desk = desk
        self.relays = relays
        self.authservIDs = authservIDs
    }

    /// Whether `domain` is one of this carrier's subscriber domains.
    public func owns(domain: String) -> Bool { domains.contains(domain.lowercased()) }
}

/// The carrier table: the bundled data file, changed by the user's configuration.
public struct CarrierTable: Sendable, Hashable {
    public var carriers: [Carrier]

    public init(carriers: [Carrier]) { self.carriers = carriers }

    /// The table shipped in the package (`Resources/carriers.json`).
    public static let bundled: CarrierTable = {
        struct File: Decodable { var carriers: [Carrier] }
        guard let file = BundledResource.json("carriers", as: File.self) else { return CarrierTable(carriers: []) }
        return CarrierTable(carriers: file.carriers)
    }()

    /// The carrier whose subscribers use `domain`.
    public func carrier(forDomain domain: String) -> Carrier? {
        carriers.first { $0.owns(domain: domain) }
    }

    /// Replaces the carrier with the same id, or adds it.
    public mutating func apply(_ carrier: Carrier) {
        if let i = carriers.firstIndex(where: { $0.id == carrier.id }) {
            carriers[i] = carrier
        } else {
            carriers.append(carrier)
        }
    }

    /// Every relay pattern of every carrier.
    public var relayPatterns: [String] { carriers.flatMap(\.relays) }
    /// Every authserv-id pattern of every carrier.
    public var authservPatterns: [String] { carriers.flatMap(\.authservIDs) }
}
