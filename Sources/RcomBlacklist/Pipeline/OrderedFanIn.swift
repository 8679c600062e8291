import Foundation

/// The fan-in of the concurrent import: workers finish batches in any order, the writer takes
/// them strictly by sequence number, because checkpoints must advance through the file in order.
///
/// Bound: a worker whose batch is `window` or more ahead of the one the writer waits for blocks
/// in `put` until the writer catches up. The batch the writer waits for is always inside the
/// window, so this cannot deadlock, and at most `window` prepared batches wait in memory.
final class OrderedFanIn<Element: Sendable>: @unchecked Sendable {
    // @unchecked: every stored property below is read and written only while holding `condition`.
    private let condition = NSCondition()
    private let window: Int
    private var waiting: [Int: Element] = [:]
    private var nextSeq = 0
    private var producersLeft: Int
    private var failure: ImportError?
    private var cancelled = false

    init(window: Int, producers: Int) {
        precondition(window > 0 && producers > 0)
        self.window = window
        producersLeft = producers
    }

    /// Blocks while `seq` is outside the window. False when cancelled (the element is dropped).
    func put(seq: Int, _ element: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while seq >= nextSeq + window && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        waiting[seq] = element
        condition.broadcast()
        return true
    }

    /// Each producer calls this once, when it will put nothing more.
    func producerFinished() {
        condition.lock()
        producersLeft -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// An upstream stage failed; the writer receives the error on its next `take`.
    func fail(_ error: ImportError) {
        condition.lock()
        if failure == nil { failure = error }
        condition.broadcast()
        condition.unlock()
    }

    /// The next element in sequence; nil when every producer has finished and it never came.
    func take() -> Result<Element, ImportError>? {
        condition.lock()
        defer { condition.unlock() }
        while waiting[nextSeq] == nil && failure == nil && producersLeft > 0 && !cancelled { condition.wait() }
        if let failure { return .failure(failure) }
        guard !cancelled, let element = waiting.removeValue(forKey: nextSeq) else { return nil }
        nextSeq += 1
        condition.broadcast()
        return .success(element)
    }

    func cancel() {
        condition.lock()
        cancelled = true
        waiting.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
