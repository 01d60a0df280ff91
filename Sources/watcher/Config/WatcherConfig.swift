import Foundation
import ReportEngine

/// The configuration file (TOML), section by section, as DESIGN.md lists it. Every key has a default;
/// a command reads only the sections it uses.
struct WatcherConfig: Sendable {
    /// How a server is logged in to (`[imap] auth`, `[smtp] auth`): a password, or an OAuth 2.0
    /// access token by SASL XOAUTH2 or OAUTHBEARER.
    enum Auth: String, Sendable, CaseIterable { case password, xoauth2, oauthbearer }
    /// Where spam is read from (`[source] kind`).
    enum SourceKind: String, Sendable, CaseIterable { case imap, directory }
    /// What becomes of a report (`[reports] mode`).
    enum ReportMode: String, Sendable, CaseIterable { case draft, send, directory }
    /// What a domain reported before gets (`[reports] repeat_policy`).
    enum RepeatPolicy: String, Sendable, CaseIterable { case note, skip }
    /// What marks a handled spam on the server (`[imap] mark`).
    enum MarkPolicy: Sendable, Hashable, CustomStringConvertible {
        /// The `$Reported` keyword.
        case keyword
        /// Nothing: the folder is only read.
        case none
        /// Moved to the folder named.
        case move(String)

        init?(_ text: String) {
            switch text {
            case "keyword": self = .keyword
            case "none": self = .none
            default:
                guard text.hasPrefix("move:"), text.count > 5 else { return nil }
                self = .move(String(text.dropFirst(5)))
            }
        }

        var description: String {
            switch self {
            case .keyword: "keyword"
            case .none: "none"
            case .move(let folder): "move:\(folder)"
            }
        }

        /// The folder handled spam moves to, if any.
        var folder: String? {
            if case .move(let f) = self { return f }
            return nil
        }
    }

    struct Analysis: Sendable {
        var trustedRelays: [String] = []
        var trustedAuthservIDs: [String] = []
        var submissionRelays: [String] = []
        /// Registrable domains never reported, added to the bundled list of imitated brands and decoys.
        var neverReport: [String] = []
    }
    struct Reports: Sendable {
        var mode = ReportMode.draft
        var directory: String?
        var from: String?
        var language: ReportLanguage = .ja
        var repeatPolicy = RepeatPolicy.note
        var redactTracking = true
        var allowlist: [String] = []
        /// Addresses of the reporter besides the spam's recipients and the IMAP user: hidden from third parties.
        var ownAddresses: [String] = []
        /// Also forward the unaltered original to 迷惑メール相談センター.
        var dekyo = false
        /// The name under every report; nil: the From name.
        var signature: String?
        /// The report texts: the bundled templates, or those of `[reports] templates` over them.
        var templates = ReportTemplates.bundled
    }

    /// `[phishing]`: where mail that imitates a brand goes besides the lure's registrar and host.
    struct Phishing: Sendable {
        /// Clearing houses (`antiphishing`, `apwg`, `safebrowsing`) and `brand`, the imitated brand's own desk.
        var desks = ["antiphishing", "brand"]
        var redact = false
        var repeatAfter = 7 * 86400
    }

    struct Source: Sendable {
        var kind = SourceKind.imap
        var path: String?
    }
    struct Server: Sendable {
        var url: String?
        var user: String?
        var passwordFile: String?
        var passwordCommand: String?
        var caFile: String?
        var allowInsecure = false
        /// `auth`: a password, or an OAuth 2.0 access token printed by `tokenCommand` at each connection.
        var auth = Auth.password
        var tokenCommand: String?
    }
    struct IMAP: Sendable {
        var server = Server()
        /// The folders; nil: the one the server marks \Junk, \Drafts or \Sent (SPECIAL-USE), else the
        /// one named Junk, Drafts or Sent (`Folders.resolve`).
        var folder: String?
        var draftsFolder: String?
        var sentFolder: String?
        var mark = MarkPolicy.keyword
    }

    struct Lookup: Sendable {
        var enabled = true
        var cacheTTL = 7 * 86400
        var whoisServers: [String: String] = [:]
        var rdapBootstrap: String?
        var dnsServer: String?
        /// Seconds between two questions to one server (politeness toward registries).
        var pacing: Double = 1
        /// Seconds the lookups of one message may take; the rest waits for a later run.
        var budget = 30
    }

    struct SummarySection: Sendable {
        /// Where `summary --send` goes; nil: the IMAP user.
        var to: String?
        /// The zone its dates and times are written in; nil: Asia/Tokyo for Japanese, UTC for English.
        var timeZone: TimeZone?
    }
    struct Recheck: Sendable {
        var after = 3 * 86400
        var every = 7 * 86400
        var until = 90 * 86400
        /// How long a reported domain may stay active before its desk gets a follow-up; nil: never.
        var followUpAfter: Int?
    }

    var summary = SummarySection()
    var recheck = Recheck()
    var lookup = Lookup()
    var directoryDesks: [AbuseDesk] = []
    var source = Source()
    var imap = IMAP()
    var smtp = Server()
    var statePath: String?
    var lookupTimeout = 10
    /// Where the file was, for paths written relative to it.
    var directory: String?
    var analysis = Analysis()
    var reports = Reports()
    var phishing = Phishing()
    /// Carriers added or replaced by `[carriers.<id>]`.
    var carriers: [Carrier] = []
    /// `[imap] user`, the default From of drafts.
    var imapUser: String?
    /// Every key the file set, `section.key` → value as text (for `check` and later sections).
    var raw: [String: String] = [:]

    /// Where the summary mail goes: `[summary] to`, else `[imap] user`.
    var summaryTo: String? { summary.to ?? imapUser }

    /// The carrier table after the file's changes.
    var carrierTable: CarrierTable {
        var table = CarrierTable.bundled
        for c in carriers { table.apply(c) }
        return table
    }

    /// The abuse-contact directory after the file's changes.
    var directoryTable: AbuseDirectory {
        var d = AbuseDirectory.bundled
        for desk in directoryDesks { d.apply(desk) }
        return d
    }

    /// What the analysis needs from this configuration.
    var analyzerConfiguration: AnalyzerConfiguration {
        let from = reports.from ?? imapUser ?? "watcher@localhost"
        return AnalyzerConfiguration(
            carriers: carrierTable, trustedRelays: analysis.trustedRelays, trustedAuthservIDs: analysis.trustedAuthservIDs,
            submissionRelays: analysis.submissionRelays,
            drafts: DraftSettings(from: from, language: reports.language,
                                  ownAddresses: reports.ownAddresses + (imapUser.flatMap { Address.first(in: $0) }.map { [$0] } ?? []),
                                  redactTracking: reports.redactTracking, clearinghouse: reports.dekyo ? directoryTable.dekyo : nil,
                                  templates: reports.templates, signature: reports.signature, phishing: phishingSettings),
            neverReport: neverReportList)
    }

    /// `[phishing]` as the drafts use it: the chosen clearing houses from the directory (after the
    /// file's `[directory.<id>]` changes), and whether the brand's own desk is written to.
    var phishingSettings: PhishingSettings {
        let directory = directoryTable
        return PhishingSettings(clearinghouses: phishing.desks.compactMap { id in directory.desks.first { $0.id == id } },
                                brandDesk: phishing.desks.contains("brand"), redact: phishing.redact, repeatAfter: phishing.repeatAfter)
    }

    /// The bundled never-report list with the file's `[analysis] never_report` names added.
    var neverReportList: NeverReportList {
        var list = NeverReportList.bundled
        for d in analysis.neverReport { list.add(.init(domain: d, name: "the configuration's never_report", kind: "never_report")) }
        return list
    }
}

