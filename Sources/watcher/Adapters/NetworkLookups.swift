import Foundation
import IMAPWatcher
import ReportEngine

/// The lookup transports of IMAPWatcher behind ReportEngine's protocols.
struct NetworkLookups: WhoisQuerying, RDAPFetching, DNSResolving {
    let whoisClient: WhoisQuery
    let http: HTTPSGet
    let dnsClient: DNSQuery

    init(config: WatcherConfig) {
        whoisClient = WhoisQuery(timeout: config.lookupTimeout)
        http = HTTPSGet(timeout: config.lookupTimeout)
        dnsClient = DNSQuery(server: config.lookup.dnsServer, timeout: max(1, config.lookupTimeout / 2))
    }

    func whois(_ query: String, server: String) throws -> String {
        let bytes = try NetworkLookups.failure(server: server, query: query) { () throws(MailError) in try whoisClient.ask(query, server: server) }
        // JPRS and JPNIC answer in ISO-2022-JP or UTF-8; others in ASCII or Latin-1.
        return Charset.decode(bytes, label: nil).text
    }

    func rdap(_ url: String) throws -> (status: Int, body: [UInt8]) {
        let host = url.split(separator: "/").dropFirst().first.map(String.init) ?? url
        return try NetworkLookups.failure(server: host, query: url) { () throws(MailError) in try http.get(url) }
    }

    /// Runs a transport call, turning its `MailError` into the `LookupFailure` kind the resolver acts on.
    static func failure<T>(server: String, query: String, _ body: () throws(MailError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            let kind: LookupFailure.Kind = switch error.kind {
            case .timeout: .timeout
            case .connection: .unreachable
            default: .serverError
            }
            throw LookupFailure(server: server, query: query, message: error.message, kind: kind)
        }
    }

    func resolve(_ name: String, type: DNSRecordType) throws -> [String] {
        let code: Int32 = switch type {
        case .a: 1
        case .aaaa: 28
        case .ns: 2
        case .txt: 16
        case .ptr: 12
        }
        do {
            return try dnsClient.query(name, type: code)
        } catch {
            // SERVFAIL for one broken delegation says nothing of the resolver: the name alone stays pending.
            throw LookupFailure(server: dnsClient.server.map { "DNS \($0)" } ?? "DNS", query: name, message: error.message, kind: .serverError)
        }
    }
}

extension WatcherConfig {
    /// The resolver this configuration describes, caching in `cache` (the ledger, or memory for `analyze`).
    func makeResolver(cache: LookupCache) -> Resolver {
        let lookups = NetworkLookups(config: self)
        let configuration = ResolverConfiguration(whoisServers: lookup.whoisServers, bootstrap: bootstrap,
                                                  directory: directoryTable, cacheTTL: TimeInterval(lookup.cacheTTL),
                                                  pacing: lookup.pacing, budget: TimeInterval(lookup.budget))
        return Resolver(configuration: configuration, whois: lookups, rdap: lookups, dns: lookups, cache: cache)
    }
}
