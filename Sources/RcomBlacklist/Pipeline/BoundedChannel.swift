import Foundation

/// A FIFO between threads holding at most `capacity` elements (the fan-out of the concurrent
/// import). At the bound `send` blocks, which is what stops the reader from running ahead of the
/// workers. The producer calls `close` when done (receivers drain what is left, then get nil);
/// the consumer side calls `cancel` to drop everything and release every blocked thread.
final class BoundedChannel<Element: Sendable>: @unchecked Sendable {
    // @unchecked: every stored property below is read and written only while holding `condition`.
    private let condition = NSCondition()
    private var buffer: [Element?]
    private var head = 0
    private var count = 0
    private var closed = false
    private var cancelled = false

    init(capacity: Int) {
        precondition(capacity > 0)
        buffer = Array(repeating: nil, count: capacity)
    }

    /// Blocks while full. False when the channel was cancelled (the element is dropped).
    func send(_ element: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        precondition(!closed, "send after close")
        while count == buffer.count && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        buffer[(head + count) % buffer.count] = element
        count += 1
        condition.broadcast()
        return true
    }

    /// Blocks while empty and open. Nil once closed and drained, or cancelled.
    func receive() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while count == 0 && !closed && !cancelled { condition.wait() }
        guard !cancelled, count > 0 else { return nil }
        let element = buffer[head]
        buffer[head] = nil
        head = (head + 1) % buffer.count
        count -= 1
        condition.broadcast()
        return element
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    func cancel() {
        condition.lock()
        cancelled = true
        buffer = buffer.map { _ in nil }
        count = 0
        condition.broadcast()
        condition.unlock()
    }
}
