import IMAPWatcher

/// The folders a run uses on the IMAP server: each as `[imap]` names it, or else the one the server
/// marks for that use (SPECIAL-USE, RFC 6154: `\Junk`, `\Drafts`, `\Sent`; the names may be
/// `迷惑メール`, `[Gmail]/迷惑メール` or `下書き`), or else the one named Junk, Drafts or Sent.
struct Folders: Sendable, Hashable {
    struct Choice: Sendable, Hashable {
        var name: String
        /// How it was found: `imap.folder`, `\Junk`, or `by its name`.
        var origin: String
    }

    var spam: Choice
    var drafts: Choice
    var sent: Choice

    /// Resolves the three folders; the server's list is read only when one of them is not configured.
    /// - Throws: `MailError.missingMailbox` when a folder the setup needs is neither configured,
    ///   marked nor named as expected.
    /// `listed`: the server's LIST answer when the caller already has it (asked for here only when needed).
    static func resolve(_ imap: WatcherConfig.IMAP, session: IMAPSession, needsSpam: Bool, needsDrafts: Bool,
                        listed known: [ListedMailbox]? = nil) throws(MailError) -> Folders {
        var listed = known
        func pick(_ configured: String?, key: String, attribute: String, fallback: String, needed: Bool) throws(MailError) -> Choice {
            if let configured { return Choice(name: configured, origin: "imap.\(key)") }
            if listed == nil { listed = try session.listMailboxes() }
            if let marked = listed!.first(where: { $0.has(attribute) }) { return Choice(name: marked.name.name, origin: attribute) }
            if listed!.contains(where: { $0.name.name == fallback }) || !needed { return Choice(name: fallback, origin: "by its name") }
            throw MailError(.missingMailbox, server: session.configuration.server, command: "LIST",
                            message: "no folder is marked \(attribute) (SPECIAL-USE) and none is named \(fallback): set imap.\(key)")
        }
        return Folders(spam: try pick(imap.folder, key: "folder", attribute: "\\Junk", fallback: "Junk", needed: needsSpam),
                       drafts: try pick(imap.draftsFolder, key: "drafts_folder", attribute: "\\Drafts", fallback: "Drafts", needed: needsDrafts),
                       sent: try pick(imap.sentFolder, key: "sent_folder", attribute: "\\Sent", fallback: "Sent", needed: false))
    }
}
