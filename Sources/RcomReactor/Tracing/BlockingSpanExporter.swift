import Foundation
import RcomCore

/// The export shell of commands without a long-lived reactor (`rcom send`, `rcom notify`,
/// `rcom blacklist`): `SpanExportStage` driven by one thread of its own that carries out the
/// stage's effects with `BoundedHTTPPost`. (Reactor-based servers use `SpanExporting` instead;
/// these commands make spans outside any reactor too — the route, store commits on the store
/// worker's thread, a run span that ends after the last delivery reactor stopped, and
/// blacklist has no reactor at all — so one exporter for the whole process lives here.) Spans are added from any thread and never wait on
/// the network: the stage's bounded queue takes them (or drops and counts them at its bound),
/// and the thread sends a batch at 512 spans or 1 s, retrying 429/502/503/504 with backoff.
///
/// `flush(within:)` at exit: the queue is drained (sent without waiting for the batch delay)
/// until it is empty or the bound passes; then whatever is left is abandoned (counted as
/// `droppedShutdown`). The bound is the most a command waits for a collector that is down.
public final class BlockingSpanExporter: SpanSink, @unchecked Sendable {
    // @unchecked: `stage`, `timer`, `stopping` and `sending` are touched only under `condition`.
    public let configuration: OTLPConfiguration
    private var stage: SpanExportStage
    private let condition = NSCondition()
    private var timer: Instant_ns?
    private var pending: [SpanExportStage.Effect] = []
    private var sending = false
    private var stopping = false
    private var thread: Thread?
    private let done = DispatchSemaphore(value: 0)

    public init(configuration: OTLPConfiguration, entropy: EntropySource) {
        self.configuration = configuration
        stage = SpanExportStage(resource: configuration.resource, limits: configuration.limits, entropy: entropy)
        let t = Thread { [self] in loop() }
        t.name = "rcom-trace-export"
        thread = t
        t.start()
    }

    public var counters: SpanExportCounters { condition.withLock { stage.counters } }

    public func add(_ span: SpanData) {
        condition.withLock {
            let effects = stage.add(span, now_ns: MonotonicClock.now_ns())
            // Most spans only join the queue: waking the thread for them would cost a context
            // switch per span (measured: ~+20 % CPU for rcom send at 1.0 before this).
            guard !effects.isEmpty else { return }
            pending += effects
            condition.broadcast()
        }
    }

    /// Sends what is queued and waits until it is out or `bound_ns` has passed; then abandons
    /// the rest and stops the thread. Returns the counters as they ended. Call once.
    @discardableResult
    public func flush(within bound_ns: UInt64) -> SpanExportCounters {
        let deadline = MonotonicClock.now_ns() + bound_ns
        condition.lock()
        pending += stage.drain(now_ns: MonotonicClock.now_ns())
        condition.broadcast()
        while !(stage.isIdle && pending.isEmpty && !sending), MonotonicClock.now_ns() < deadline {
            _ = condition.wait(until: Date(timeIntervalSinceNow: Double(deadline - min(deadline, MonotonicClock.now_ns())) / 1e9))
        }
        _ = stage.abandon(now_ns: MonotonicClock.now_ns())
        pending.removeAll()
        stopping = true
        condition.broadcast()
        condition.unlock()
        // A POST in flight ends by its own deadline (at most the export timeout past `bound_ns`
        // only if it started just before; the thread is then left to finish on its own).
        _ = done.wait(timeout: .now() + .nanoseconds(Int(min(bound_ns, 1_000_000_000))))
        return counters
    }

    private func loop() {
        condition.lock()
        while !stopping {
            if pending.isEmpty {
                if let t = timer, MonotonicClock.now_ns() >= t {
                    timer = nil
                    pending += stage.timerFired(now_ns: MonotonicClock.now_ns())
                    continue
                }
                if let t = timer {
                    _ = condition.wait(until: Date(timeIntervalSinceNow: Double(t - min(t, MonotonicClock.now_ns())) / 1e9))
                } else {
                    condition.wait()
                }
                continue
            }
            let effect = pending.removeFirst()
            switch effect {
            case .armTimer(let at): timer = at
            case .cancelTimer: timer = nil
            case .abandon: break // the POST below has its own deadline; nothing else is in flight
            case .send(let id, let body):
                sending = true
                let request = OTLPExportRequest.make(body, configuration: configuration)
                let deadline = MonotonicClock.now_ns() + stage.limits.exportTimeout_ns
                condition.unlock()
                let result = BoundedHTTPPost.send(request, to: configuration.endpoint, deadline_ns: deadline)
                condition.lock()
                sending = false
                let outcome: SpanExportStage.Outcome
                switch result {
                case .answered(let r):
                    outcome = .answered(status: r.status, retryAfter_ns: r.headers.retryAfter_ms.map { UInt64($0) * 1_000_000 })
                case .failed: outcome = .failed
                }
                if !stopping { pending += stage.finished(id, outcome, now_ns: MonotonicClock.now_ns()) }
                condition.broadcast()
            }
        }
        condition.unlock()
        done.signal()
    }
}
