import Foundation
import Logging

/// Fetches a backlog's batches on a thread of its own, one batch ahead of the one being handled, so
/// the server's time to send the next batch overlaps the analysis of this one.
///
/// Holds at most one fetched batch besides the one being handled. Fetching only reads (BODY.PEEK on
/// a read-only connection), so nothing it does needs undoing. When the second connection or a fetch
/// fails, `take` answers nil from then on and the caller fetches in turn, as without it.
final class FetchAhead: @unchecked Sendable {
    private let condition = NSCondition()
    private let batches: [[UInt32]]
    /// Guarded by `condition`.
    private var ready: [Int: [(uid: UInt32, bytes: [UInt8])]] = [:]
    private var taken = 0
    private var failedAt: Int?
    private var stopped = false

    init(batches: [[UInt32]], connect: @escaping @Sendable () throws -> ([UInt32]) throws -> [(uid: UInt32, bytes: [UInt8])],
         logger: Logger) {
        self.batches = batches
        let thread = Thread { [self] in
            run(connect: connect, logger: logger)
        }
        thread.name = "fetch-ahead"
        thread.start()
    }

    private func run(connect: () throws -> ([UInt32]) throws -> [(uid: UInt32, bytes: [UInt8])], logger: Logger) {
        var index = 0
        do {
            let fetch = try connect()
            while index < batches.count {
                condition.lock()
                // One batch ahead of the one being handled, no more.
                while index > taken, !stopped { condition.wait() }
                let stop = stopped
                condition.unlock()
                if stop { return }
                let fetched = try fetch(batches[index])
                condition.lock()
                ready[index] = fetched
                condition.broadcast()
                condition.unlock()
                index += 1
            }
        } catch {
            logger.notice("fetching ahead stopped; the rest is fetched in turn: \(error)")
            condition.lock()
            failedAt = index
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Batch `index` (taken in order), or nil when it was not fetched ahead.
    func take(_ index: Int) -> [(uid: UInt32, bytes: [UInt8])]? {
        condition.lock()
        defer { condition.unlock() }
        while ready[index] == nil, failedAt.map({ index < $0 }) ?? true, !stopped { condition.wait() }
        taken = index + 1
        condition.broadcast()
        return ready.removeValue(forKey: index)
    }

    /// Lets the thread end after its current fetch.
    func stop() {
        condition.lock()
        stopped = true
        ready.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
