/// The last `k` values and their sum, in O(k) memory: a ring buffer where the slot of the
/// value leaving the window is reused by the value entering it.
///
/// The ring lives in memory owned by `RingStorage` and is written through a raw pointer:
/// an Array here costs a uniqueness check on every push, a tenth of the hot loop.
/// Copies of a window share that memory, so a copy must only be read (as `finish` does).
@available(macOS 15, *)
struct SlidingWindow {
    let k: Int
    private let storage: RingStorage
    private let ring: UnsafeMutablePointer<Int128>
    /// The slot the next value goes into, which holds the oldest value once the window is full.
    private var slot = 0
    /// Values pushed so far, also the 1-based position of the newest value.
    private(set) var count = 0
    /// Sum of the values in the window (fewer than `k` until the window fills).
    private(set) var sum: Int128 = 0

    init(k: Int) {
        precondition(k >= 1, "window size must be positive")
        self.k = k
        storage = RingStorage(count: k)
        ring = storage.base
    }

    var isFull: Bool { count >= k }

    @inline(__always)
    mutating func push(_ value: Int128) {
        // Subtracting the leaving value keeps the update O(1); slots start at 0, so the same
        // expression works while the window is still filling.
        sum += value &- ring[slot]
        ring[slot] = value
        slot += 1
        if slot == k { slot = 0 }
        count += 1
    }

    /// Copies the window oldest first into `destination` (capacity ≥ k) without allocating.
    func copyValues(into destination: inout [Int128]) {
        destination.removeAll(keepingCapacity: true)
        let filled = min(count, k)
        let oldest = isFull ? slot : 0
        for offset in 0..<filled {
            let index = oldest + offset
            destination.append(ring[index >= k ? index - k : index])
        }
    }
}

/// Owns a ring's memory so that its lifetime follows the windows that point into it.
final class RingStorage {
    let base: UnsafeMutablePointer<Int128>

    init(count: Int) {
        base = .allocate(capacity: count)
        base.initialize(repeating: 0, count: count)
    }

    deinit { base.deallocate() }
}
