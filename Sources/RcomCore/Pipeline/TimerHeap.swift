/// Min-heap of deadlines. Ties fire in insertion order (a sequence number breaks them), so
/// runs are deterministic. Cancellation is lazy: a cancelled entry is dropped when it surfaces.
public struct TimerHeap: Sendable {
    private struct Entry: Sendable {
        let deadline_ns: Instant_ns
        let sequence: UInt64
        let id: TimerID
        func before(_ o: Entry) -> Bool {
            deadline_ns != o.deadline_ns ? deadline_ns < o.deadline_ns : sequence < o.sequence
        }
    }

    private var heap: [Entry] = []
    private var live: [TimerID: UInt64] = [:]
    private var sequence: UInt64 = 0

    public init() {}

    public var count: Int { live.count }
    public var isEmpty: Bool { live.isEmpty }

    /// Arms (or re-arms) a timer; a re-armed timer fires only at its new deadline.
    public mutating func schedule(_ id: TimerID, at deadline_ns: Instant_ns) {
        sequence += 1
        live[id] = sequence
        push(Entry(deadline_ns: deadline_ns, sequence: sequence, id: id))
    }

    public mutating func cancel(_ id: TimerID) { live[id] = nil }

    public mutating func nextDeadline() -> Instant_ns? {
        dropStale()
        return heap.first?.deadline_ns
    }

    /// Removes and returns every timer due at or before `now_ns`, in deadline then insertion order.
    public mutating func popDue(now_ns: Instant_ns) -> [TimerID] {
        var due: [TimerID] = []
        while true {
            dropStale()
            guard let top = heap.first, top.deadline_ns <= now_ns else { break }
            popTop()
            live[top.id] = nil
            due.append(top.id)
        }
        return due
    }

    private mutating func dropStale() {
        while let top = heap.first, live[top.id] != top.sequence { popTop() }
    }

    private mutating func push(_ e: Entry) {
        heap.append(e)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].before(heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    private mutating func popTop() {
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count && heap[l].before(heap[m]) { m = l }
            if r < heap.count && heap[r].before(heap[m]) { m = r }
            guard m != i else { break }
            heap.swapAt(i, m)
            i = m
        }
    }
}
