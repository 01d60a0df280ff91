import Foundation
import GRDB

/// Why the ledger could not be used.
public struct LedgerError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    /// Another process holds the database for now: try again later. Anything else needs a person.
    public var isTransient = false
    /// The disk or the folder failed it (full, read-only, an I/O error, cannot be opened): the ledger
    /// itself is sound and nothing was lost; free or fix the disk and run again (exit 74).
    public var isStorage = false
    public var description: String { "ledger \(path): \(message)" }

    init(path: String, message: String, isTransient: Bool = false, isStorage: Bool = false) {
        self.path = path
        self.message = message
        self.isTransient = isTransient
        self.isStorage = isStorage
    }

    /// What SQLite's result code says happened to the ledger at `path`, in words that say what to do.
    /// Only a damaged file (CORRUPT, NOTADB) is called damage; a full disk, a read-only folder, an I/O
    /// error or a file that cannot be opened are the disk's, and never a reason to start anew.
    static func classify(_ error: any Error, path: String) -> LedgerError {
        if let e = error as? LedgerError { return e }
        guard let e = error as? DatabaseError else { return LedgerError(path: path, message: String(describing: error)) }
        let folder = (path as NSString).deletingLastPathComponent
        let detail = e.message ?? "\(e.resultCode)"
        switch e.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return LedgerError(path: path, message: "busy: another process holds it; try again later", isTransient: true)
        case .SQLITE_FULL:
            return LedgerError(path: path, message: "the disk is full (\(detail)): free space where \(folder) is (df \(folder)) and run again; "
                               + "the ledger is sound and nothing was lost", isStorage: true)
        case .SQLITE_IOERR:
            let hint = LedgerError.freeBytes(folder).map { $0 < 1_048_576 ? "the disk holding \(folder) is full (\($0 / 1024) KB free)" : nil } ?? nil
            return LedgerError(path: path, message: "disk I/O error" + (detail.lowercased() == "disk i/o error" ? "" : " (\(detail))") + ": "
                               + (hint.map { "\($0): free space and run again" } ?? "check the disk holding \(folder) (full? failing?) and run again")
                               + "; the ledger was not changed by the failed write", isStorage: true)
        case .SQLITE_READONLY:
            return LedgerError(path: path, message: "cannot write it (\(detail)): the file or \(folder) is read-only for this user; "
                               + "make it writable (chmod, or a read-write mount) and run again", isStorage: true)
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_AUTH:
            return LedgerError(path: path, message: "cannot open it (\(detail)): check that \(folder) exists and this user may write in it", isStorage: true)
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return LedgerError(path: path, message: "not a watcher ledger or damaged (\(detail)): \(Ledger.whatToDo)")
        default:
            return LedgerError(path: path, message: String(describing: error))
        }
    }

    /// The bytes free for this user on the filesystem that holds `folder`.
    static func freeBytes(_ folder: String) -> Int? {
        var s = statvfs()
        guard statvfs(folder.isEmpty ? "." : folder, &s) == 0 else { return nil }
        return Int(s.f_bavail) * Int(s.f_frsize)
    }
}

/// The state that makes runs safe to repeat: which mailbox UIDs were seen, which messages were
/// processed, and every report with its delivery (SQLite through GRDB, WAL, migrations).
///
/// Order of work, as mbsync does it: `reserve` records the intent (the message and its drafts, each
/// with a random draft id), the caller delivers, then `complete` marks the drafts delivered and the
/// message processed in one transaction. A crash anywhere leaves either nothing or pending rows
/// that `pending()` hands back on the next run to be settled first, so no report is lost or doubled.
public struct Ledger: Sendable {
    let writer: any DatabaseWriter
    public let path: String

    /// Opens (creating when needed) the ledger at `path` and migrates it.
    /// - Throws: `LedgerError` when the file cannot be made, or is damaged (emptied, truncated,
    ///   overwritten: SQLite's integrity check at open), naming what to do. A damaged ledger is never
    ///   reset silently: that would report the whole folder again.
    public init(path: String, checked check: LedgerCheck? = nil) throws {
        self.path = path
        let damaged = Ledger.whatToDo
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size == 0 {
            throw LedgerError(path: path, message: "the file is empty (0 bytes), so the ledger was lost: \(damaged)")
        }
        do {
            // The ledger holds the spams' senders and subjects and where the reports went: its own eyes only.
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw LedgerError(path: path, message: "cannot make its folder: \(error.localizedDescription)")
        }
        do {
            // A ledger that exists is checked read-only first: a damaged file is never written to.
            if let check {
                try check.wait()
            } else if FileManager.default.fileExists(atPath: path) {
                _ = try Ledger.readOnly(path: path)
            }
            var config = Configuration()
            config.foreignKeysEnabled = true
            writer = try DatabasePool(path: path, configuration: config)
            // SQLite makes its -wal and -shm files with the mode of the database file.
            for suffix in ["", "-wal", "-shm"] { chmod(path + suffix, 0o600) }
            try Ledger.migrator.migrate(writer)
        } catch {
            throw LedgerError.classify(error, path: path)
        }
    }

    /// What to do about a ledger that is damaged.
    static let whatToDo = "restore it from a backup, or move it away to start a new ledger (messages the server marked $Reported stay unreported)"

    /// The ledger at `path`, opened to read only (for `check`): never made, migrated or changed.
    public static func readOnly(path: String) throws -> Ledger {
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size == 0 {
            throw LedgerError(path: path, message: "the file is empty (0 bytes), so the ledger was lost: \(whatToDo)")
        }
        do {
            var config = Configuration()
            config.readonly = true
            // The check reads every page: mapped, they are not copied one read call at a time.
            config.prepareDatabase { db in try db.execute(sql: "PRAGMA mmap_size = 1073741824") }
            let queue = try DatabaseQueue(path: path, configuration: config)
            let check = try queue.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check") }
            guard check == ["ok"] else {
                throw LedgerError(path: path, message: "the database is damaged (\(check.prefix(3).joined(separator: "; "))): \(whatToDo)")
            }
            return Ledger(reader: queue, path: path)
        } catch let e as DatabaseError where ![.SQLITE_CORRUPT, .SQLITE_NOTADB].contains(e.resultCode) && LedgerError.classify(e, path: path).isStorage {
            // The disk, not the file: a full disk or an unreadable folder is no damage.
            throw LedgerError.classify(e, path: path)
        } catch let e as LedgerError {
            throw e
        } catch {
            throw LedgerError(path: path, message: "not a watcher ledger or damaged (\(error)): \(whatToDo)")
        }
    }

    private init(reader: DatabaseQueue, path: String) {
        self.writer = reader
        self.path = path
    }

    /// A throwaway copy of the ledger at `path` (empty when there is none) at `copy`, for a dry run:
    /// it works like the real one and the real one is only read.
    public static func scratchCopy(of path: String, at copy: String) throws -> Ledger {
        if FileManager.default.fileExists(atPath: path) {
            do {
                var config = Configuration()
                config.readonly = true
                let original = try DatabaseQueue(path: path, configuration: config)
                let scratch = try DatabaseQueue(path: copy)
                try original.backup(to: scratch)
            } catch {
                throw LedgerError(path: path, message: "cannot read it for a dry run: \(error)")
            }
        }
        return try Ledger(path: copy)
    }

    /// A ledger in memory, for tests and for `analyze`.
    public static func inMemory() throws -> Ledger {
        try Ledger(writer: DatabaseQueue())
    }

    private init(writer: any DatabaseWriter) throws {
        self.writer = writer
        self.path = ":memory:"
        try Ledger.migrator.migrate(writer)
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE mailbox (
                    name TEXT PRIMARY KEY NOT NULL,
                    uidValidity INTEGER NOT NULL,
                    lastUID INTEGER NOT NULL DEFAULT 0,
                    updatedAt DATETIME NOT NULL
                );
                CREATE TABLE message (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    contentKey TEXT NOT NULL UNIQUE,
                    messageID TEXT,
                    mailbox TEXT NOT NULL,
                    uidValidity INTEGER NOT NULL,
                    uid INTEGER NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('reserved', 'processed')),
                    outcome TEXT,
                    subject TEXT,
                    sender TEXT,
                    firstSeenAt DATETIME NOT NULL,
                    processedAt DATETIME
                );
                CREATE INDEX message_place ON message(mailbox, uidValidity, uid);
                CREATE TABLE report (
                    draftID TEXT PRIMARY KEY NOT NULL,
                    messageRowID INTEGER NOT NULL REFERENCES message(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL,
                    recipients TEXT NOT NULL,
                    form TEXT,
                    subject TEXT NOT NULL,
                    raw BLOB NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered')),
                    via TEXT,
                    location TEXT,
                    createdAt DATETIME NOT NULL,
                    deliveredAt DATETIME
                );
                CREATE INDEX report_message ON report(messageRowID);
                CREATE TABLE domainReport (
                    domain TEXT NOT NULL,
                    draftID TEXT NOT NULL REFERENCES report(draftID) ON DELETE CASCADE,
                    PRIMARY KEY (domain, draftID)
                );
                """)
        }
        m.registerMigration("v2-lookup-cache") { db in
            try db.execute(sql: """
                CREATE TABLE lookupCache (
                    key TEXT PRIMARY KEY NOT NULL,
                    answer TEXT NOT NULL,
                    fetchedAt DATETIME NOT NULL
                );
                """)
        }
        m.registerMigration("v3-lookup-retry") { db in
            try db.execute(sql: """
                CREATE TABLE lookupRetry (
                    messageRowID INTEGER PRIMARY KEY NOT NULL REFERENCES message(id) ON DELETE CASCADE,
                    raw BLOB NOT NULL,
                    pending TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    updatedAt DATETIME NOT NULL
                );
                """)
        }
        m.registerMigration("v4-retry-backoff") { db in
            try db.execute(sql: "ALTER TABLE lookupRetry ADD COLUMN nextAttemptAt DATETIME")
        }
        m.registerMigration("v5-domain-memory") { db in
            try db.execute(sql: """
                CREATE TABLE reportMessage (
                    draftID TEXT NOT NULL REFERENCES report(draftID) ON DELETE CASCADE,
                    messageRowID INTEGER NOT NULL REFERENCES message(id) ON DELETE CASCADE,
                    PRIMARY KEY (draftID, messageRowID)
                );
                INSERT INTO reportMessage (draftID, messageRowID) SELECT draftID, messageRowID FROM report;
                CREATE INDEX reportMessage_message ON reportMessage(messageRowID);
                ALTER TABLE report ADD COLUMN desk TEXT NOT NULL DEFAULT '';
                UPDATE report SET desk = CASE WHEN recipients <> '' THEN recipients ELSE COALESCE(form, '') END;
                ALTER TABLE report ADD COLUMN repeatDomains TEXT NOT NULL DEFAULT '';
                CREATE INDEX report_desk ON report(desk);
                CREATE INDEX domainReport_domain ON domainReport(domain);
                CREATE TABLE domainMessage (
                    domain TEXT NOT NULL,
                    messageRowID INTEGER NOT NULL REFERENCES message(id) ON DELETE CASCADE,
                    PRIMARY KEY (domain, messageRowID)
                );
                CREATE TABLE domainStatus (
                    domain TEXT PRIMARY KEY NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'gone', 'unknown')),
                    statusSince DATETIME NOT NULL,
                    evidence TEXT,
                    checkedAt DATETIME NOT NULL
                );
                CREATE TABLE run (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    command TEXT NOT NULL,
                    startedAt DATETIME NOT NULL,
                    finishedAt DATETIME,
                    exitStatus INTEGER,
                    summary TEXT
                );
                """)
        }
        m.registerMigration("v6-lure-hosts") { db in
            try db.execute(sql: """
                CREATE TABLE lureReport (
                    host TEXT NOT NULL,
                    draftID TEXT NOT NULL REFERENCES report(draftID) ON DELETE CASCADE,
                    PRIMARY KEY (host, draftID)
                );
                CREATE INDEX lureReport_host ON lureReport(host);
                """)
        }
        // A report an SMTP server deferred (4xx) waits for `nextAttemptAt`; one it refused (5xx) is
        // settled ('delivered': nothing more is done with it) with the server's answer in `refusal`.
        m.registerMigration("v7-smtp-refusals") { db in
            try db.execute(sql: """
                ALTER TABLE report ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE report ADD COLUMN nextAttemptAt DATETIME;
                ALTER TABLE report ADD COLUMN refusal TEXT;
                """)
        }
        return m
    }

    // MARK: - Test hook

    /// `WATCHER_CRASH_AFTER=N` (tests only): the process kills itself with SIGKILL after N ledger
    /// writes, to prove that a crash at any point loses and doubles nothing.
    static let crashAfter: Int? = ProcessInfo.processInfo.environment["WATCHER_CRASH_AFTER"].flatMap(Int.init)
    private final class Counter: @unchecked Sendable {
        let lock = NSLock()
        var writes = 0
    }
    private static let counter = Counter()

    func write<T>(_ body: (Database) throws -> T) throws -> T {
        let result: T
        do {
            result = try writer.write(body)
        } catch {
            throw LedgerError.classify(error, path: path)
        }
        if let limit = Ledger.crashAfter {
            Ledger.counter.lock.lock()
            Ledger.counter.writes += 1
            let n = Ledger.counter.writes
            Ledger.counter.lock.unlock()
            if n >= limit { kill(getpid(), SIGKILL) }
        }
        return result
    }
}

/// The read-only check of an existing ledger (`Ledger.readOnly`), made on a thread of its own so that
/// it overlaps the server's login; `Ledger(path:checked:)` waits for it before it opens the file to write.
/// The check reads every page, so it grows with the ledger; the login does not wait for it.
public final class LedgerCheck: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    /// Written by the thread before `done` is signalled, read after.
    private var failure: (any Error)?

    public init(path: String) {
        Thread { [self] in
            do {
                if FileManager.default.fileExists(atPath: path) { _ = try Ledger.readOnly(path: path) }
            } catch {
                failure = error
            }
            done.signal()
        }.start()
    }

    /// Waits for the check; throws its `LedgerError` when the ledger is damaged.
    public func wait() throws {
        done.wait()
        done.signal()  // a later wait returns at once
        if let failure { throw failure }
    }
}

extension Ledger {
    /// `date` as GRDB stores a `Date` ("yyyy-MM-dd HH:mm:ss.SSS", UTC), written without a
    /// DateFormatter: the per-message writes of a backlog spent more in the formatter than in SQLite.
    static func timestamp(_ date: Date = Date()) -> String {
        // Whole milliseconds first, counted as CFDateFormatter counts them (to the nearest one).
        let ms = Int64(((date.timeIntervalSinceReferenceDate + 978_307_200) * 1000 + 0.5).rounded(.down))
        var seconds = time_t(ms >= 0 ? ms / 1000 : (ms - 999) / 1000)
        let millis = Int(ms - Int64(seconds) * 1000)
        var tm = tm()
        gmtime_r(&seconds, &tm)
        func pad(_ n: Int, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(Int(tm.tm_year) + 1900, 4))-\(pad(Int(tm.tm_mon) + 1, 2))-\(pad(Int(tm.tm_mday), 2)) "
            + "\(pad(Int(tm.tm_hour), 2)):\(pad(Int(tm.tm_min), 2)):\(pad(Int(tm.tm_sec), 2)).\(pad(millis, 3))"
    }
}

extension Database {
    /// Runs one statement through the connection's statement cache: the hot writes are prepared once.
    func run(_ sql: String, _ arguments: StatementArguments) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }
}
