#if canImport(Glibc)
    import Glibc
#endif

/// Seconds on the monotonic clock (CLOCK_MONOTONIC): for deadlines and intervals, which must not move
/// when the wall clock is set back or forward.
public enum Monotonic {
    public static var now: Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
