import Foundation
import ReportEngine

/// The configuration file (TOML), section by section, as DESIGN.md lists it. Every key has a default;
/// a command reads only the sections it uses.
struct WatcherConfig: Sendable {
    struct Analysis: Sendable {
        var trustedRelays: [String] = []
        var trustedAuthservIDs: [String] = []
    }
    struct Reports: Sendable {
        var mode = "draft"
        var directory: String?
        var from: String?
        var language: ReportLanguage = .ja
        var repeatPolicy = "note"
        var redactTracking = true
        var allowlist: [String] = []
    }

    struct Source: Sendable {
        var kind = "imap"
        var path: String?
    }
    struct Server: Sendable {
        var url: String?
        var user: String?
        var passwordFile: String?
        var passwordCommand: String?
        var caFile: String?
        var allowInsecure = false
    }
    struct IMAP: Sendable {
        var server = Server()
        var folder = "Junk"
        var draftsFolder = "Drafts"
        var sentFolder = "Sent"
        var mark = "keyword"
    }

    var source = Source()
    var imap = IMAP()
    var smtp = Server()
    var statePath: String?
    var lookupTimeout = 10
    /// Where the file was, for paths written relative to it.
    var directory: String?
    var analysis = Analysis()
    var reports = Reports()
    /// Carriers added or replaced by `[carriers.<id>]`.
    var carriers: [Carrier] = []
    /// `[imap] user`, the default From of drafts.
    var imapUser: String?
    /// Every key the file set, `section.key` → value as text (for `check` and later sections).
    var raw: [String: String] = [:]

    /// The carrier table after the file's changes.
    var carrierTable: CarrierTable {
        var table = CarrierTable.bundled
        for c in carriers { table.apply(c) }
        return table
    }

    /// What the analysis needs from this configuration.
    var analyzerConfiguration: AnalyzerConfiguration {
        let from = reports.from ?? imapUser ?? "watcher@localhost"
        return AnalyzerConfiguration(
            carriers: carrierTable, trustedRelays: analysis.trustedRelays, trustedAuthservIDs: analysis.trustedAuthservIDs,
            drafts: DraftSettings(from: from, language: reports.language))
    }
}
