import Foundation
import RcomStore

/// Where the writer takes a sorted window's parts from, in order: gathered on demand on the
/// writer's own thread, or (`background`) by a thread of its own that stays at most two parts
/// ahead (a bounded channel; it blocks when the writer falls behind) and flags each part's
/// subscribed addresses with `lookup`, if given. A failed look-up leaves the part unflagged:
/// the writer then looks up itself.
final class PartSource: @unchecked Sendable {
    // @unchecked: `gatherer` belongs to the gathering thread until `finished` is waited for; the
    // writer only touches it before starting that thread and after waiting.
    private var gatherer: WindowGatherer
    private var ranges: ArraySlice<Range<Int>>
    private let channel: BoundedChannel<WindowPart>?
    private let finished = DispatchGroup()

    private let lookup: (any SubscriptionLookup)?

    init(_ gatherer: WindowGatherer, ranges: [Range<Int>], background: Bool, lookup: (any SubscriptionLookup)?) {
        self.lookup = background ? lookup : nil
        self.gatherer = gatherer
        self.ranges = ranges[...]
        guard background else { channel = nil; return }
        let channel = BoundedChannel<WindowPart>(capacity: 2)
        self.channel = channel
        finished.enter()
        let thread = Thread { [self] in
            while let range = self.ranges.popFirst() {
                var part = self.gatherer.gather(range)
                if let lookup = self.lookup {
                    do { try lookup.markSubscribed(&part.batch) } catch { part.batch.subscribed = nil }
                }
                guard channel.send(part) else { break }
            }
            channel.close()
            finished.leave()
        }
        thread.name = "rcom-blacklist-gather"
        thread.start()
    }

    func next() -> WindowPart? {
        if let channel { return channel.receive() }
        return ranges.popFirst().map { gatherer.gather($0) }
    }

    /// Stops the gathering thread if it still runs, and returns the gatherer's `seen`.
    func finish() -> AddressSet {
        if let channel {
            channel.cancel()
            finished.wait()
        }
        return gatherer.seen
    }
}

/// Moves the reader to the reader thread. @unchecked: after the hand-off only that thread uses it.
final class ReaderHandOff: @unchecked Sendable {
    let reader: any BounceBatchSource
    init(_ reader: any BounceBatchSource) { self.reader = reader }
}
