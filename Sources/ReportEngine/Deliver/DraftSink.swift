/// Where drafts go: an IMAP drafts folder, SMTP, or a directory. Each sink documents its proof that a
/// draft was delivered, so an interrupted run can be settled without delivering twice.
public protocol DraftSink {
    /// A short name for logs and the ledger (`draft`, `send`, `directory`).
    var via: String { get }
    /// Delivers a draft; returns where it went (a UID, a file, a queue id).
    func deliver(_ draft: Draft) throws -> String
    /// Where the draft with this id already is, or nil when it was never delivered.
    func find(draftID: String) throws -> String?
    /// Makes what was delivered so far durable. Called before the ledger records deliveries, once
    /// for a batch of them, so a sink that writes files syncs once per batch, not once per file.
    func flush() throws
}

extension DraftSink {
    /// Most sinks deliver durably at once (a server has the draft when it answers).
    public func flush() throws {}
}

/// Where messages come from: an IMAP folder or a directory of .eml files.
public protocol MessageSource {
    /// A stable name for the ledger (`imap://user@host/Junk`, `directory:/path`).
    var identity: String { get }
    /// Opens the source; returns its UIDVALIDITY.
    func open() throws -> UInt32
    /// The UIDs of the messages after `uid`, ascending.
    func uids(after uid: UInt32) throws -> [UInt32]
    /// The messages with these UIDs.
    func fetch(_ uids: [UInt32]) throws -> [(uid: UInt32, bytes: [UInt8])]
    /// Marks a message as handled (a keyword, a move, or nothing).
    func markHandled(_ uids: [UInt32]) throws
    /// For a backlog: how to fetch from another thread, over a connection used for nothing else, so
    /// the next batch arrives while this one is handled. The outer closure opens the connection (on
    /// that thread) and checks it sees the same `uidValidity`; nil when the source fetches in turn.
    func fetchAhead(uidValidity: UInt32) -> (@Sendable () throws -> ([UInt32]) throws -> [(uid: UInt32, bytes: [UInt8])])?
    /// The sizes of these messages in octets, by UID, asked before fetching them so batches can be
    /// bounded in bytes (a UID left out counts as small); nil when the source cannot tell.
    func sizes(_ uids: [UInt32]) throws -> [UInt32: Int]?
}

extension MessageSource {
    public func sizes(_ uids: [UInt32]) throws -> [UInt32: Int]? { nil }
    public func fetchAhead(uidValidity: UInt32) -> (@Sendable () throws -> ([UInt32]) throws -> [(uid: UInt32, bytes: [UInt8])])? { nil }
}
