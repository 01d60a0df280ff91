import Foundation
import GRDB

/// One report as `watcher history` shows it.
public struct HistoryEntry: Sendable, Hashable {
    public var draftID: String
    public var created: Date
    public var kind: String
    public var to: [String]
    public var form: String?
    public var domains: [String]
    /// The part of `domains` reported to the same desk before.
    public var repeatDomains: [String]
    public var messageIDs: [String]
    /// Where it went, or nil while it is not delivered.
    public var delivered: String?
    /// The SMTP server's answer when it refused the report (then `delivered` says where it was kept),
    /// or deferred it (then it is pending until `nextAttempt`).
    public var refusal: String? = nil
    public var nextAttempt: Date? = nil

    /// Refused for good by the SMTP server: it never reached the desk.
    public var isRefused: Bool { refusal != nil && delivered != nil }
}

/// One reported domain as `watcher domains` shows it.
public struct DomainEntry: Sendable, Hashable {
    public var domain: String
    public var messages: Int
    public var reports: Int
    public var desks: [String]
    public var firstReported: Date
    public var lastReported: Date
    /// `unchecked`, `active`, `suspended`, `gone` or `unknown`.
    public var status: String
    public var statusSince: Date?
    public var evidence: String?
}

/// What a re-check found of a domain.
public enum DomainStatus: String, Sendable, Hashable, CaseIterable {
    /// The registry answers as before.
    case active
    /// The nameservers moved to a registrar's abuse or suspension set, or the registry holds the domain.
    case suspended
    /// The registry has no such domain any more.
    case gone
    /// The lookup failed; asked again next time.
    case unknown
}

/// A domain that became suspended or gone, and how long after its first report to a desk.
public struct Takedown: Sendable, Hashable {
    public var domain: String
    public var desk: String
    public var status: String
    /// Seconds from the first report to that desk to the status change.
    public var after: TimeInterval
    public var since: Date
}

/// A run that did not end well (exit status 75 or 78), for the summary.
public struct RunRecord: Sendable, Hashable {
    public var command: String
    public var startedAt: Date
    public var exitStatus: Int
    public var summary: String
}

extension Ledger {
    // MARK: History

    /// Every report made since `since` (all when nil), oldest first.
    public func history(since: Date? = nil) throws -> [HistoryEntry] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT r.draftID, r.createdAt, r.kind, r.recipients, r.form, r.status, r.location, r.repeatDomains, r.refusal, r.nextAttemptAt,
                       (SELECT group_concat(domain, ',') FROM (SELECT domain FROM domainReport WHERE draftID = r.draftID ORDER BY domain)) AS domains,
                       (SELECT group_concat(COALESCE(m.messageID, ''), char(10)) FROM reportMessage rm JOIN message m ON m.id = rm.messageRowID
                        WHERE rm.draftID = r.draftID) AS messageIDs
                FROM report r WHERE (? IS NULL OR r.createdAt >= ?) ORDER BY r.createdAt, r.draftID
                """, arguments: [since, since]).map { row in
                func list(_ s: String?, _ sep: Character = ",") -> [String] { (s ?? "").split(separator: sep).map(String.init) }
                return HistoryEntry(
                    draftID: row["draftID"], created: row["createdAt"], kind: row["kind"], to: list(row["recipients"]), form: row["form"],
                    domains: list(row["domains"]), repeatDomains: list(row["repeatDomains"]),
                    messageIDs: list(row["messageIDs"], "\n").filter { !$0.isEmpty },
                    delivered: (row["status"] as String) == "delivered" ? (row["location"] as String? ?? "delivered") : nil,
                    refusal: row["refusal"], nextAttempt: row["nextAttemptAt"])
            }
        }
    }

    // MARK: Domains

    /// Every domain a delivered report named, with its re-check status.
    public func reportedDomains() throws -> [DomainEntry] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT dr.domain AS domain, COUNT(DISTINCT r.draftID) AS reports,
                       (SELECT COUNT(*) FROM domainMessage dm WHERE dm.domain = dr.domain) AS messages,
                       group_concat(DISTINCT r.desk) AS desks, MIN(r.createdAt) AS first, MAX(r.createdAt) AS last,
                       s.status AS status, s.statusSince AS since, s.evidence AS evidence
                FROM domainReport dr JOIN report r ON r.draftID = dr.draftID AND r.status = 'delivered' AND r.refusal IS NULL
                LEFT JOIN domainStatus s ON s.domain = dr.domain
                GROUP BY dr.domain ORDER BY MIN(r.createdAt), dr.domain
                """).map { row in
                DomainEntry(domain: row["domain"], messages: row["messages"], reports: row["reports"],
                            desks: (row["desks"] as String? ?? "").split(separator: ",").map(String.init).filter { !$0.isEmpty },
                            firstReported: row["first"], lastReported: row["last"], status: row["status"] ?? "unchecked",
                            statusSince: row["since"], evidence: row["evidence"])
            }
        }
    }

    /// The reported domains due for a re-check at `now`: first reported at least `after` ago and at
    /// most `until` ago, not checked within `every`, and not gone. `force` takes every domain first
    /// reported at least `after` ago, however recently checked.
    public func domainsToRecheck(now: Date = Date(), after: TimeInterval, every: TimeInterval, until: TimeInterval,
                                 force: Bool = false) throws -> [String] {
        try writer.read { db in
            try String.fetchAll(db, sql: """
                SELECT dr.domain FROM domainReport dr JOIN report r ON r.draftID = dr.draftID AND r.status = 'delivered' AND r.refusal IS NULL
                LEFT JOIN domainStatus s ON s.domain = dr.domain
                GROUP BY dr.domain
                HAVING MIN(r.createdAt) <= ? AND (? OR MIN(r.createdAt) >= ?)
                   AND (? OR MAX(s.checkedAt) IS NULL OR MAX(s.checkedAt) <= ?)
                   AND COALESCE(MAX(s.status), '') <> 'gone'
                ORDER BY MIN(r.createdAt)
                """, arguments: [now.addingTimeInterval(-after), force, now.addingTimeInterval(-until), force, now.addingTimeInterval(-every)])
        }
    }

    /// Records what a re-check found; `statusSince` moves only when the status changes.
    public func setStatus(_ status: DomainStatus, of domain: String, evidence: String?, at now: Date = Date()) throws {
        try write { db in
            try db.execute(sql: """
                INSERT INTO domainStatus (domain, status, statusSince, evidence, checkedAt) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(domain) DO UPDATE SET
                    statusSince = CASE WHEN status = excluded.status THEN statusSince ELSE excluded.statusSince END,
                    evidence = CASE WHEN excluded.status = 'unknown' AND status <> 'unknown' THEN evidence ELSE excluded.evidence END,
                    status = CASE WHEN excluded.status = 'unknown' AND status <> 'unknown' THEN status ELSE excluded.status END,
                    checkedAt = excluded.checkedAt
                """, arguments: [domain, status.rawValue, now, evidence, now])
        }
    }

    /// Domains that became suspended or gone since `since`, each with the desks that had reports
    /// about it and the time from the first report to each desk (time to takedown).
    public func takedowns(since: Date? = nil, until: Date? = nil) throws -> [Takedown] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT s.domain AS domain, s.status AS status, s.statusSince AS since, r.desk AS desk, MIN(r.createdAt) AS first
                FROM domainStatus s JOIN domainReport dr ON dr.domain = s.domain
                JOIN report r ON r.draftID = dr.draftID AND r.status = 'delivered' AND r.refusal IS NULL
                WHERE s.status IN ('suspended', 'gone') AND (? IS NULL OR s.statusSince >= ?) AND (? IS NULL OR s.statusSince <= ?)
                GROUP BY s.domain, r.desk ORDER BY s.statusSince, s.domain
                """, arguments: [since, since, until, until]).map { row in
                let since: Date = row["since"]
                let first: Date = row["first"]
                return Takedown(domain: row["domain"], desk: row["desk"], status: row["status"], after: since.timeIntervalSince(first), since: since)
            }
        }
    }

    // MARK: Runs

    /// Notes how a command went.
    public func recordRun(_ command: String, startedAt: Date, exitStatus: Int, summary: String, at now: Date = Date()) throws {
        try write { db in
            try db.execute(sql: "INSERT INTO run (command, startedAt, finishedAt, exitStatus, summary) VALUES (?, ?, ?, ?, ?)",
                           arguments: [command, startedAt, now, exitStatus, summary])
        }
    }

    /// Runs that ended with a non-zero exit status in the period.
    public func failedRuns(since: Date, until: Date) throws -> [RunRecord] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT command, startedAt, exitStatus, summary FROM run
                WHERE exitStatus IS NOT NULL AND exitStatus <> 0 AND startedAt >= ? AND startedAt <= ? ORDER BY startedAt
                """, arguments: [since, until]).map {
                RunRecord(command: $0["command"], startedAt: $0["startedAt"], exitStatus: $0["exitStatus"], summary: $0["summary"] ?? "")
            }
        }
    }

    // MARK: Summary figures

    /// Messages first seen in the period.
    public func messageCount(since: Date, until: Date) throws -> Int {
        try writer.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM message WHERE firstSeenAt >= ? AND firstSeenAt <= ?", arguments: [since, until]) ?? 0
        }
    }

    /// Messages whose lookups are still pending.
    public func pendingLookupCount() throws -> Int {
        try writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM lookupRetry") ?? 0 }
    }

    /// Domains whose first delivered report falls in the period.
    public func newDomains(since: Date, until: Date) throws -> [String] {
        try writer.read { db in
            try String.fetchAll(db, sql: """
                SELECT dr.domain FROM domainReport dr JOIN report r ON r.draftID = dr.draftID AND r.status = 'delivered' AND r.refusal IS NULL
                GROUP BY dr.domain HAVING MIN(r.createdAt) >= ? AND MIN(r.createdAt) <= ? ORDER BY MIN(r.createdAt), dr.domain
                """, arguments: [since, until])
        }
    }
}

/// What a desk was told about a domain: for deciding on a follow-up.
public struct DeskDomainRecord: Sendable, Hashable {
    /// The desk: its addresses (comma-separated) or its form.
    public var desk: String
    public var first: Date
    /// The latest report or follow-up to the desk that named the domain.
    public var last: Date
    public var reports: Int
    /// The messages those reports covered.
    public var messageRowIDs: [Int64]
}

extension Ledger {
    /// The desks (registrars, hosts, networks, name-server operators) that delivered reports named
    /// `domain` to, with the first and the latest such report (follow-ups included) and their count.
    public func deskRecords(of domain: String) throws -> [DeskDomainRecord] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT r.desk AS desk, MIN(r.createdAt) AS first, MAX(r.createdAt) AS last, COUNT(DISTINCT r.draftID) AS n,
                       GROUP_CONCAT(DISTINCT rm.messageRowID) AS messages
                FROM domainReport dr JOIN report r ON r.draftID = dr.draftID AND r.status = 'delivered' AND r.refusal IS NULL
                JOIN reportMessage rm ON rm.draftID = r.draftID
                WHERE dr.domain = ? AND r.kind IN ('registrar', 'hosting', 'network', 'nameserver', 'follow-up') AND r.desk <> ''
                GROUP BY r.desk ORDER BY MIN(r.createdAt)
                """, arguments: [domain]).map { row in
                let messages: String = row["messages"] ?? ""
                return DeskDomainRecord(desk: row["desk"], first: row["first"], last: row["last"], reports: row["n"],
                                        messageRowIDs: messages.split(separator: ",").compactMap { Int64($0) })
            }
        }
    }
}
