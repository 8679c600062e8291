/// Runs a pipeline with no sockets and a virtual clock (SwiftNIO's EmbeddedChannel idea):
/// feed events, advance time (due timers fire in deadline, then arming, order), read effects.
public struct EmbeddedHarness<P: EventPipeline> {
    public var pipeline: P
    public private(set) var now_ns: Instant_ns
    private var timers = TimerHeap()
    private var effects: [ReactorEffect] = []
    /// Connections the pipeline has seen open and not yet closed (by effect or event).
    private var open: Set<ConnectionID> = []
    /// The pipeline asked the loop to stop, with this code.
    public private(set) var stopCode: Int32?

    public init(_ pipeline: P, start_ns: Instant_ns = 1_000_000_000) {
        self.pipeline = pipeline
        self.now_ns = start_ns
    }

    @discardableResult
    public mutating func feed(_ event: ReactorEvent) -> [ReactorEffect] {
        switch event {
        case .accepted(let id, _), .connected(let id): open.insert(id)
        case .closed(let id, _), .connectFailed(let id, _): open.remove(id)
        default: break
        }
        let out = pipeline.handle(event, now_ns: now_ns)
        for e in out {
            switch e {
            case .setTimer(let id, let deadline): timers.schedule(id, at: deadline)
            case .cancelTimer(let id): timers.cancel(id)
            case .close(let id), .reset(let id): open.remove(id)
            case .stop(let code): stopCode = stopCode ?? code
            default: break
            }
        }
        effects.append(contentsOf: out)
        return out
    }

    /// Moves the clock forward, firing each due timer at its own deadline.
    public mutating func advance(by delta_ns: UInt64) {
        let target = now_ns + delta_ns
        while let next = timers.nextDeadline(), next <= target {
            now_ns = max(now_ns, next)
            for id in timers.popDue(now_ns: now_ns) { feed(.timer(id)) }
        }
        now_ns = target
    }

    public mutating func drainEffects() -> [ReactorEffect] {
        defer { effects.removeAll() }
        return effects
    }

    /// Timers still armed: a finished scenario should have none (no leaked state).
    public var armedTimers: Int { timers.count }

    /// What a scenario left behind, as NIO's `EmbeddedChannel.finish()` reports it.
    public struct Leftovers: Equatable, Sendable {
        public var armedTimers: Int
        /// Open connections, in ID order.
        public var openConnections: [ConnectionID]
        /// Effects produced and never taken with `drainEffects()`.
        public var undeliveredEffects: Int
        public var isClean: Bool { armedTimers == 0 && openConnections.isEmpty && undeliveredEffects == 0 }
    }

    /// Ends the scenario: what is still armed, open or untaken.
    public mutating func finish() -> Leftovers {
        Leftovers(armedTimers: timers.count, openConnections: open.sorted(), undeliveredEffects: effects.count)
    }
}
