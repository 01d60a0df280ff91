import Foundation
import Logging
import Testing

@testable import watcher

/// Fetching ahead: batches come in order, never more than one ahead of the one being handled, and any
/// failure hands the rest back to the caller instead of losing it.
struct FetchAheadTests {
    static let batches = (0..<8).map { b in (0..<3).map { UInt32(b * 3 + $0 + 1) } }

    final class Log: @unchecked Sendable {
        let lock = NSLock()
        var fetched: [Int] = []
        func add(_ i: Int) { lock.lock(); fetched.append(i); lock.unlock() }
        var all: [Int] { lock.lock(); defer { lock.unlock() }; return fetched }
    }

    /// Fetching ahead over a fetch that notes which batch it was asked for.
    static func recording(_ log: Log) -> FetchAhead {
        FetchAhead(batches: batches, connect: {
            { uids in
                log.add(Int(uids[0] - 1) / 3)
                return messages(uids)
            }
        }, logger: Logger(label: "test"))
    }

    static func messages(_ uids: [UInt32]) -> [(uid: UInt32, bytes: [UInt8])] { uids.map { ($0, Array("message \($0)".utf8)) } }

    @Test func batchesArriveInOrderAndAtMostOneAhead() throws {
        let log = Log()
        let ahead = Self.recording(log)
        for (i, batch) in Self.batches.enumerated() {
            // Give the thread time to run ahead as far as it is allowed to.
            Thread.sleep(forTimeInterval: 0.02)
            #expect(log.all.count <= i + 1, "batch \(i): \(log.all)")
            let got = try #require(ahead.take(i))
            #expect(got.map(\.uid) == batch)
            #expect(got.map(\.bytes) == Self.messages(batch).map(\.bytes))
        }
        #expect(log.all == Array(0..<8))
    }

    @Test func aConnectionThatFailsLeavesEveryBatchToTheCaller() {
        struct Refused: Error {}
        let ahead = FetchAhead(batches: Self.batches, connect: { throw Refused() }, logger: Logger(label: "test"))
        for i in Self.batches.indices { #expect(ahead.take(i) == nil) }
    }

    @Test func aFetchThatFailsLeavesThatBatchAndTheRestToTheCaller() {
        struct Broken: Error {}
        let ahead = FetchAhead(batches: Self.batches, connect: {
            { uids in
                if uids[0] > 9 { throw Broken() }  // batches 0…2 arrive, 3 fails
                return Self.messages(uids)
            }
        }, logger: Logger(label: "test"))
        for i in 0..<3 { #expect(ahead.take(i)?.map(\.uid) == Self.batches[i]) }
        for i in 3..<8 { #expect(ahead.take(i) == nil) }
    }

    @Test func stopEndsTheThreadWithoutFetchingTheRest() {
        let log = Log()
        let ahead = Self.recording(log)
        _ = ahead.take(0)
        ahead.stop()
        Thread.sleep(forTimeInterval: 0.1)
        #expect(log.all.count <= 2)
        #expect(ahead.take(1) == nil)
    }
}
