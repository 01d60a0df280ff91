import Foundation
import GRDB

/// A report waiting for delivery, with what is needed to deliver it again.
public struct PendingReport: Sendable, Hashable {
    public var draft: Draft
    public var messageRowID: Int64
    /// When it was recorded, and how many times a server has deferred it since.
    public var created = Date()
    public var attempts = 0
}

/// What the ledger knows of a message's content key.
public enum MessageState: Sendable, Hashable {
    case unknown
    /// Reserved by a run that did not finish: its pending reports must be settled.
    case reserved(rowID: Int64)
    case processed
}

/// Where a mailbox stands.
public struct MailboxMark: Sendable, Hashable {
    public var uidValidity: UInt32
    public var lastUID: UInt32
}

/// One delivered report, for `history` and the summary.
public struct ReportRecord: Sendable, Hashable {
    public var draftID: String
    public var kind: String
    public var recipients: [String]
    public var subject: String
    public var status: String
    public var via: String?
    public var location: String?
    public var createdAt: Date
}

extension Ledger {
    /// The content key of a message: its Message-ID with a hash of its body, so a copy with a new UID
    /// (a recreated folder, a second delivery) is known.
    public static func contentKey(messageID: String?, raw: [UInt8]) -> String {
        var body = raw[...]
        if let split = Bytes.headerEnd(raw[...]) { body = raw[split.bodyStart...] }
        return SHA256.hex(Array((messageID ?? "").utf8) + [0x0A] + SHA256.digest(Array(body)))
    }

    // MARK: Mailbox marks

    public func mark(for mailbox: String) throws -> MailboxMark? {
        try writer.read { db in
            try Row.fetchOne(db, sql: "SELECT uidValidity, lastUID FROM mailbox WHERE name = ?", arguments: [mailbox])
                .map { MailboxMark(uidValidity: UInt32($0["uidValidity"] as Int64), lastUID: UInt32($0["lastUID"] as Int64)) }
        }
    }

    /// Records the mailbox's UIDVALIDITY; a change resets the UID mark. Returns whether it changed.
    @discardableResult
    public func setUIDValidity(_ value: UInt32, for mailbox: String) throws -> Bool {
        try write { db in
            let old = try Int64.fetchOne(db, sql: "SELECT uidValidity FROM mailbox WHERE name = ?", arguments: [mailbox])
            if old == Int64(value) { return false }
            try db.execute(sql: """
                INSERT INTO mailbox (name, uidValidity, lastUID, updatedAt) VALUES (?, ?, 0, ?)
                ON CONFLICT(name) DO UPDATE SET uidValidity = excluded.uidValidity, lastUID = 0, updatedAt = excluded.updatedAt
                """, arguments: [mailbox, Int64(value), Date()])
            return old != nil
        }
    }

    /// Moves the UID mark forward (never back).
    public func advance(_ mailbox: String, to uid: UInt32) throws {
        try write { db in
            try db.run("UPDATE mailbox SET lastUID = MAX(lastUID, ?), updatedAt = ? WHERE name = ?",
                       [Int64(uid), Ledger.timestamp(), mailbox])
        }
    }

    // MARK: Messages and reports

    public func state(ofContentKey key: String) throws -> MessageState {
        try writer.read { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT id, state FROM message WHERE contentKey = ?"), arguments: [key]) else {
                return .unknown
            }
            return (row["state"] as String) == "processed" ? .processed : .reserved(rowID: row["id"])
        }
    }

    /// Records the intent: the message as reserved and each draft as pending, in one transaction.
    /// - Returns: the message's row id.
    @discardableResult
    /// `lookups`: the message's bytes when its lookups are still to be made; it goes on the lookup list
    /// in the same transaction, so no interruption can lose the reports that wait for them.
    public func reserve(contentKey: String, messageID: String?, mailbox: String, uidValidity: UInt32, uid: UInt32,
                        subject: String?, sender: String?, drafts: [Draft], domains: [String: [String]] = [:],
                        lookups: [UInt8]? = nil) throws -> Int64 {
        try reserve([NewMessage(contentKey: contentKey, messageID: messageID, mailbox: mailbox, uidValidity: uidValidity, uid: uid,
                                subject: subject, sender: sender, drafts: drafts, domains: domains, lookups: lookups)])[0]
    }

    /// A message about to be recorded with its first reports (see `reserve(_:)`).
    public struct NewMessage: Sendable {
        public var contentKey: String
        public var messageID: String?
        public var mailbox: String
        public var uidValidity: UInt32
        public var uid: UInt32
        public var subject: String?
        public var sender: String?
        public var drafts: [Draft]
        public var domains: [String: [String]]
        public var lookups: [UInt8]?

        public init(contentKey: String, messageID: String?, mailbox: String, uidValidity: UInt32, uid: UInt32, subject: String?,
                    sender: String?, drafts: [Draft], domains: [String: [String]] = [:], lookups: [UInt8]? = nil) {
            self.contentKey = contentKey
            self.messageID = messageID
            self.mailbox = mailbox
            self.uidValidity = uidValidity
            self.uid = uid
            self.subject = subject
            self.sender = sender
            self.drafts = drafts
            self.domains = domains
            self.lookups = lookups
        }
    }

    /// Records the intent for a batch of messages in one transaction: each message as reserved, its
    /// drafts as pending, and those whose lookups are still to be made on the lookup list.
    /// - Returns: the messages' row ids, in order.
    public func reserve(_ messages: [NewMessage]) throws -> [Int64] {
        guard !messages.isEmpty else { return [] }
        return try write { db in
            let now = Ledger.timestamp()
            return try messages.map { m in
                try db.run("""
                    INSERT INTO message (contentKey, messageID, mailbox, uidValidity, uid, state, subject, sender, firstSeenAt)
                    VALUES (?, ?, ?, ?, ?, 'reserved', ?, ?, ?)
                    """, [m.contentKey, m.messageID, m.mailbox, Int64(m.uidValidity), Int64(m.uid), m.subject, m.sender, now])
                let rowID = db.lastInsertedRowID
                for d in m.drafts {
                    try Ledger.insert(ReportReservation(draft: d, messageRowIDs: [rowID], domains: m.domains[d.id] ?? []), db: db)
                }
                if let lookups = m.lookups {
                    try Ledger.putOnLookupList(messageRowID: rowID, raw: lookups, pending: ["lookups not made yet"], retryAfter: 0, db: db)
                }
                return rowID
            }
        }
    }

    /// Reports recorded but not known to be delivered, oldest first: those due by `due` (a report a
    /// server deferred waits for its next attempt), or all of them when `due` is nil.
    public func pending(messageRowID: Int64? = nil, due: Date? = Date()) throws -> [PendingReport] {
        try writer.read { db in
            var sql = "SELECT * FROM report WHERE status = 'pending'"
            var args: StatementArguments = []
            if let messageRowID { sql += " AND messageRowID = ?"; args += [messageRowID] }
            if let due { sql += " AND (nextAttemptAt IS NULL OR nextAttemptAt <= ?)"; args += [Ledger.timestamp(due)] }
            sql += " ORDER BY createdAt, draftID"
            return try Row.fetchAll(db, sql: sql, arguments: args).map { row in
                let to = (row["recipients"] as String).split(separator: ",").map(String.init)
                let draft = Draft(kind: DraftKind(rawValue: row["kind"]) ?? .carrierForward, to: to, form: row["form"],
                                  subject: row["subject"], id: row["draftID"], raw: [UInt8](row["raw"] as Data))
                return PendingReport(draft: draft, messageRowID: row["messageRowID"], created: row["createdAt"], attempts: row["attempts"])
            }
        }
    }

    /// How long a report waits after a server deferred it for the `attempts`-th time: 5 min, 15 min,
    /// 1 h, 3 h, then every 6 h.
    public static func deferral(afterAttempts attempts: Int) -> TimeInterval {
        [300, 900, 3600, 3 * 3600, 6 * 3600][min(max(attempts, 1), 5) - 1]
    }

    /// How long a server may keep deferring a report before it counts as refused (as mail servers
    /// keep a message in their queue: five days).
    public static let deferralLimit: TimeInterval = 5 * 86400

    /// Records that a server deferred a pending report (`reason`: its answer); it is next tried after
    /// the back-off for its count of deferrals. `tried` false: the server was not asked this time (it had
    /// turned the run away before), so the count stays. Returns when.
    @discardableResult
    public func deferReport(draftID: String, reason: String, tried: Bool = true, now: Date = Date()) throws -> Date {
        try write { db in
            let before = try Int.fetchOne(db, sql: "SELECT attempts FROM report WHERE draftID = ?", arguments: [draftID]) ?? 0
            let attempts = tried ? before + 1 : max(before, 1)
            let next = now.addingTimeInterval(Ledger.deferral(afterAttempts: attempts))
            try db.execute(sql: "UPDATE report SET attempts = ?, nextAttemptAt = ?, refusal = ? WHERE draftID = ? AND status = 'pending'",
                           arguments: [attempts, Ledger.timestamp(next), reason, draftID])
            return next
        }
    }

    /// Records that a server refused a report for good: it is settled, with `reason` (the server's
    /// answer) and `location` (where a copy was kept for the person, if anywhere), and never sent again.
    /// Its message is processed once nothing else of it is pending, as `complete` does.
    public func refuse(draftID: String, reason: String, via: String, location: String) throws {
        try write { db in
            let now = Ledger.timestamp()
            try db.execute(sql: """
                UPDATE report SET status = 'delivered', refusal = ?, via = ?, location = ?, deliveredAt = ?, nextAttemptAt = NULL
                WHERE draftID = ?
                """, arguments: [reason, via, location, now, draftID])
            if let message = try Int64.fetchOne(db, sql: "SELECT messageRowID FROM report WHERE draftID = ?", arguments: [draftID]) {
                try Ledger.closeIfDone(messageRowID: message, outcome: "a report refused by the SMTP server", now: now, db: db)
            }
        }
    }

    /// Pending reports that wait for a server that deferred them, and the soonest next attempt.
    public func deferredReports() throws -> (count: Int, next: Date?) {
        try writer.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT COUNT(*) AS n, MIN(nextAttemptAt) AS next FROM report WHERE status = 'pending' AND nextAttemptAt IS NOT NULL")
            return (row?["n"] ?? 0, row?["next"])
        }
    }

    /// Marks drafts delivered and, when no report of the message is left pending, the message
    /// processed, in one transaction.
    public func complete(messageRowID: Int64, delivered: [(draftID: String, via: String, location: String)], outcome: String) throws {
        try complete([(messageRowID, delivered, outcome)])
    }

    /// `complete` for a batch of messages, in one transaction.
    public func complete(_ messages: [(messageRowID: Int64, delivered: [(draftID: String, via: String, location: String)], outcome: String)]) throws {
        guard !messages.isEmpty else { return }
        try write { db in
            let now = Ledger.timestamp()
            for m in messages {
                for d in m.delivered {
                    try db.run("UPDATE report SET status = 'delivered', via = ?, location = ?, deliveredAt = ?, refusal = NULL, nextAttemptAt = NULL WHERE draftID = ?",
                               [d.via, d.location, now, d.draftID])
                }
                try Ledger.closeIfDone(messageRowID: m.messageRowID, outcome: m.outcome, now: now, db: db)
            }
        }
    }

    /// Marks a message processed, with `outcome`, when none of its reports is pending any more.
    static func closeIfDone(messageRowID: Int64, outcome: String, now: String, db: Database) throws {
        let open = try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM report WHERE messageRowID = ? AND status = 'pending'"),
                                    arguments: [messageRowID]) ?? 0
        if open == 0 {
            try db.run("UPDATE message SET state = 'processed', outcome = ?, processedAt = ? WHERE id = ?", [outcome, now, messageRowID])
        }
    }

    /// Notes that a mail server accepted a pending report (SMTP 250), before anything else is done
    /// with it, so that a run cut off right after the send never sends it again.
    public func noteAccepted(draftID: String, by server: String) throws {
        try write { db in
            try db.execute(sql: "UPDATE report SET location = ? WHERE draftID = ? AND status = 'pending'",
                           arguments: ["accepted by \(server)", draftID])
        }
    }

    /// Where a pending report was accepted, when `noteAccepted` recorded it.
    public func acceptance(draftID: String) throws -> String? {
        try writer.read { db in
            try String.fetchOne(db, sql: "SELECT location FROM report WHERE draftID = ? AND status = 'pending' AND location LIKE 'accepted by %'",
                                arguments: [draftID])
        }
    }

    /// Every report, newest first.
    public func reports(limit: Int = 1000) throws -> [ReportRecord] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM report ORDER BY createdAt DESC LIMIT ?", arguments: [limit]).map { row in
                ReportRecord(draftID: row["draftID"], kind: row["kind"],
                             recipients: (row["recipients"] as String).split(separator: ",").map(String.init),
                             subject: row["subject"], status: row["status"], via: row["via"], location: row["location"],
                             createdAt: row["createdAt"])
            }
        }
    }

    /// How many messages are processed.
    public func processedCount() throws -> Int {
        try writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM message WHERE state = 'processed'") ?? 0 }
    }
}

extension Ledger {
    /// A processed message whose lookups did not all succeed.
    public struct LookupRetry: Sendable {
        /// How long to wait after the `attempts`-th failed try: 1 h, 6 h, 24 h, 3 d, then a week.
        public static func backoff(afterAttempts attempts: Int) -> TimeInterval {
            [3600, 6 * 3600, 86400, 3 * 86400, 7 * 86400][min(max(attempts, 0), 4)]
        }

        public var messageRowID: Int64
        public var raw: [UInt8]
        public var attempts: Int
        /// Desks that already have a report for this message (address or form).
        public var reportedDesks: Set<String>
    }

    /// Messages to look up again whose next attempt is due by `due` (all of them when nil), at most
    /// `maxAttempts` tries each.
    /// `after`: only messages whose row id is greater (to read a long list `limit` at a time, in row order).
    public func lookupRetries(maxAttempts: Int = 20, due: Date? = Date(), after: Int64 = 0, limit: Int = .max) throws -> [LookupRetry] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT messageRowID, raw, attempts FROM lookupRetry
                WHERE attempts < ? AND (? IS NULL OR nextAttemptAt IS NULL OR nextAttemptAt <= ?) AND messageRowID > ?
                ORDER BY messageRowID LIMIT ?
                """, arguments: [maxAttempts, due, due, after, min(limit, Int(Int32.max))]).map { row in
                let id: Int64 = row["messageRowID"]
                let desks = try String.fetchAll(db, sql: """
                    SELECT r.desk FROM report r JOIN reportMessage rm ON rm.draftID = r.draftID WHERE rm.messageRowID = ?
                    """, arguments: [id])
                return LookupRetry(messageRowID: id, raw: [UInt8](row["raw"] as Data), attempts: row["attempts"], reportedDesks: Set(desks))
            }
        }
    }

    /// Records the reports a run makes to the desks (each about one or more messages, naming its
    /// domains) as pending, and updates the retry list of the messages they cover, in one
    /// transaction: a run cut off before it re-does them; after it, settles them.
    public func reserve(_ reports: [ReportReservation], retries: [RetryUpdate]) throws {
        try write { db in
            for r in reports { try Ledger.insert(r, db: db) }
            for u in retries {
                if u.pending.isEmpty {
                    try db.execute(sql: "DELETE FROM lookupRetry WHERE messageRowID = ?", arguments: [u.messageRowID])
                } else {
                    try Ledger.putOnLookupList(messageRowID: u.messageRowID, raw: u.raw, pending: u.pending, retryAfter: u.retryAfter, db: db)
                }
            }
        }
    }

    /// Puts a message on the lookup list, or moves its place there (one more attempt, the next due
    /// `retryAfter` from now).
    static func putOnLookupList(messageRowID: Int64, raw: [UInt8], pending: [String], retryAfter: TimeInterval, db: Database) throws {
        let now = Date()
        try db.run("""
            INSERT INTO lookupRetry (messageRowID, raw, pending, attempts, updatedAt, nextAttemptAt) VALUES (?, ?, ?, 0, ?, ?)
            ON CONFLICT(messageRowID) DO UPDATE SET pending = excluded.pending, attempts = attempts + 1,
                updatedAt = excluded.updatedAt, nextAttemptAt = excluded.nextAttemptAt
            """, [messageRowID, Data(raw), pending.joined(separator: "\n"), Ledger.timestamp(now), Ledger.timestamp(now.addingTimeInterval(retryAfter))])
    }

    /// The domains among `domains` that a delivered report to `desk` named before: the first such
    /// report's time and how many there were.
    public func priorReports(desk: String, domains: [String]) throws -> [String: (first: Date, count: Int)] {
        guard !domains.isEmpty else { return [:] }
        return try writer.read { db in
            let marks = Array(repeating: "?", count: domains.count).joined(separator: ",")
            var args: [(any DatabaseValueConvertible)?] = [desk]
            args += domains.map { $0 as (any DatabaseValueConvertible)? }
            var out: [String: (first: Date, count: Int)] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT dr.domain AS domain, MIN(r.createdAt) AS first, COUNT(*) AS n FROM domainReport dr JOIN report r ON r.draftID = dr.draftID
                WHERE r.desk = ? AND r.status = 'delivered' AND r.refusal IS NULL AND dr.domain IN (\(marks)) GROUP BY dr.domain
                """, arguments: StatementArguments(args)) {
                out[row["domain"]] = (row["first"], row["n"])
            }
            return out
        }
    }

    /// The hosts among `hosts` that a report to `desk` (phishing or brand) named since `since`,
    /// delivered or still pending.
    public func lureHostsReported(desk: String, hosts: [String], since: Date) throws -> Set<String> {
        guard !hosts.isEmpty else { return [] }
        return try writer.read { db in
            let marks = Array(repeating: "?", count: hosts.count).joined(separator: ",")
            var args: [(any DatabaseValueConvertible)?] = [desk, Ledger.timestamp(since)]
            args += hosts.map { $0 as (any DatabaseValueConvertible)? }
            return Set(try String.fetchAll(db, sql: """
                SELECT DISTINCT lr.host FROM lureReport lr JOIN report r ON r.draftID = lr.draftID
                WHERE r.desk = ? AND r.createdAt >= ? AND lr.host IN (\(marks))
                """, arguments: StatementArguments(args)))
        }
    }

    /// Marks reports delivered.
    public func markDelivered(_ delivered: [(draftID: String, via: String, location: String)]) throws {
        guard !delivered.isEmpty else { return }
        try write { db in
            let now = Ledger.timestamp()
            for d in delivered {
                try db.run("UPDATE report SET status = 'delivered', via = ?, location = ?, deliveredAt = ?, refusal = NULL, nextAttemptAt = NULL WHERE draftID = ?",
                           [d.via, d.location, now, d.draftID])
            }
        }
    }

    static func insert(_ r: ReportReservation, db: Database) throws {
        let d = r.draft
        try db.run("""
            INSERT INTO report (draftID, messageRowID, kind, recipients, form, subject, raw, status, createdAt, desk, repeatDomains)
            VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)
            """, [d.id, r.messageRowIDs[0], d.kind.rawValue, d.to.joined(separator: ","), d.form, d.subject, Data(d.raw), Ledger.timestamp(),
                  d.desk, r.repeatDomains.joined(separator: ",")])
        for host in d.hosts {
            try db.run("INSERT OR IGNORE INTO lureReport (host, draftID) VALUES (?, ?)", [host, d.id])
        }
        for m in r.messageRowIDs {
            try db.run("INSERT OR IGNORE INTO reportMessage (draftID, messageRowID) VALUES (?, ?)", [d.id, m])
        }
        for domain in r.domains {
            try db.run("INSERT OR IGNORE INTO domainReport (domain, draftID) VALUES (?, ?)", [domain, d.id])
            for m in r.carriers[domain] ?? (r.messageRowIDs.count == 1 ? r.messageRowIDs : []) {
                try db.run("INSERT OR IGNORE INTO domainMessage (domain, messageRowID) VALUES (?, ?)", [domain, m])
            }
        }
    }
}

/// A report about to be recorded: the draft, the messages it covers (the first is its main one) and
/// the domains it names, with those reported to the same desk before.
public struct ReportReservation: Sendable {
    public var draft: Draft
    public var messageRowIDs: [Int64]
    public var domains: [String]
    public var repeatDomains: [String]
    /// Which of the messages carried each domain (when the report covers several).
    public var carriers: [String: [Int64]]

    public init(draft: Draft, messageRowIDs: [Int64], domains: [String], repeatDomains: [String] = [], carriers: [String: [Int64]] = [:]) {
        precondition(!messageRowIDs.isEmpty, "a report covers at least one message")
        self.carriers = carriers
        self.draft = draft
        self.messageRowIDs = messageRowIDs
        self.domains = domains
        self.repeatDomains = repeatDomains
    }
}

/// What is left to look up for a message, and when to try again (nothing left: off the list).
public struct RetryUpdate: Sendable {
    public var messageRowID: Int64
    public var raw: [UInt8]
    public var pending: [String]
    public var retryAfter: TimeInterval

    public init(messageRowID: Int64, raw: [UInt8], pending: [String], retryAfter: TimeInterval) {
        self.messageRowID = messageRowID
        self.raw = raw
        self.pending = pending
        self.retryAfter = retryAfter
    }
}
