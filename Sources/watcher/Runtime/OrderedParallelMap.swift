import Foundation

/// Runs `work` for each index of `0..<count` on up to `workers` threads and hands each index with
/// its result to `consume` on the calling thread, in index order. Workers run at most `workers + 1` indices
/// ahead of what was consumed, so only that many results are held at once, whatever the count.
/// With one worker (or one item) everything runs on the calling thread, in turn.
func orderedParallelMap<T>(count: Int, workers: Int, _ work: @escaping @Sendable (Int) -> T, consume: (Int, T) -> Void) {
    guard workers > 1, count > 1 else {
        for i in 0..<count { consume(i, work(i)) }
        return
    }
    let state = OrderedResults<T>(window: workers + 1)
    for _ in 0..<min(workers, count) {
        Thread.detachNewThread {
            while let i = state.claim(below: count) { state.put(work(i), at: i) }
        }
    }
    for i in 0..<count { consume(i, state.take(i)) }
}

/// The shared state of `orderedParallelMap`: the next index to start, the results not yet
/// consumed, and how far the consumer has come. Every field is read and written under `condition`.
private final class OrderedResults<T>: @unchecked Sendable {
    private let condition = NSCondition()
    private let window: Int
    private var next = 0
    private var consumed = 0
    private var results: [Int: T] = [:]

    init(window: Int) { self.window = window }

    /// The next index to work on, once it is within the window; nil when none is left.
    func claim(below count: Int) -> Int? {
        condition.lock()
        defer { condition.unlock() }
        while next < count, next - consumed >= window { condition.wait() }
        guard next < count else { return nil }
        next += 1
        return next - 1
    }

    func put(_ result: T, at index: Int) {
        condition.lock()
        results[index] = result
        condition.broadcast()
        condition.unlock()
    }

    /// The result for `index`, waited for; it is given up, and the window moves on.
    func take(_ index: Int) -> T {
        condition.lock()
        defer { condition.unlock() }
        while results[index] == nil { condition.wait() }
        consumed = index + 1
        condition.broadcast()
        return results.removeValue(forKey: index)!
    }
}
