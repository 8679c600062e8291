/// The last `k` values and their sum, in O(k) memory: a ring buffer where the slot of the
/// value leaving the window is reused by the value entering it.
@available(macOS 15, *)
struct SlidingWindow {
    let k: Int
    private var ring: [Int128]
    /// The slot the next value goes into, which holds the oldest value once the window is full.
    private var slot = 0
    /// Values pushed so far, also the 1-based position of the newest value.
    private(set) var count = 0
    /// Sum of the values in the window (fewer than `k` until the window fills).
    private(set) var sum: Int128 = 0

    init(k: Int) {
        precondition(k >= 1, "window size must be positive")
        self.k = k
        ring = Array(repeating: 0, count: k)
    }

    var isFull: Bool { count >= k }

    @inline(__always)
    mutating func push(_ value: Int128) {
        // Subtracting the leaving value keeps the update O(1); slots start at 0, so the same
        // expression works while the window is still filling.
        sum += value - ring[slot]
        ring[slot] = value
        slot += 1
        if slot == k { slot = 0 }
        count += 1
    }

    /// The window's values, oldest first.
    var values: [Int128] {
        guard isFull else { return Array(ring[0..<count]) }
        return Array(ring[slot...] + ring[..<slot])
    }

    /// Copies the window oldest first into `destination` (capacity ≥ k) without allocating.
    func copyValues(into destination: inout [Int128]) {
        destination.removeAll(keepingCapacity: true)
        if isFull {
            destination.append(contentsOf: ring[slot...])
            destination.append(contentsOf: ring[..<slot])
        } else {
            destination.append(contentsOf: ring[0..<count])
        }
    }
}
