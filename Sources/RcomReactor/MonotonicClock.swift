import Glibc

/// The one place the reactor reads time. CLOCK_MONOTONIC never jumps with wall-clock changes.
public enum MonotonicClock {
    public static func now_ns() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Wall-clock milliseconds since the epoch, for components that print real dates
    /// (they receive it once, as configuration, and derive the rest from monotonic time).
    public static func wall_ms() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
