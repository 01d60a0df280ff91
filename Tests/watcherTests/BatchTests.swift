import Testing

@testable import watcher

/// A run's batches: at most 25 messages, and where sizes are known at most 8 MB, a larger message alone.
struct BatchTests {
    @Test func withoutSizesTwentyFiveAtATime() {
        let batches = Pipeline.batches(Array(1...60), sizes: nil)
        #expect(batches.map(\.count) == [25, 25, 10])
        #expect(batches.flatMap { $0 } == Array(1...60))
    }

    @Test func sizesBoundEachBatchInBytes() {
        let mb = 1 << 20
        // Ten of 1 MB, one of 30 MB (the limit is 25 MB, but a source may hold more), three small.
        var sizes: [UInt32: Int] = [:]
        for uid in UInt32(1)...10 { sizes[uid] = mb }
        sizes[11] = 30 * mb
        for uid in UInt32(12)...14 { sizes[uid] = 2000 }
        let batches = Pipeline.batches(Array(1...14), sizes: sizes)
        #expect(batches == [Array(1...8), [9, 10], [11], [12, 13, 14]])
        #expect(batches.allSatisfy { b in b.count == 1 || b.reduce(0) { $0 + sizes[$1]! } <= 8 * mb })
    }

    @Test func aUIDWithoutASizeCountsAsSmall() {
        #expect(Pipeline.batches([1, 2, 3], sizes: [2: 9 << 20]) == [[1], [2], [3]])
        #expect(Pipeline.batches([], sizes: [:]).isEmpty)
    }
}
