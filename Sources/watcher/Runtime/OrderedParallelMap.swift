import Foundation

/// The threads `analyze` and `run` analyse messages on: every core, at most eight (output, the
/// ledger and delivery stay on the calling thread, which is one of them).
let analysisWorkers = min(ProcessInfo.processInfo.activeProcessorCount, 8)

/// Runs `work` for each index of `0..<count` on up to `workers` threads, the calling thread one of
/// them, and hands each index with its result to `consume` on the calling thread, in index order.
/// No index is started more than `window` (by default twice the workers) past what was consumed,
/// so only that many results are held at once, whatever the count. The calling thread works too
/// while the result it is to hand on next is not ready, so the threads never outnumber the workers
/// and the consumer rarely sleeps. With one worker (or one item) everything runs on the calling
/// thread, in turn.
func orderedParallelMap<T>(count: Int, workers: Int, window: Int? = nil, _ work: @escaping @Sendable (Int) -> T,
                           consume: (Int, T) -> Void) {
    guard workers > 1, count > 1 else {
        for i in 0..<count { consume(i, work(i)) }
        return
    }
    let state = OrderedResults<T>(window: max(window ?? 2 * workers, workers), count: count)
    for _ in 1..<min(workers, count) {
        Thread.detachNewThread {
            while let i = state.claim(waiting: true) { state.put(work(i), at: i) }
        }
    }
    for i in 0..<count {
        while true {
            if let result = state.take(i, waiting: false) {
                consume(i, result)
                break
            }
            if let j = state.claim(waiting: false) {
                state.put(work(j), at: j)
                continue
            }
            consume(i, state.take(i, waiting: true)!)
            break
        }
    }
}

/// The shared state of `orderedParallelMap`: the next index to start, the results not yet
/// consumed, and how far the consumer has come. `next`, `consumed` and `idleWorkers` are read and
/// written under `windowMoved`'s lock, `results` and `wanted` under `resultCame`'s. A thread is
/// woken only when what it waits for may have come: the consumer when the result it waits for is
/// put, a worker when the window moves past an index it could start.
private final class OrderedResults<T>: @unchecked Sendable {
    /// The consumer waits here for the result at `wanted`.
    private let resultCame = NSCondition()
    /// Workers wait here for the window to move.
    private let windowMoved = NSCondition()
    private let window: Int
    private let count: Int
    private var next = 0
    private var consumed = 0
    private var wanted = -1
    private var idleWorkers = 0
    private var results: [Int: T] = [:]

    init(window: Int, count: Int) {
        self.window = window
        self.count = count
    }

    /// The next index to work on, once it is within the window (waited for, or nil when `waiting`
    /// is false and it is not); nil when none is left.
    func claim(waiting: Bool) -> Int? {
        windowMoved.lock()
        defer { windowMoved.unlock() }
        while next < count, next - consumed >= window {
            guard waiting else { return nil }
            idleWorkers += 1
            windowMoved.wait()
            idleWorkers -= 1
        }
        guard next < count else { return nil }
        next += 1
        return next - 1
    }

    func put(_ result: T, at index: Int) {
        resultCame.lock()
        results[index] = result
        if index == wanted { resultCame.signal() }
        resultCame.unlock()
    }

    /// The result for `index` (waited for, or nil when `waiting` is false and it is not there);
    /// it is given up, and the window moves on.
    func take(_ index: Int, waiting: Bool) -> T? {
        resultCame.lock()
        if waiting {
            wanted = index
            while results[index] == nil { resultCame.wait() }
            wanted = -1
        }
        guard let result = results.removeValue(forKey: index) else {
            resultCame.unlock()
            return nil
        }
        resultCame.unlock()
        windowMoved.lock()
        consumed = index + 1
        if idleWorkers > 0 { windowMoved.broadcast() }
        windowMoved.unlock()
        return result
    }
}
