import Foundation
import IMAPWatcher
import ReportEngine

/// The spam folder of an IMAP account as a `MessageSource`: UIDs above the ledger's mark, fetched
/// with BODY.PEEK[] so \Seen never changes, then marked with `$Reported` or moved, as configured.
final class IMAPMessageSource: MessageSource {
    let session: IMAPSession
    let folder: MailboxName
    let mark: WatcherConfig.MarkPolicy
    /// Messages that carry `$Reported` are not handed out (the server's mark guards even a lost ledger);
    /// `run --reprocess` turns this off.
    let honorMark: Bool
    /// `run --dry-run`: the folder is opened read-only and nothing is marked.
    let readOnly: Bool
    /// The message size limit: no more than one octet past it is fetched of any message.
    let maxBytes: Int

    init(session: IMAPSession, folder: String, mark: WatcherConfig.MarkPolicy, honorMark: Bool = true, readOnly: Bool = false, maxBytes: Int = MIMELimits().maxSize) {
        self.maxBytes = maxBytes
        self.session = session
        self.folder = MailboxName(folder)
        self.mark = mark
        self.honorMark = honorMark
        self.readOnly = readOnly || mark == .none
    }

    var identity: String {
        "\(session.configuration.server)/\(folder)?user=\(session.configuration.user)"
    }

    /// Whether the folder keeps `$Reported` (false: PERMANENTFLAGS without `\*`), known once it was
    /// opened read-write with mark = keyword.
    private(set) var keepsMark: Bool?

    func open() throws -> UInt32 {
        let status = try session.ensureOpen(folder, readOnly: readOnly)
        if mark == .keyword, !readOnly { keepsMark = status.keeps(keyword: "$Reported") }
        return status.uidValidity
    }

    func uids(after uid: UInt32) throws -> [UInt32] {
        try session.ensureOpen(folder, readOnly: readOnly)
        // "n:*" always includes the highest UID, even when it is below n: filter.
        let guardMark = honorMark && mark == .keyword ? " UNKEYWORD $Reported" : ""
        return try session.uidSearch("UID \(uid + 1):*" + guardMark).filter { $0 > uid }
    }

    func fetch(_ uids: [UInt32]) throws -> [(uid: UInt32, bytes: [UInt8])] {
        try session.ensureOpen(folder, readOnly: readOnly)
        return try session.fetch(uids: uids, maxBytes: maxBytes).map { ($0.uid, $0.bytes) }
    }

    func sizes(_ uids: [UInt32]) throws -> [UInt32: Int]? {
        try session.ensureOpen(folder, readOnly: readOnly)
        return try session.sizes(uids: uids)
    }

    /// A second, read-only session on the same folder (EXAMINE), for fetching the next batch while the
    /// first session marks and appends. Reading never changes the folder, so a run cut off meanwhile
    /// loses nothing.
    func fetchAhead(uidValidity: UInt32) -> (@Sendable () throws -> ([UInt32]) throws -> [(uid: UInt32, bytes: [UInt8])])? {
        let configuration = session.configuration
        let folder = folder
        let maxBytes = maxBytes
        return {
            let reader = try IMAPSession(configuration)
            let status = try reader.open(folder, readOnly: true)
            guard status.uidValidity == uidValidity else {
                throw MailError(.protocolError, server: configuration.server, command: "EXAMINE \(folder)",
                                message: "UIDVALIDITY changed during the run (\(uidValidity), now \(status.uidValidity))")
            }
            return { uids in try reader.fetch(uids: uids, maxBytes: maxBytes).map { ($0.uid, $0.bytes) } }
        }
    }

    func markHandled(_ uids: [UInt32]) throws {
        guard !uids.isEmpty, !readOnly else { return }
        try session.ensureOpen(folder, readOnly: false)
        switch mark {
        case .none: return
        case .move(let target): try session.move(uids: uids, to: MailboxName(target))
        case .keyword: try session.store(uids: uids, flags: ["$Reported"])
        }
    }
}

/// Drafts appended to the IMAP drafts folder with \Draft and \Seen. Proof of delivery: a message in
/// that folder whose `X-Watcher-Draft-Id` header carries the draft's id (UID SEARCH HEADER).
final class IMAPDraftSink: DraftSink {
    let session: IMAPSession
    let folder: MailboxName
    var via: String { "draft" }

    init(session: IMAPSession, folder: String) {
        self.session = session
        self.folder = MailboxName(folder)
    }

    func deliver(_ draft: Draft) throws -> String {
        let uid = try session.append(draft.raw, to: folder, flags: ["\\Draft", "\\Seen"])
        return "\(folder)" + (uid.map { " UID \($0)" } ?? "")
    }

    func find(draftID: String) throws -> String? {
        try session.ensureOpen(folder, readOnly: true)
        let uids = try session.uidSearch("HEADER X-Watcher-Draft-Id \"\(draftID)\"")
        return uids.first.map { "\(folder) UID \($0)" }
    }
}

/// Reports sent over SMTP, only to desks the program knows (the carrier table and the user's
/// allowlist); anything else goes to `fallback` as a draft for review.
///
/// The moment the server accepts a report it is noted in the ledger, before the copy is appended to
/// the Sent folder; a later run that finds either the note or the copy does not send again. What is
/// left is the instant between the server's reply and that one write.
final class SMTPDraftSink: DraftSink {
    let smtp: SMTPSubmission
    let from: String
    let knownDesks: Set<String>
    let copies: IMAPSession?
    let sentFolder: MailboxName
    let fallback: DraftSink?
    /// Where acceptances are noted, and the server named in the note.
    let ledger: Ledger?
    let server: String
    var via: String { "send" }

    init(smtp: SMTPSubmission, from: String, knownDesks: Set<String>, copies: IMAPSession?, sentFolder: String, fallback: DraftSink?,
         ledger: Ledger? = nil, server: String = "the SMTP server") {
        self.smtp = smtp
        self.from = from
        self.knownDesks = knownDesks
        self.copies = copies
        self.sentFolder = MailboxName(sentFolder)
        self.fallback = fallback
        self.ledger = ledger
        self.server = server
    }

    func deliver(_ draft: Draft) throws -> String {
        guard !draft.to.isEmpty, draft.to.allSatisfy(knownDesks.contains) else {
            guard let fallback else { throw SinkError(message: "\(draft.to.joined(separator: ", ")) is not a known desk, and there is no drafts folder to hold the report") }
            return "not sent (unknown desk): " + (try fallback.deliver(draft))
        }
        do {
            try smtp.send(draft.raw, from: from, to: draft.to)
        } catch {
            throw SMTPNotTaken(error: error)
        }
        try ledger?.noteAccepted(draftID: draft.id, by: server)
        if let copies {
            _ = try copies.append(draft.raw, to: sentFolder, flags: ["\\Seen"])
        }
        return "sent to \(draft.to.joined(separator: ", "))"
    }

    /// Keeps a report the server refused where the person will see it: the Drafts folder, or else
    /// the ledger alone.
    func keep(_ draft: Draft) throws -> String {
        guard let fallback else { return "kept in the ledger (watcher history lists it)" }
        return "kept in " + (try fallback.deliver(draft))
    }

    func find(draftID: String) throws -> String? {
        if let copies {
            try copies.ensureOpen(sentFolder, readOnly: true)
            if let uid = try copies.uidSearch("HEADER X-Watcher-Draft-Id \"\(draftID)\"").first { return "\(sentFolder) UID \(uid)" }
        }
        if let accepted = try ledger?.acceptance(draftID: draftID) { return accepted + " (no copy in \(sentFolder))" }
        return try fallback?.find(draftID: draftID)
    }
}

/// The SMTP server did not take a report: refused for good (5xx), or not now (4xx, or the connection
/// was cut or stalled while sending). Only this sink throws it; the pipeline records which it was.
struct SMTPNotTaken: Error, CustomStringConvertible {
    var error: MailError
    var isRefusal: Bool { error.kind == .refused }
    var description: String { error.description }
}

/// A report that could not be delivered for a reason of its own (an unknown desk with no Drafts
/// folder, a folder that cannot be read). A failing disk is a `StorageError`.
struct SinkError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// `run --dry-run`: each report is printed instead of delivered.
final class PrintingSink: DraftSink {
    var via: String { "dry-run" }

    func deliver(_ draft: Draft) throws -> String {
        let to = draft.to.isEmpty ? "form \(draft.form ?? "-")" : draft.to.joined(separator: ", ")
        print("would write \(draft.kind.rawValue) to \(to): \(draft.subject)")
        return "not delivered (dry run)"
    }

    func find(draftID: String) throws -> String? { nil }
}
