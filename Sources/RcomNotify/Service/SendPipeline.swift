import RcomCore

/// What a source hands the pipeline when asked for the next notification.
public enum FeedPull {
    case item(Notification, any Channel)
    /// None ready yet: the source wakes the reactor (`StoreWorker.wakeTag`) when there is.
    case later
    case done
}

/// Where `SendPipeline` gets notifications, pulled one at a time while the delivery stage has
/// room. Called on the reactor thread: a source must not block (`StoreWorker` is the one that
/// touches the database, on its own thread).
public protocol NotificationSource: AnyObject {
    func pull() -> FeedPull
}

/// Notifications one at a time, so a 10,000-line batch is never all in memory. A feed accounts
/// for the lines it does not deliver (invalid, suppressed) itself. As a source it is pulled
/// directly: fine for feeds that do not block (tests, lists); `StoreWorker` runs the others.
public protocol NotificationFeed: NotificationSource {
    func next() -> (Notification, any Channel)?
}

extension NotificationFeed {
    public func pull() -> FeedPull {
        guard let (n, channel) = next() else { return .done }
        return .item(n, channel)
    }
}

/// Receives the delivery stage's reports (the store, a progress bar), on the reactor thread.
/// `hasRoom` false holds back new notifications until the sink has caught up.
public protocol DeliverySink: AnyObject {
    func report(_ report: DeliveryReport, now_ns: Instant_ns)
    func finish()
    var hasRoom: Bool { get }
}

extension DeliverySink {
    public var hasRoom: Bool { true }
}

/// The driver of one `rcom send` run on the reactor: source → delivery stage → sink, until the
/// source is done and the stage idle, then `.stop`. Started by `startEvent(wall_ms:)`, which
/// carries the wall clock in (the stage dates answers with it; see `DeliveryStage.setWallClock`).
/// Requests the stage carries outside the reactor (https) go to `carrier`.
public struct SendPipeline: EventPipeline {
    public private(set) var stage: DeliveryStage
    private let source: NotificationSource
    private let sink: DeliverySink
    private let carrier: RequestCarrier
    /// Spans of this run (nil: tracing is off, and the pipeline does no tracing work at all).
    private var tracing: DeliveryTracing?
    private let spanSink: SpanSink?
    private var feedDone = false
    private var started = false
    public private(set) var delivered = 0
    public private(set) var failed = 0
    /// Left pending for `rcom send --retry-pending` (not counted as failed).
    public private(set) var pending = 0
    public private(set) var lastOutcome: DeliveryOutcome?
    public private(set) var interrupted = false

    public static let startTag = "start"

    public init(stage: DeliveryStage, source: NotificationSource, sink: DeliverySink, carrier: RequestCarrier,
                tracing: DeliveryTracing? = nil, spanSink: SpanSink? = nil) {
        self.stage = stage
        self.source = source
        self.sink = sink
        self.carrier = carrier
        self.tracing = tracing
        self.spanSink = spanSink
    }

    /// The event that starts a run; its payload is the wall clock (ms since the epoch, 8 bytes
    /// big-endian), and with tracing the same instant in Unix ns (8 more bytes) for span times.
    public static func startEvent(wall_ms: Int64, unix_ns: UInt64? = nil) -> ReactorEvent {
        .wakeup(tag: startTag, payload: bigEndian(UInt64(bitPattern: wall_ms)) + (unix_ns.map(bigEndian) ?? []))
    }

    private static func bigEndian(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (56 - 8 * UInt64($0))) } }
    private static func readBigEndian(_ bytes: ArraySlice<UInt8>) -> UInt64 { bytes.reduce(0) { $0 << 8 | UInt64($1) } }

    public mutating func handle(_ event: ReactorEvent, now_ns: Instant_ns) -> [ReactorEffect] {
        let effects = step(event, now_ns: now_ns)
        for request in stage.takeCarried() { carrier.carry(request) }
        if tracing != nil, let spanSink {
            for span in tracing!.take() { spanSink.add(span) }
        }
        return effects
    }

    private mutating func step(_ event: ReactorEvent, now_ns: Instant_ns) -> [ReactorEffect] {
        switch event {
        case .wakeup(let tag, let payload) where tag == Self.startTag && !started:
            started = true
            if payload.count == 8 || payload.count == 16 {
                let wall_ms = Int64(bitPattern: Self.readBigEndian(payload[0..<8]))
                stage.setWallClock(wall_ms, at: now_ns)
                let unix_ns = payload.count == 16 ? Self.readBigEndian(payload[8..<16]) : UInt64(max(wall_ms, 0)) * 1_000_000
                tracing?.anchor(unix_ns: unix_ns, at_ns: now_ns)
            }
            return fill(now_ns: now_ns) + stopIfDone()
        case .wakeup(let tag, _) where tag == StoreWorker.wakeTag:
            return started ? fill(now_ns: now_ns) + stopIfDone() : []
        case .shutdown:
            interrupted = true
            sink.finish()
            return [.stop(exitCode: 130)]
        default:
            guard let (effects, reports) = stage.handle(event, now_ns: now_ns) else { return [] }
            for r in reports {
                if case .finished(let o) = r {
                    if o.delivered { delivered += 1 } else if o.nextAttempt_ms != nil { pending += 1 } else { failed += 1 }
                    lastOutcome = o
                }
                tracing?.report(r, now_ns: now_ns)
                sink.report(r, now_ns: now_ns)
            }
            return effects + fill(now_ns: now_ns) + stopIfDone()
        }
    }

    private mutating func fill(now_ns: Instant_ns) -> [ReactorEffect] {
        var effects: [ReactorEffect] = []
        // Keep the ready queue about one round of connections deep: enough to refill slots at
        // once, little enough that the feed (and its store writes) stays just ahead of delivery.
        pulling: while !feedDone, stage.hasRoom, sink.hasRoom, stage.heldCount < stage.policy.connectionsMax * 2 {
            switch source.pull() {
            case .item(let n, let channel):
                tracing?.submitted(n, now_ns: now_ns)
                effects += stage.submit(n, channel: channel, now_ns: now_ns) ?? []
            case .later: break pulling
            case .done: feedDone = true
            }
        }
        return effects
    }

    private func stopIfDone() -> [ReactorEffect] {
        guard started, feedDone, stage.isIdle else { return [] }
        sink.finish()
        return [.stop(exitCode: 0)]
    }
}
