import Foundation

/// DNS record types the resolver asks for.
public enum DNSRecordType: String, Sendable, Hashable {
    case a = "A", aaaa = "AAAA", ns = "NS", txt = "TXT", ptr = "PTR"
}

/// A lookup that did not give an answer: unreachable, timed out, refused, rate-limited, or skipped.
public struct LookupFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The server took the question and did not answer in time: skipped for the rest of the run.
        case timeout
        /// The server could not be reached (refused, unreachable, name not found).
        case unreachable
        /// The server said to slow down (HTTP 429, a WHOIS refusal).
        case rateLimited
        /// The server answered with an error (HTTP 5xx and the like).
        case serverError
        /// Not asked: the server timed out earlier in the run, or the message's lookup budget is spent.
        case skipped
    }

    public var server: String
    public var query: String
    public var message: String
    public var kind: Kind

    public init(server: String, query: String, message: String, kind: Kind = .unreachable) {
        self.server = server
        self.query = query
        self.message = message
        self.kind = kind
    }

    public var description: String { "\(server) \"\(query)\": \(message)" }
}

/// WHOIS over TCP 43 (RFC 3912). `server` is `host` or `host:port`.
public protocol WhoisQuerying {
    func whois(_ query: String, server: String) throws -> String
}

/// HTTPS GET of RDAP JSON; returns the status and the body.
public protocol RDAPFetching {
    func rdap(_ url: String) throws -> (status: Int, body: [UInt8])
}

/// DNS queries through the configured resolver; NXDOMAIN and no data are an empty answer.
public protocol DNSResolving {
    func resolve(_ name: String, type: DNSRecordType) throws -> [String]
}

/// Where answers are kept between runs, so a domain is asked about once per cache period.
public protocol LookupCache {
    func cached(_ key: String, maxAge: TimeInterval) -> String?
    func store(_ key: String, _ value: String)
}

/// A cache that lives as long as the process.
public final class MemoryLookupCache: LookupCache, @unchecked Sendable {
    private var entries: [String: (String, Date)] = [:]
    private let lock = NSLock()
    public init() {}
    public func cached(_ key: String, maxAge: TimeInterval) -> String? {
        lock.lock(); defer { lock.unlock() }
        guard let (v, at) = entries[key], Date().timeIntervalSince(at) <= maxAge else { return nil }
        return v
    }
    public func store(_ key: String, _ value: String) {
        lock.lock(); defer { lock.unlock() }
        entries[key] = (value, Date())
    }
}

/// The RDAP bootstrap (RFC 9224): which server answers for a TLD or an address block.
public struct RDAPBootstrap: Sendable, Hashable {
    public var domains: [String: String] = [:]
    public var networks: [(IPAddress.Network, String)] = []

    public static func == (a: RDAPBootstrap, b: RDAPBootstrap) -> Bool { a.domains == b.domains && a.networks.count == b.networks.count }
    // `sources` is bookkeeping: two bootstraps with the same entries are the same.
    public func hash(into h: inout Hasher) { h.combine(domains) }

    /// For each file read: its IANA publication date and the folder it came from.
    public var sources: [String: (publication: String, directory: String)] = [:]

    public init() {}

    /// The bootstrap files shipped in the package (`Resources/rdap`), with their publication dates.
    public static var bundledDirectory: String? {
        BundledResource.path("rdap")
    }

    /// Reads `dns.json`, `ipv4.json` and `ipv6.json` (IANA's format) from a folder; missing files are skipped.
    public init(directory: String) {
        self.init(directories: [directory])
    }

    /// Reads each of `dns.json`, `ipv4.json` and `ipv6.json` from the first folder that has a valid copy
    /// (a refreshed one before the bundled one).
    public init(directories: [String]) {
        var found: [String: (publication: String, directory: String)] = [:]
        func services(_ file: String) -> [[Any]] {
            for directory in directories {
                guard let data = FileManager.default.contents(atPath: (directory as NSString).appendingPathComponent(file)),
                    let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                    let services = json["services"] as? [[Any]], !services.isEmpty
                else { continue }
                found[file] = ((json["publication"] as? String) ?? "unknown", directory)
                return services
            }
            return []
        }
        defer { sources = found }
        func base(_ urls: [String]) -> String? {
            (urls.first { $0.hasPrefix("https://") } ?? urls.first).map { $0.hasSuffix("/") ? $0 : $0 + "/" }
        }
        for s in services("dns.json") where s.count == 2 {
            guard let tlds = s[0] as? [String], let urls = s[1] as? [String], let b = base(urls) else { continue }
            for t in tlds { domains[t.lowercased()] = b }
        }
        for file in ["ipv4.json", "ipv6.json"] {
            for s in services(file) where s.count == 2 {
                guard let blocks = s[0] as? [String], let urls = s[1] as? [String], let b = base(urls) else { continue }
                for block in blocks { if let n = IPAddress.Network(block) { networks.append((n, b)) } }
            }
        }
    }

    public func server(forDomain domain: String) -> String? {
        guard let tld = domain.split(separator: ".").last else { return nil }
        return domains[String(tld)]
    }

    public func server(for ip: IPAddress) -> String? {
        networks.filter { $0.0.contains(ip) }.max { $0.0.prefix < $1.0.prefix }?.1
    }
}
