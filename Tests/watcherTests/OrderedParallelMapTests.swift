import Foundation
import Testing

@testable import watcher

struct OrderedParallelMapTests {
    final class Counter: @unchecked Sendable {
        let lock = NSLock()
        var running = 0
        var most = 0
        var started: [Int] = []
        func enter(_ i: Int) { lock.withLock { running += 1; most = max(most, running); started.append(i) } }
        func leave() { lock.withLock { running -= 1 } }
    }

    /// Results come back in index order however long each takes, and every index runs once.
    @Test func resultsComeInOrder() {
        for workers in [1, 2, 3, 8] {
            let counter = Counter()
            var got: [Int] = []
            orderedParallelMap(count: 200, workers: workers, { i -> Int in
                counter.enter(i)
                usleep(UInt32((i * 7919) % 5) * 100)  // uneven work
                counter.leave()
                return i * i
            }) { i, square in
                #expect(square == i * i)
                got.append(square)
            }
            #expect(got == (0..<200).map { $0 * $0 })
            #expect(counter.started.sorted() == Array(0..<200))
            #expect(counter.most <= max(workers, 1))
        }
    }

    /// A slow consumer holds the workers back: they run at most the window (twice the workers
    /// unless told) ahead of it.
    @Test(arguments: [nil, 3]) func workersStayWithinTheWindow(window: Int?) {
        let counter = Counter()
        var consumed = 0
        var furthestAhead = 0
        orderedParallelMap(count: 60, workers: 2, window: window, { i -> Int in
            counter.enter(i)
            counter.leave()
            return i
        }) { _, i in
            usleep(2_000)
            consumed = i + 1
            let started = counter.lock.withLock { counter.started.count }
            furthestAhead = max(furthestAhead, started - consumed)
        }
        #expect(consumed == 60)
        #expect(furthestAhead <= (window ?? 4))
    }

    /// The calling thread is one of the workers: while the next result is not ready it takes an
    /// index itself, so with two workers only one more thread is started.
    @Test func theCallerWorksToo() {
        final class Threads: @unchecked Sendable {
            let lock = NSLock()
            var seen = Set<pthread_t>()
        }
        let caller = pthread_self()
        let threads = Threads()
        let counter = Counter()
        var onCaller = 0
        orderedParallelMap(count: 40, workers: 2, { i -> Bool in
            let me = pthread_self()
            threads.lock.withLock { _ = threads.seen.insert(me) }
            counter.enter(i)
            usleep(1_000)
            counter.leave()
            return pthread_equal(me, caller) != 0
        }) { _, ranHere in
            if ranHere { onCaller += 1 }
        }
        #expect(onCaller > 0)
        #expect(threads.seen.count == 2)
        #expect(counter.most <= 2)
    }
}
