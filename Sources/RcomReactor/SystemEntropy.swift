import CShims
import Glibc
import RcomCore

/// The kernel's CSPRNG (getrandom(2)) behind `EntropySource`: unguessable tokens. Draws are
/// served from a 4 KiB buffer refilled by one getrandom call, instead of one syscall per 64
/// bits (the proxy drew two per job: 2,000 getrandom calls for 1,000 jobs). The buffer holds
/// bytes not yet handed out, never reused; an instance belongs to one thread.
public final class SystemEntropy: EntropySource {
    private var buffer = [UInt64](repeating: 0, count: 512)
    private var next = 512

    public init() {}

    public func next64() -> UInt64 {
        if next == buffer.count { refill() }
        let v = buffer[next]
        buffer[next] = 0
        next += 1
        return v
    }

    private func refill() {
        buffer.withUnsafeMutableBytes { raw in
            var filled = 0
            while filled < raw.count {
                let n = rcom_getrandom(raw.baseAddress! + filled, UInt(raw.count - filled))
                if n > 0 {
                    filled += n
                } else if n < 0 && errno != EINTR {
                    // getrandom cannot fail on Linux ≥ 3.17 once the pool is ready (it blocks
                    // until then); anything else means no secure randomness at all.
                    fatalError("getrandom failed: errno \(errno)")
                }
            }
        }
        next = 0
    }
}
