import ArgumentParser
import Foundation
import IMAPWatcher
import ReportEngine

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the configuration, credentials, servers, folders and ledger, and print the settings in force.",
        discussion: "Exit status: 0 all good, 75 a server cannot be reached, 78 something to fix in the configuration."
    )

    @Option(name: .long, help: "Configuration file (TOML).")
    var config: String

    func run() throws {
        var problems: [(String, any Error)] = []
        func step(_ name: String, _ body: () throws -> String) {
            do {
                print("ok    \(name): \(try body())")
            } catch {
                print("FAIL  \(name): \(error)")
                problems.append((name, error))
            }
        }
        let settings: WatcherConfig
        do {
            settings = try WatcherConfig.load(path: config)
            print("ok    configuration: \(config)")
        } catch {
            print("FAIL  configuration: \(error)")
            throw ExitStatus.code(for: error)
        }
        print(settings.effectiveDescription.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
        var session: IMAPSession?
        if settings.source.kind == .imap || settings.reports.mode == .draft {
            step("IMAP login") {
                guard settings.imap.server.url != nil, let user = settings.imap.server.user else {
                    throw ConfigError(keyPath: "imap.url", line: nil, problem: "imap.url and imap.user are required")
                }
                let s = try IMAPSession(settings.imapServer(timeout: 15))
                session = s
                return "\(user) at \(s.configuration.server)" + (settings.imap.server.auth == .password ? "" : " (\(settings.imap.server.auth.rawValue.uppercased()))")
            }
            if let session {
                var names = Set<String>()
                var spam: (name: String, status: MailboxStatus)?
                step("IMAP folders") {
                    let needsSpam = settings.source.kind == .imap, needsDrafts = settings.reports.mode != .directory
                    let listed = try session.listMailboxes()
                    names = Set(listed.map(\.name.name))
                    let folders = try Folders.resolve(settings.imap, session: session, needsSpam: needsSpam, needsDrafts: needsDrafts, listed: listed)
                    let wanted = [(folders.spam, "imap.folder", needsSpam), (folders.drafts, "imap.drafts_folder", needsDrafts)]
                    let missing = wanted.filter { $0.2 && !names.contains($0.0.name) }.map { "\($0.0.name) (\($0.1))" }
                    if !missing.isEmpty {
                        throw MailError(.missingMailbox, server: session.configuration.server, command: "LIST",
                                        message: "missing folder(s): \(missing.joined(separator: ", "))")
                    }
                    let shown = [("spam", folders.spam), ("drafts", folders.drafts), ("sent", folders.sent)]
                        .map { "\($0.0) \($0.1.name) (\($0.1.origin))" }.joined(separator: ", ")
                    guard needsSpam else { return shown }
                    // SELECT, not EXAMINE: only a SELECT says which flags the folder keeps.
                    let status = try session.open(MailboxName(folders.spam.name), readOnly: false)
                    spam = (folders.spam.name, status)
                    return shown + "; \(folders.spam.name) holds \(status.exists) message(s)"
                }
                switch settings.imap.mark {
                case .keyword:
                    if let spam, spam.status.keeps(keyword: "$Reported") == false {
                        print("WARN  IMAP keywords: \(spam.name) keeps no keywords (PERMANENTFLAGS without \\*), so $Reported cannot mark "
                              + "a handled spam on the server; the ledger alone keeps it from being reported twice. "
                              + "mark = \"move:Reported\" would mark it by moving it")
                    } else if spam != nil {
                        print("ok    IMAP keywords: \(spam!.name) keeps $Reported")
                    }
                case .move(let target) where !names.isEmpty:
                    print("ok    IMAP mark: handled spam moves to \(target)"
                          + (names.contains(target) ? ", which exists" : ", which does not exist yet: the first move creates it"))
                case .move, .none:
                    break
                }
            }
        }
        if settings.reports.mode == .send {
            step("SMTP settings") {
                guard let url = settings.smtp.url else { throw ConfigError(keyPath: "smtp.url", line: nil, problem: "required for mode = \"send\"") }
                let server = try settings.smtpServer(timeout: 15)
                if let secret = server.secret { _ = try secret() }
                return "\(url) (the \(settings.smtp.auth == .password ? "password" : "token command") answers; sending is tried on the first report)"
            }
        }
        if settings.source.kind == .directory {
            step("source folder") {
                let path = settings.resolvedPath(settings.source.path) ?? ""
                guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else {
                    throw ConfigError(keyPath: "source.path", line: nil, problem: "cannot read \(path)")
                }
                return "\(path): \(names.filter { $0.hasSuffix(".eml") }.count) .eml file(s)"
            }
        }
        // check never makes or changes a file: a missing ledger is a first run, a folder to write in is enough.
        step("ledger") {
            let path = settings.resolvedStatePath
            guard FileManager.default.fileExists(atPath: path) else {
                try Check.writableFolder(for: path, key: "state.path")
                return "\(path): none yet; the first run makes it"
            }
            let ledger = try Ledger.readOnly(path: path)
            return "\(path): \(try ledger.processedCount()) message(s) processed, \(try ledger.pending().count) report(s) pending"
        }
        if settings.reports.mode == .directory {
            step("reports folder") {
                let path = settings.resolvedPath(settings.reports.directory) ?? ""
                try Check.writableFolder(for: path + "/x", key: "reports.directory")
                return "\(path) can take the drafts"
            }
        }
        if let first = problems.first {
            throw ExitStatus.code(for: first.1)
        }
    }
}

extension Check {
    /// Whether `path` could be written: its folder, or the nearest folder above it that exists, takes
    /// new files. Nothing is made.
    static func writableFolder(for path: String, key: String) throws {
        var folder = (path as NSString).deletingLastPathComponent
        while !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) { folder = (folder as NSString).deletingLastPathComponent }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.isEmpty ? "/" : folder, isDirectory: &isDirectory), isDirectory.boolValue,
            access(folder.isEmpty ? "/" : folder, W_OK) == 0
        else {
            throw ConfigError(keyPath: key, line: nil, problem: "\(path) cannot be written: \(folder) is not a folder this user may write in")
        }
    }
}

extension WatcherConfig {
    /// The settings in force, secrets left out.
    var effectiveDescription: String {
        var lines = ["source: \(source.kind)" + (source.kind == .directory ? " \(resolvedPath(source.path) ?? "?")" : " \(imap.server.url ?? "?") folder \(imap.folder ?? "(the one marked \\Junk)")")]
        if source.kind == .imap || reports.mode == .draft {
            lines.append("imap: \(imap.server.url ?? "(unset)") user \(imap.server.user ?? "(unset)"), drafts \(imap.draftsFolder ?? "(the one marked \\Drafts)"), mark \(imap.mark)"
                + (imap.server.caFile.map { ", ca_file \(resolvedPath($0)!)" } ?? "") + (imap.server.allowInsecure ? ", INSECURE" : ""))
        }
        lines.append("reports: mode \(reports.mode)" + (reports.mode == .directory ? " \(resolvedPath(reports.directory) ?? "?")" : "")
            + ", from \(analyzerConfiguration.drafts.from), language \(reports.language.rawValue)")
        if reports.mode == .send { lines.append("smtp: \(smtp.url ?? "(unset)") user \(smtp.user ?? imap.server.user ?? "(unset)")") }
        lines.append("trusted relays: \(analysis.trustedRelays.isEmpty ? "(carriers' only)" : analysis.trustedRelays.joined(separator: ", "))")
        if !analysis.submissionRelays.isEmpty { lines.append("submission relays: \(analysis.submissionRelays.joined(separator: ", "))") }
        lines.append("lookups: " + (lookup.enabled ? "on, timeout \(lookupTimeout) s, budget \(lookup.budget) s per message" : "off"))
        if lookup.enabled { lines.append("RDAP bootstrap: \(bootstrapDescription)") }
        lines.append("state: \(resolvedStatePath)")
        return lines.joined(separator: "\n")
    }
}
