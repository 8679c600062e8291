import Foundation
import RcomCLI
import RcomCore
import RcomReactor
import RcomStore

/// `rcom serve`'s deliveries, on a thread of their own: the events the API accepted (routed,
/// due at once), the held ones whose quiet hours are over and the escalations whose next step
/// is due, claimed under a lease exactly as `rcom notify --run-due` claims them
/// (`ClientStore.claimDueEvents`) and carried out by the same code (`NotifyDue.carryOut`, which
/// sends through `rcom send`'s delivery path). Claims are made when the API commits a routed
/// event (`poke`) and every `poll_ms` otherwise (held and escalating events fall due by time).
///
/// At-least-once: a process that dies between a provider's acceptance and the commit of the
/// event's outcome leaves the event claimed; once the lease is over it is claimed again and
/// its current step is sent again (design/notify.md "rcom serve").
///
/// Bounds: `claimMax` events per claim. The API's events of a claim are delivered as one batch
/// (`carryOutBatch`, through `rcom notify --batch`'s path); held and escalating ones one at a time.
final class DueRunner: @unchecked Sendable {
    // @unchecked: `poked`, `stopping` and `claimed` only while holding `condition`.
    static let wakeTag = "serve-deliveries"

    let setup: SendSetup
    let store: ClientsSetup.Store
    let lease_ms: Int64
    let poll_ms: Int64
    let claimMax: Int
    private let condition = NSCondition()
    private var poked = false
    private var stopping = false
    private let ended = DispatchGroup()
    private(set) var door: WakeupHandle?
    /// Events carried out and store errors met (read at the end, for the log).
    var carried = 0, storeErrors = 0
    /// The clients of the events carried out (on the runner's thread only).
    let definitions = ClientDefinitionCache()

    /// Debug lines per event carried out, with the event span's `trace_id`/`span_id` when traced.
    let logger: Logger?

    init(setup: SendSetup, store: ClientsSetup.Store, lease_ms: Int64, poll_ms: Int64, claimMax: Int = 100, logger: Logger? = nil) {
        self.setup = setup
        self.logger = logger
        self.store = store
        self.lease_ms = lease_ms
        self.poll_ms = poll_ms
        self.claimMax = claimMax
    }

    func start(door: WakeupHandle?) {
        self.door = door
        ended.enter()
        let thread = Thread { [self] in
            loop()
            ended.leave()
        }
        thread.name = "rcom-serve-due"
        thread.start()
    }

    /// Routed events were committed: claim now rather than at the next poll.
    func poke() {
        condition.lock()
        poked = true
        condition.signal()
        condition.unlock()
    }

    /// Stops claiming; the event being carried out is finished if that takes less than
    /// `timeout_ms`, the claimed ones not started are released (due again at once, for another
    /// process or the next start). True when the thread ended within the timeout.
    func stop(timeout_ms: Int64) -> Bool {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
        return ended.wait(timeout: .now() + .milliseconds(Int(max(0, timeout_ms)))) == .success
    }

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    private func loop() {
        while !isStopping {
            let now = MonotonicClock.wall_ms()
            let due: [DueEvent]
            do { due = try store.claimDueEvents(now_ms: now, limit: claimMax, lease_ms: lease_ms) } catch {
                storeErrors += 1
                due = []
            }
            // The API's events in one batch (DueRunner+Batch.swift); the rest one by one.
            // With tracing on, every event goes one at a time, each its own trace (NotifyDue):
            // the batch path does not make per-event traces yet.
            let batching = setup.tracing == nil
            let batch = batching ? due.filter(Self.batched) : [], single = batching ? due.filter { !Self.batched($0) } : due
            if isStopping {
                release(due[...])
                return
            }
            if !batch.isEmpty { carryOutBatch(batch) }
            for (i, e) in single.enumerated() {
                if isStopping {
                    release(single[i...])
                    return
                }
                let at = MonotonicClock.wall_ms()
                let (code, trace) = NotifyDue.carryOut(e, setup: setup, store: store, now: at, json: false, verbose: false, quiet: true)
                carried += 1
                if let logger, logger.isEnabled(.debug) {
                    logger.debug("event carried out", [("event_id", .string(e.id)), ("client", .string(e.clientID)),
                                                        ("event_type", .string(e.eventType)), ("exit_code", .int(Int(code)))] + LogTrace.fields(trace))
                }
                report(e, latency_ms: e.status == "routed" ? MonotonicClock.wall_ms() - e.createdAt_ms : nil)
            }
            if due.count == claimMax { continue }
            condition.lock()
            if !poked && !stopping { _ = condition.wait(until: Date(timeIntervalSinceNow: Double(poll_ms) / 1000)) }
            poked = false
            condition.unlock()
        }
    }

    /// Claimed and not started: due again now, not after the lease.
    private func release(_ events: ArraySlice<DueEvent>) {
        guard let db = try? (store as? ClientSQLProvider)?.sql() else { return }
        let now = MonotonicClock.wall_ms()
        for e in events { _ = try? db.run("UPDATE events SET due_at_ms = $1 WHERE id = $2 AND status = $3", [.int(now), .text(e.id), .text(e.status)]) }
    }

    /// The event's notifications (channel and outcome) and, for one the API accepted, the time
    /// from acceptance to its outcome, to the reactor for /metrics: lines `channel outcome`,
    /// then `latency_ms N`.
    private func report(_ e: DueEvent, latency_ms: Int64?) {
        guard let door, let db = try? (store as? ClientSQLProvider)?.sql() else { return }
        let rows = (try? db.rows("""
            SELECT n.channel, n.outcome FROM event_deliveries d JOIN notifications n ON n.id = d.notification_id
            WHERE d.event_id = $1 AND d.step >= $2
            """, [.text(e.id), .int(Int64(e.nextStep))])) ?? []
        var text = rows.map { "\($0[0] ?? "?") \($0[1] ?? "?")\n" }.joined()
        if let latency_ms { text += "latency_ms \(latency_ms)\n" }
        _ = door.post(.wakeup(tag: Self.wakeTag, payload: Array(text.utf8)))
    }
}
