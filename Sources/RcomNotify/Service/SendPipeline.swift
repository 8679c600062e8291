import RcomCore

/// Where `SendPipeline` gets notifications: pulled one at a time, only while the delivery stage
/// has room, so a 10,000-line batch is never all in memory. A feed accounts for the lines it
/// does not deliver (invalid, suppressed) itself.
public protocol NotificationFeed: AnyObject {
    func next() -> (Notification, any Channel)?
}

/// Receives the delivery stage's reports (the store, a progress bar). Called on the reactor
/// thread; `tick` lets it commit on time as well as on count.
public protocol DeliverySink: AnyObject {
    func report(_ report: DeliveryReport, now_ns: Instant_ns)
    func finish()
}

/// The driver of one `rcom send` run on the reactor: feed → delivery stage → sink, until the
/// feed is empty and the stage idle, then `.stop`. Started by `startEvent(wall_ms:)`, which
/// carries the wall clock in (the stage dates answers with it; see `DeliveryStage.setWallClock`).
/// Requests the stage carries outside the reactor (https) go to `carrier`.
public struct SendPipeline: EventPipeline {
    public private(set) var stage: DeliveryStage
    private let feed: NotificationFeed
    private let sink: DeliverySink
    private let carrier: RequestCarrier
    private var feedDone = false
    private var started = false
    public private(set) var delivered = 0
    public private(set) var failed = 0
    public private(set) var lastOutcome: DeliveryOutcome?
    public private(set) var interrupted = false

    public static let startTag = "start"

    public init(stage: DeliveryStage, feed: NotificationFeed, sink: DeliverySink, carrier: RequestCarrier) {
        self.stage = stage
        self.feed = feed
        self.sink = sink
        self.carrier = carrier
    }

    /// The event that starts a run; its payload is the wall clock (ms since the epoch, 8 bytes big-endian).
    public static func startEvent(wall_ms: Int64) -> ReactorEvent {
        .wakeup(tag: startTag, payload: (0..<8).map { UInt8(truncatingIfNeeded: UInt64(bitPattern: wall_ms) >> (56 - 8 * UInt64($0))) })
    }

    public mutating func handle(_ event: ReactorEvent, now_ns: Instant_ns) -> [ReactorEffect] {
        let effects = step(event, now_ns: now_ns)
        for request in stage.takeCarried() { carrier.carry(request) }
        return effects
    }

    private mutating func step(_ event: ReactorEvent, now_ns: Instant_ns) -> [ReactorEffect] {
        switch event {
        case .wakeup(let tag, let payload) where tag == Self.startTag && !started:
            started = true
            if payload.count == 8 {
                stage.setWallClock(Int64(bitPattern: payload.reduce(0) { $0 << 8 | UInt64($1) }), at: now_ns)
            }
            return fill(now_ns: now_ns) + stopIfDone()
        case .shutdown:
            interrupted = true
            sink.finish()
            return [.stop(exitCode: 130)]
        default:
            guard let (effects, reports) = stage.handle(event, now_ns: now_ns) else { return [] }
            for r in reports {
                if case .finished(let o) = r {
                    if o.delivered { delivered += 1 } else { failed += 1 }
                    lastOutcome = o
                }
                sink.report(r, now_ns: now_ns)
            }
            return effects + fill(now_ns: now_ns) + stopIfDone()
        }
    }

    private mutating func fill(now_ns: Instant_ns) -> [ReactorEffect] {
        var effects: [ReactorEffect] = []
        // Keep the ready queue about one round of connections deep: enough to refill slots at
        // once, little enough that the feed (and its store writes) stays just ahead of delivery.
        while !feedDone, stage.hasRoom, stage.heldCount < stage.policy.connectionsMax * 2 {
            guard let (n, channel) = feed.next() else {
                feedDone = true
                break
            }
            effects += stage.submit(n, channel: channel, now_ns: now_ns) ?? []
        }
        return effects
    }

    private func stopIfDone() -> [ReactorEffect] {
        guard started, feedDone, stage.isIdle else { return [] }
        sink.finish()
        return [.stop(exitCode: 0)]
    }
}
