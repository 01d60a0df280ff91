import Foundation
import ReportEngine

extension WatcherConfig {
    enum Kind { case string, strings, bool, table, duration }

    /// Every section and key the file may hold, with the type each takes.
    static let schema: [String: [String: Kind]] = [
        "source": ["kind": .string, "path": .string],
        "imap": [
            "url": .string, "user": .string, "password_file": .string, "password_command": .string, "auth": .string, "token_command": .string,
            "folder": .string,
            "drafts_folder": .string, "sent_folder": .string, "mark": .string, "ca_file": .string, "allow_insecure": .bool,
        ],
        "smtp": [
            "url": .string, "user": .string, "password_file": .string, "password_command": .string, "auth": .string, "token_command": .string,
            "ca_file": .string, "allow_insecure": .bool,
        ],
        "reports": [
            "mode": .string, "directory": .string, "from": .string, "language": .string, "repeat_policy": .string,
            "redact_tracking": .bool, "allowlist": .strings, "own_addresses": .strings, "dekyo": .bool, "signature": .string, "templates": .string,
        ],
        "summary": ["to": .string, "time_zone": .string],
        "phishing": ["desks": .strings, "redact": .bool, "repeat_after": .duration],
        "recheck": ["after": .duration, "every": .duration, "until": .duration, "follow_up_after": .duration],
        "analysis": ["trusted_relays": .strings, "trusted_authserv_ids": .strings, "submission_relays": .strings, "never_report": .strings],
        "lookup": [
            "enabled": .bool, "timeout": .duration, "cache_ttl": .duration, "whois_servers": .table,
            "rdap_bootstrap": .string, "dns_server": .string, "pacing": .duration, "budget": .duration,
        ],
        "state": ["path": .string],
    ]
    static let carrierKeys: [String: Kind] = ["name": .string, "domains": .strings, "desk": .string, "relays": .strings, "authserv_ids": .strings]

    /// Reads and validates a configuration file.
    /// - Throws: `ConfigErrors` listing every problem, each naming its key and line.
    static func load(path: String) throws -> WatcherConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigErrors(errors: [ConfigError(keyPath: path, line: nil, problem: "cannot read the file")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigErrors(errors: [ConfigError(keyPath: path, line: nil, problem: "the file is not UTF-8 text")])
        }
        var config = try parse(text)
        config.directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try config.loadTemplates(text: text)
        return config
    }

    /// Parses configuration text.
    static func parse(_ text: String) throws -> WatcherConfig {
        let table: TOMLTable
        do {
            table = try TOML.parse(text)
        } catch {
            throw ConfigErrors(errors: [ConfigError(keyPath: "(syntax)", line: error.line, problem: error.message)])
        }
        var config = WatcherConfig()
        var errors: [ConfigError] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)

        func line(of section: String, _ key: String?) -> Int? {
            var inSection = false
            for (n, l) in lines.enumerated() {
                let t = l.trimmingCharacters(in: .whitespaces)
                if t.hasPrefix("[") {
                    let name = t.trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
                    inSection = name == section
                    if inSection, key == nil { return n + 1 }
                    continue
                }
                if let key, inSection, t.hasPrefix(key), t.dropFirst(key.count).trimmingCharacters(in: .whitespaces).hasPrefix("=") {
                    return n + 1
                }
            }
            return nil
        }
        func fail(_ section: String, _ key: String?, _ problem: String) {
            let path = key.map { "\(section).\($0)" } ?? section
            errors.append(ConfigError(keyPath: path, line: line(of: section, key), problem: problem))
        }
        func strings(_ v: TOMLValue) -> [String]? {
            guard let a = v.array else { return nil }
            var out: [String] = []
            for item in a {
                guard let s = item.string else { return nil }
                out.append(s)
            }
            return out
        }

        for section in table.keys {
            guard let sectionTable = table[section]?.table else {
                errors.append(ConfigError(keyPath: section, line: nil, problem: "expected a [\(section)] section, found a value"))
                continue
            }
            if section == "carriers" {
                for id in sectionTable.keys {
                    let path = "carriers.\(id)"
                    guard let c = sectionTable[id]?.table else { fail("carriers", id, "expected a table"); continue }
                    var base = CarrierTable.bundled.carriers.first { $0.id == id }
                        ?? Carrier(id: id, name: id, domains: [], desk: "", relays: [], authservIDs: [])
                    for key in c.keys {
                        guard let kind = carrierKeys[key] else {
                            fail(path, key, "unknown key (known: \(carrierKeys.keys.sorted().joined(separator: ", ")))"); continue
                        }
                        let v = c[key]!
                        switch (key, kind) {
                        case ("name", _): if let s = v.string { base.name = s } else { fail(path, key, "expected a string") }
                        case ("desk", _):
                            if let s = v.string, Address.first(in: s) != nil { base.desk = Address.first(in: s)! } else { fail(path, key, "expected an e-mail address") }
                        case ("domains", _): if let s = strings(v) { base.domains = s.map { $0.lowercased() } } else { fail(path, key, "expected an array of strings") }
                        case ("relays", _): if let s = strings(v) { base.relays = s } else { fail(path, key, "expected an array of strings") }
                        case ("authserv_ids", _): if let s = strings(v) { base.authservIDs = s } else { fail(path, key, "expected an array of strings") }
                        default: break
                        }
                    }
                    if base.desk.isEmpty { fail(path, "desk", "a new carrier needs a desk address") }
                    if base.domains.isEmpty { fail(path, "domains", "a new carrier needs its subscriber domains") }
                    config.carriers.append(base)
                }
                continue
            }
            if section == "directory" {
                for id in sectionTable.keys {
                    let path = "directory.\(id)"
                    guard let c = sectionTable[id]?.table else { fail("directory", id, "expected a table"); continue }
                    var desk = AbuseDirectory.bundled.desks.first { $0.id == id }
                        ?? AbuseDesk(id: id, name: id, email: nil, form: nil, language: "ja", whoisEmails: [], nameservers: [], registrarNames: [])
                    for key in c.keys {
                        let v = c[key]!
                        switch key {
                        case "name": if let x = v.string { desk.name = x } else { fail(path, key, "expected a string") }
                        case "email":
                            if let x = v.string, let a = Address.first(in: x) { desk.email = a } else { fail(path, key, "expected an e-mail address") }
                        case "form":
                            if let x = v.string, x.hasPrefix("https://") || x.hasPrefix("http://") { desk.form = x } else { fail(path, key, "expected a web address") }
                        case "language":
                            if let x = v.string, ["ja", "en"].contains(x) { desk.language = x } else { fail(path, key, "expected \"ja\" or \"en\"") }
                        case "whois_emails": if let x = strings(v) { desk.whoisEmails = x.map { $0.lowercased() } } else { fail(path, key, "expected an array of strings") }
                        case "nameservers": if let x = strings(v) { desk.nameservers = x } else { fail(path, key, "expected an array of strings") }
                        case "registrar_names": if let x = strings(v) { desk.registrarNames = x } else { fail(path, key, "expected an array of strings") }
                        default: fail(path, key, "unknown key (known: email, form, language, name, nameservers, registrar_names, whois_emails)")
                        }
                    }
                    if desk.email == nil && desk.form == nil { fail(path, "email", "a desk needs an email or a form") }
                    config.directoryDesks.append(desk)
                }
                continue
            }
            guard let keys = schema[section] else {
                fail(section, nil, "unknown section (known: \((schema.keys.sorted() + ["carriers", "directory"]).joined(separator: ", ")))")
                continue
            }
            for key in sectionTable.keys {
                guard let kind = keys[key] else {
                    fail(section, key, "unknown key (known: \(keys.keys.sorted().joined(separator: ", ")))")
                    continue
                }
                let v = sectionTable[key]!
                switch kind {
                case .string:
                    guard let s = v.string else { fail(section, key, "expected a string"); continue }
                    config.raw["\(section).\(key)"] = s
                case .strings:
                    guard let s = strings(v) else { fail(section, key, "expected an array of strings"); continue }
                    config.raw["\(section).\(key)"] = s.joined(separator: ", ")
                case .bool:
                    guard let b = v.bool else { fail(section, key, "expected true or false"); continue }
                    config.raw["\(section).\(key)"] = String(b)
                case .table:
                    guard v.table != nil else { fail(section, key, "expected a table such as { jp = \"127.0.0.1:4343\" }"); continue }
                case .duration:
                    guard let s = v.string, let seconds = Duration.parse(s) else {
                        fail(section, key, "expected a duration such as \"10s\", \"15m\", \"7d\", at most 3650d"); continue
                    }
                    if let limit = Duration.keyMaximum["\(section).\(key)"], seconds > limit.seconds {
                        fail(section, key, "\"\(s)\" is longer than \(limit.text), the most this key takes"); continue
                    }
                    config.raw["\(section).\(key)"] = s
                }
            }
        }

        // Values with a closed set of choices.
        func choice(_ key: String, _ allowed: [String]) -> String? {
            guard let v = config.raw[key] else { return nil }
            if !allowed.contains(v) {
                let parts = key.split(separator: ".").map(String.init)
                fail(parts[0], parts[1], "\"\(v)\" is not one of \(allowed.joined(separator: ", "))")
                return nil
            }
            return v
        }
        if let kind = choice("source.kind", SourceKind.allCases.map(\.rawValue)) { config.source.kind = SourceKind(rawValue: kind)! }
        if let mode = choice("reports.mode", ReportMode.allCases.map(\.rawValue)) { config.reports.mode = ReportMode(rawValue: mode)! }
        if let lang = choice("reports.language", ["ja", "en"]) { config.reports.language = ReportLanguage(rawValue: lang)! }
        if let policy = choice("reports.repeat_policy", RepeatPolicy.allCases.map(\.rawValue)) { config.reports.repeatPolicy = RepeatPolicy(rawValue: policy)! }
        if let mark = config.raw["imap.mark"] {
            if let policy = MarkPolicy(mark) { config.imap.mark = policy } else { fail("imap", "mark", "\"\(mark)\" is not keyword, none or move:FOLDER") }
        }
        if let from = config.raw["reports.from"] {
            if Address.first(in: from) == nil { fail("reports", "from", "\"\(from)\" has no e-mail address") } else { config.reports.from = from }
        }
        config.reports.directory = config.raw["reports.directory"]
        if let r = config.raw["reports.redact_tracking"] { config.reports.redactTracking = r == "true" }
        if let r = config.raw["reports.dekyo"] { config.reports.dekyo = r == "true" }
        config.reports.signature = config.raw["reports.signature"]
        if let t = table["phishing"]?.table {
            if let desks = t["desks"].flatMap(strings) {
                let unknown = desks.filter { !PhishingSettings.deskIDs.contains($0) }
                if unknown.isEmpty {
                    var seen = Set<String>()
                    config.phishing.desks = desks.filter { seen.insert($0).inserted }
                } else {
                    fail("phishing", "desks", "\(unknown.map { "\"\($0)\"" }.joined(separator: ", ")) is not one of \(PhishingSettings.deskIDs.joined(separator: ", "))")
                }
            }
            if let r = config.raw["phishing.redact"] { config.phishing.redact = r == "true" }
            if let v = config.raw["phishing.repeat_after"].flatMap(Duration.parse) { config.phishing.repeatAfter = v }
        }
        if let to = config.raw["summary.to"] {
            if Address.first(in: to) == nil { fail("summary", "to", "\"\(to)\" has no e-mail address") } else { config.summary.to = to }
        }
        if let zone = config.raw["summary.time_zone"] {
            if let tz = TimeZone(identifier: zone) { config.summary.timeZone = tz } else {
                fail("summary", "time_zone", "\"\(zone)\" is no time zone (write an IANA name such as Asia/Tokyo or Europe/Berlin)")
            }
        }
        if let v = config.raw["recheck.after"].flatMap(Duration.parse) { config.recheck.after = v }
        if let v = config.raw["recheck.every"].flatMap(Duration.parse) { config.recheck.every = v }
        if let v = config.raw["recheck.until"].flatMap(Duration.parse) { config.recheck.until = v }
        if let v = config.raw["recheck.follow_up_after"].flatMap(Duration.parse) { config.recheck.followUpAfter = v }
        config.imapUser = config.raw["imap.user"]
        config.source.path = config.raw["source.path"]
        func server(_ section: String) -> Server {
            var s = Server(url: config.raw["\(section).url"], user: config.raw["\(section).user"],
                           passwordFile: config.raw["\(section).password_file"], passwordCommand: config.raw["\(section).password_command"],
                           caFile: config.raw["\(section).ca_file"], allowInsecure: config.raw["\(section).allow_insecure"] == "true")
            s.tokenCommand = config.raw["\(section).token_command"]
            if let auth = choice("\(section).auth", Auth.allCases.map(\.rawValue)) { s.auth = Auth(rawValue: auth)! }
            // A token and a password are asked for differently: a key of the other kind is a mistake.
            if s.auth == .password, s.tokenCommand != nil {
                fail(section, "token_command", "is for auth = \"xoauth2\" or \"oauthbearer\"; with a password use password_file or password_command")
            }
            if s.auth != .password {
                if s.tokenCommand == nil { fail(section, "token_command", "auth = \"\(s.auth.rawValue)\" needs a command that prints the access token") }
                for key in ["password_file", "password_command"] where config.raw["\(section).\(key)"] != nil {
                    fail(section, key, "is for auth = \"password\"; with auth = \"\(s.auth.rawValue)\" the token comes from token_command")
                }
            }
            return s
        }
        config.imap.server = server("imap")
        config.smtp = server("smtp")
        if let v = config.raw["imap.folder"] { config.imap.folder = v }
        if let v = config.raw["imap.drafts_folder"] { config.imap.draftsFolder = v }
        if let v = config.raw["imap.sent_folder"] { config.imap.sentFolder = v }
        config.statePath = config.raw["state.path"]
        if let t = config.raw["lookup.timeout"].flatMap(Duration.parse) { config.lookupTimeout = t }
        for key in ["imap.url", "smtp.url"] {
            guard let url = config.raw[key] else { continue }
            let parts = key.split(separator: ".").map(String.init)
            // A password written into the URL would end up in logs and error messages: refused, never echoed.
            let authority = url.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false).dropFirst(2).first ?? ""
            if authority.contains("@") {
                fail(parts[0], parts[1], "the URL holds a user name or password: put the user in \(parts[0]).user and the password in \(parts[0]).password_file")
            } else if !["imap://", "imaps://", "smtp://", "smtps://"].contains(where: { url.hasPrefix($0) }) {
                fail(parts[0], parts[1], "\"\(url)\" must start with \(parts[0])s:// or \(parts[0]):// (STARTTLS)")
            }
        }
        if let t = table["lookup"]?.table {
            if let b = t["enabled"]?.bool { config.lookup.enabled = b }
            if let v = config.raw["lookup.cache_ttl"].flatMap(Duration.parse) { config.lookup.cacheTTL = v }
            if let v = config.raw["lookup.pacing"].flatMap(Duration.parse) { config.lookup.pacing = Double(v) }
            if let v = config.raw["lookup.budget"].flatMap(Duration.parse) { config.lookup.budget = v }
            config.lookup.rdapBootstrap = config.raw["lookup.rdap_bootstrap"]
            config.lookup.dnsServer = config.raw["lookup.dns_server"]
            if let servers = t["whois_servers"]?.table {
                for key in servers.keys {
                    if let v = servers[key]?.string { config.lookup.whoisServers[key.lowercased()] = v } else { fail("lookup", "whois_servers", "\(key) must be a string \"host:port\"") }
                }
            }
        }
        if let t = table["reports"]?.table {
            config.reports.allowlist = t["allowlist"].flatMap(strings)?.map { $0.lowercased() } ?? []
            for value in t["own_addresses"].flatMap(strings) ?? [] {
                if let a = Address.first(in: value) { config.reports.ownAddresses.append(a) } else { fail("reports", "own_addresses", "\"\(value)\" is not an e-mail address") }
            }
        }
        if let t = table["analysis"]?.table {
            config.analysis.trustedRelays = t["trusted_relays"].flatMap(strings) ?? []
            config.analysis.trustedAuthservIDs = t["trusted_authserv_ids"].flatMap(strings) ?? []
            config.analysis.submissionRelays = t["submission_relays"].flatMap(strings) ?? []
            for name in t["never_report"].flatMap(strings) ?? [] {
                let domain = name.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ". "))
                if domain.isEmpty || domain.contains("/") || domain.contains(":") || DomainName.toASCII(domain) == nil {
                    fail("analysis", "never_report", "\"\(name)\" is not a domain name (write a registrable domain such as example.co.jp)")
                } else {
                    config.analysis.neverReport.append(domain)
                }
            }
        }
        if !errors.isEmpty { throw ConfigErrors(errors: errors) }
        return config
    }

    /// Loads `[reports] templates` (relative to the file) over the bundled templates.
    /// - Throws: `ConfigErrors` naming the key and the template that cannot be used.
    mutating func loadTemplates(text: String) throws {
        guard let folder = raw["reports.templates"] else { return }
        let path = resolvedPath(folder)!
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ConfigErrors(errors: [ConfigError(keyPath: "reports.templates", line: WatcherConfig.line(in: text, section: "reports", key: "templates"),
                                                    problem: "\(path) is not a folder")])
        }
        do {
            reports.templates = try ReportTemplates.load(overrides: path)
        } catch {
            throw ConfigErrors(errors: [ConfigError(keyPath: "reports.templates", line: WatcherConfig.line(in: text, section: "reports", key: "templates"),
                                                    problem: "\(error)")])
        }
    }

    /// The line of `key` in `[section]`, for error messages.
    static func line(in text: String, section: String, key: String) -> Int? {
        var inSection = false
        for (n, l) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let t = l.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("[") { inSection = t.trimmingCharacters(in: CharacterSet(charactersIn: "[] ")) == section; continue }
            if inSection, t.hasPrefix(key), t.dropFirst(key.count).trimmingCharacters(in: .whitespaces).hasPrefix("=") { return n + 1 }
        }
        return nil
    }
}

enum Duration {
    /// The longest duration any key takes: ten years.
    static let maximum = 3650 * 86400

    /// Seconds in a duration such as `10s`, `15m`, `2h`, `7d` (a bare number is seconds); nil when it
    /// is no duration or longer than `maximum`.
    static func parse(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: .whitespaces)
        var number = Substring(t)
        var unit = 1
        switch t.last {
        case "s": number = number.dropLast()
        case "m": number = number.dropLast(); unit = 60
        case "h": number = number.dropLast(); unit = 3600
        case "d": number = number.dropLast(); unit = 86400
        default: break
        }
        guard let n = Int(number), n >= 0 else { return nil }
        let (seconds, overflow) = n.multipliedReportingOverflow(by: unit)
        guard !overflow, seconds <= maximum else { return nil }
        return seconds
    }

    /// The longest each duration key may be, where it is shorter than `maximum`.
    static let keyMaximum: [String: (seconds: Int, text: String)] = [
        "lookup.timeout": (3600, "1h"), "lookup.pacing": (3600, "1h"), "lookup.budget": (86400, "1d"),
    ]
}

extension WatcherConfig {
    /// A path from the file, relative to the file's folder when not absolute.
    func resolvedPath(_ path: String?) -> String? {
        guard let path else { return nil }
        if path.hasPrefix("/") { return path }
        if path.hasPrefix("~/") { return NSString(string: path).expandingTildeInPath }
        guard let directory else { return path }
        return (directory as NSString).appendingPathComponent(path)
    }

    /// `[state] path`; else `$STATE_DIRECTORY/state.sqlite` (systemd's `StateDirectory=`); else
    /// `$XDG_STATE_HOME/watcher/state.sqlite` (`~/.local/state/…`).
    var resolvedStatePath: String {
        if let p = resolvedPath(statePath) { return p }
        let env = ProcessInfo.processInfo.environment
        if let dir = env["STATE_DIRECTORY"]?.split(separator: ":").first, !dir.isEmpty { return "\(dir)/state.sqlite" }
        let base = env["XDG_STATE_HOME"] ?? (NSHomeDirectory() + "/.local/state")
        return base + "/watcher/state.sqlite"
    }
}
