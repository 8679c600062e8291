#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The reasons a batch used last, with their ids: a bounded scan instead of a `String` and a
/// dictionary hash per row. The preparer stores repeated reasons once, so entries usually share
/// the very same range; otherwise equal bytes also match.
/// Bound: `capacity` entries, the oldest replaced first.
struct RecentReasons {
    static let capacity = 16
    private var ranges: [Range<Int>] = []
    private var ids: [Int64] = []
    private var next = 0

    init() {
        ranges.reserveCapacity(Self.capacity)
        ids.reserveCapacity(Self.capacity)
    }

    func id(of reason: Range<Int>, in arena: UnsafeBufferPointer<UInt8>) -> Int64? {
        for (i, r) in ranges.enumerated() where r == reason { return ids[i] }
        for (i, r) in ranges.enumerated() where r.count == reason.count {
            if r.isEmpty || memcmp(arena.baseAddress! + r.lowerBound, arena.baseAddress! + reason.lowerBound, r.count) == 0 {
                return ids[i]
            }
        }
        return nil
    }

    mutating func remember(_ reason: Range<Int>, id: Int64) {
        if ranges.count < Self.capacity {
            ranges.append(reason)
            ids.append(id)
        } else {
            ranges[next] = reason
            ids[next] = id
            next = (next + 1) % Self.capacity
        }
    }
}
