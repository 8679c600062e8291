import Foundation
import RcomCore
import RcomReactor

/// `rcom send`'s database work on a thread of its own, so the reactor thread never waits on
/// SQLite: the worker pulls notifications from the feed (which validates each line, checks the
/// suppression list and records the notification) and writes the delivery stage's reports
/// through the sink (attempts and outcomes, committed on time and on count). It is the
/// pipeline's source and sink at once; prepared notifications come back through a bounded queue
/// and a wakeup (`wakeTag`).
///
/// Bounds: `readyMax` prepared notifications wait for the stage (the worker stops preparing
/// at the bound); `reportsMax` reports wait for the store (at the bound `hasRoom` turns false and
/// the pipeline starts no more notifications until the worker has caught up, so the backlog
/// only grows by what is already in flight).
///
/// A feed may answer `.later` (`NotificationSource.pull`): nothing now, more once the reports
/// of notifications it handed out come in (`rcom notify --batch`'s fallback steps). The worker
/// then prepares nothing until the next report; a feed must only say it while notifications it
/// handed out are still unreported, or the run never ends.
public final class StoreWorker: NotificationSource, DeliverySink, @unchecked Sendable {
    // @unchecked: `ready`, `feedDone`, `feedWaiting`, `reports`, `finishing` and `wakeWhenRoom` are only touched
    // while holding `condition`; `feed` and `sink` only by the worker thread once it runs.
    public static let wakeTag = "store-worker"

    public let readyMax: Int
    public let reportsMax: Int
    private let feed: NotificationFeed
    private let sink: DeliverySink
    private let condition = NSCondition()
    private var ready = FIFO<(Notification, any Channel)>()
    private var feedDone = false
    /// The feed said `.later`: ask again after the next report.
    private var feedWaiting = false
    private var reports = FIFO<(DeliveryReport, Instant_ns)>()
    private var finishing = false
    /// `hasRoom` said no: wake the reactor once the backlog is down to half.
    private var wakeWhenRoom = false
    private var door: WakeupHandle?
    private let thread = WorkerThread()

    public init(feed: NotificationFeed, sink: DeliverySink, readyMax: Int = 256, reportsMax: Int = 4_096) {
        precondition(readyMax > 0 && reportsMax > 0)
        self.feed = feed
        self.sink = sink
        self.readyMax = readyMax
        self.reportsMax = reportsMax
    }

    /// Starts the worker thread; `door` is the reactor's wakeup.
    public func start(door: WakeupHandle) {
        self.door = door
        thread.start(name: "rcom-send-store") { [self] in work() }
    }

    // MARK: the reactor's side

    public func pull() -> FeedPull {
        condition.lock()
        defer { condition.unlock() }
        if let item = ready.popFirst() {
            if ready.count == readyMax / 2 { condition.broadcast() }
            return .item(item.0, item.1)
        }
        return feedDone ? .done : .later
    }

    public var hasRoom: Bool {
        condition.lock()
        defer { condition.unlock() }
        if reports.count < reportsMax { return true }
        wakeWhenRoom = true
        return false
    }

    public func report(_ report: DeliveryReport, now_ns: Instant_ns) {
        condition.lock()
        reports.append((report, now_ns))
        condition.broadcast()
        condition.unlock()
    }

    /// Stops preparing, writes every report queued so far, finishes the sink, and returns once
    /// the worker has ended. Called once, by the pipeline, when the run ends.
    public func finish() {
        thread.finish(condition) { finishing = true }
    }

    // MARK: the worker thread

    private func work() {
        while true {
            condition.lock()
            while reports.isEmpty && !finishing && (feedDone || feedWaiting || ready.count >= readyMax) { condition.wait() }
            let batch = reports.drain()
            if !batch.isEmpty { feedWaiting = false }
            let stop = finishing
            let prepare = stop || feedDone || feedWaiting ? 0 : readyMax - ready.count
            condition.unlock()

            for (report, now_ns) in batch { sink.report(report, now_ns: now_ns) }
            if !batch.isEmpty { wakeIfRoomAgain() }
            if stop {
                // Reports that arrived while the last batch was written, then the final commit.
                condition.lock()
                let rest = reports.drain()
                condition.unlock()
                for (report, now_ns) in rest { sink.report(report, now_ns: now_ns) }
                sink.finish()
                return
            }
            for _ in 0..<prepare {
                let next = feed.pull()
                condition.lock()
                let wasEmpty = ready.isEmpty
                switch next {
                case .item(let n, let channel): ready.append((n, channel))
                case .later: feedWaiting = true
                case .done: feedDone = true
                }
                let interrupted = finishing || !reports.isEmpty
                condition.unlock()
                guard case .item = next else {
                    if case .done = next { wake() }
                    break
                }
                if wasEmpty { wake() }
                if interrupted { break }
            }
        }
    }

    private func wakeIfRoomAgain() {
        condition.lock()
        let wake = wakeWhenRoom && reports.count <= reportsMax / 2
        if wake { wakeWhenRoom = false }
        condition.unlock()
        if wake { self.wake() }
    }

    /// A full inbox means a reactor far behind; it pulls again on its next event anyway.
    private func wake() {
        door?.post(.wakeup(tag: Self.wakeTag, payload: []))
    }
}
