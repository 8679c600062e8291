/// A first-in first-out queue over an array with a moving head: `popFirst` is O(1) amortised
/// and never copies the remaining elements (an `Array.removeFirst` per request made queues of
/// thousands of pipelined requests quadratic). Mutate it in place (`dict[k]?.popFirst()`),
/// not through a local copy, or copy-on-write copies the whole buffer.
public struct FIFO<Element>: Sequence {
    private var items: [Element] = []
    private var head = 0

    public init() {}

    public var count: Int { items.count - head }
    public var isEmpty: Bool { head == items.count }
    public var first: Element? { head < items.count ? items[head] : nil }

    public mutating func append(_ element: Element) { items.append(element) }

    public mutating func popFirst() -> Element? {
        guard head < items.count else { return nil }
        let element = items[head]
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024 && head * 2 >= items.count {
            // Reclaim the consumed prefix once it is at least half the buffer: O(1) amortised.
            items.removeFirst(head)
            head = 0
        }
        return element
    }

    /// Puts `elements` back in front, in their order (work taken out and returned undone).
    /// O(count): for rare paths.
    public mutating func prepend(contentsOf elements: [Element]) {
        guard !elements.isEmpty else { return }
        items = elements + items[head...]
        head = 0
    }

    /// Empties the queue, returning what was in it, oldest first.
    public mutating func drain() -> [Element] {
        defer { removeAll() }
        return Array(items[head...])
    }

    public mutating func removeAll() {
        items.removeAll(keepingCapacity: true)
        head = 0
    }

    public func makeIterator() -> IndexingIterator<ArraySlice<Element>> { items[head...].makeIterator() }
}

extension FIFO: Sendable where Element: Sendable {}
