/// Runs a pipeline with no sockets and a virtual clock (SwiftNIO's EmbeddedChannel idea):
/// feed events, advance time (due timers fire in deadline, then arming, order), read effects.
public struct EmbeddedHarness<P: EventPipeline> {
    public var pipeline: P
    public private(set) var now_ns: Instant_ns
    private var timers = TimerHeap()
    private var effects: [ReactorEffect] = []

    public init(_ pipeline: P, start_ns: Instant_ns = 1_000_000_000) {
        self.pipeline = pipeline
        self.now_ns = start_ns
    }

    @discardableResult
    public mutating func feed(_ event: ReactorEvent) -> [ReactorEffect] {
        let out = pipeline.handle(event, now_ns: now_ns)
        for e in out {
            switch e {
            case .setTimer(let id, let deadline): timers.schedule(id, at: deadline)
            case .cancelTimer(let id): timers.cancel(id)
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
}
