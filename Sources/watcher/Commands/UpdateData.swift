import ArgumentParser
import Foundation
import IMAPWatcher
import ReportEngine

struct UpdateData: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update-data",
        abstract: "Refresh the RDAP bootstrap files (IANA's dns.json, ipv4.json, ipv6.json) that say which registry answers for what.",
        discussion: """
            The files go to [lookup] rdap_bootstrap, or $XDG_DATA_HOME/watcher/rdap. Each is checked before it \
            replaces the old one. Without them, lookups use WHOIS through IANA's referral.
            """
    )

    @Option(name: .long, help: "Configuration file (TOML).")
    var config: String?

    @Option(name: .long, help: "Where to download from (default: IANA's RDAP bootstrap service).")
    var from: String = "https://data.iana.org/rdap/"

    func run() throws {
        let settings: WatcherConfig
        do { settings = try config.map(WatcherConfig.load(path:)) ?? WatcherConfig() } catch {
            printError("watcher: \(error)")
            throw ExitStatus.code(for: error)
        }
        let directory = settings.bootstrapDirectory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let http = HTTPSGet(timeout: max(settings.lookupTimeout, 30))
        let base = from.hasSuffix("/") ? from : from + "/"
        for file in ["dns.json", "ipv4.json", "ipv6.json"] {
            do {
                let (status, body) = try http.get(base + file, accept: "application/json")
                guard status == 200, let json = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
                    let services = json["services"] as? [Any], !services.isEmpty
                else {
                    printError("watcher: \(base)\(file): not a bootstrap file (HTTP \(status)); kept the old one")
                    throw ExitStatus.tempFail
                }
                let target = (directory as NSString).appendingPathComponent(file)
                let temporary = target + ".partial"
                guard FileManager.default.createFile(atPath: temporary, contents: Data(body)), rename(temporary, target) == 0 else {
                    printError("watcher: cannot write \(target)")
                    throw ExitStatus.failure
                }
                print("\(file): \(services.count) entries → \(target)")
            } catch let e as MailError {
                printError("watcher: \(e)")
                throw ExitStatus.tempFail
            }
        }
    }
}

extension WatcherConfig {
    /// Where `update-data` keeps refreshed files: `[lookup] rdap_bootstrap`, or `$XDG_DATA_HOME/watcher/rdap`
    /// (`~/.local/share/…`).
    var bootstrapDirectory: String {
        if let p = resolvedPath(lookup.rdapBootstrap) { return p }
        let env = ProcessInfo.processInfo.environment
        return (env["XDG_DATA_HOME"] ?? (NSHomeDirectory() + "/.local/share")) + "/watcher/rdap"
    }

    /// The bootstrap in force: each file from the refreshed folder when `update-data` wrote one, else
    /// the copy shipped in the package.
    var bootstrap: RDAPBootstrap {
        RDAPBootstrap(directories: [bootstrapDirectory] + (RDAPBootstrap.bundledDirectory.map { [$0] } ?? []))
    }

    /// One line per bootstrap file: its publication date and whether it is the bundled copy.
    var bootstrapDescription: String {
        let b = bootstrap
        return ["dns.json", "ipv4.json", "ipv6.json"].map { file in
            guard let s = b.sources[file] else { return "\(file) missing" }
            return "\(file) published \(s.publication)" + (s.directory == RDAPBootstrap.bundledDirectory ? " (bundled)" : " (\(s.directory))")
        }.joined(separator: ", ")
    }
}
