import Foundation
import GRDB

/// The ledger as the lookup cache: answers survive between runs for `cache_ttl`.
extension Ledger: LookupCache {
    public func cached(_ key: String, maxAge: TimeInterval) -> String? {
        try? writer.read { db in
            try Row.fetchOne(db, sql: "SELECT answer, fetchedAt FROM lookupCache WHERE key = ?", arguments: [key]).flatMap { row in
                let at: Date = row["fetchedAt"]
                return Date().timeIntervalSince(at) <= maxAge ? row["answer"] as String : nil
            }
        }
    }

    public func store(_ key: String, _ value: String) {
        _ = try? writer.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO lookupCache (key, answer, fetchedAt) VALUES (?, ?, ?)", arguments: [key, value, Date()])
        }
    }
}
