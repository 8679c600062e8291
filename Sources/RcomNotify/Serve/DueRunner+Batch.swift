import Foundation
import RcomCore
import RcomReactor

/// The events the API accepted, delivered in batches: every claimed event whose first step is
/// due is handed to one `EventDelivery`, the path of `rcom notify --batch` (one run of the send
/// pipeline for all of them, fallback steps fed to the same run, each event finished as soon as
/// it is decided, recorded together at the end), instead of one run of the pipeline each.
/// Held events and escalation steps (few, and due by time) keep `NotifyDue.carryOut`.
extension DueRunner {
    /// Whether `e` goes in a batch: accepted by the API and not started (`nextStep` 0).
    static func batched(_ e: DueEvent) -> Bool { e.status == "routed" && e.nextStep == 0 }

    /// Plans each event as `NotifyDue.carryOut` does (the client's rules now, urgent: the
    /// acceptance already weighed quiet hours), ends at once the ones with nothing to send,
    /// delivers the rest together and reports every outcome to the reactor in one wakeup.
    func carryOutBatch(_ due: [DueEvent]) {
        let now = MonotonicClock.wall_ms()
        var clients: [String: ClientDefinition?] = [:]
        var ended: [EventFinish] = []
        var planned: [(DueEvent, ClientDefinition, RoutePlan)] = []
        for e in due {
            if clients[e.clientID] == nil {
                switch definitions.load(store, id: e.clientID) {
                case .failure(let why):
                    ended.append(EventFinish(id: e.id, status: "failed", reason: why.description, deliveries: [], next: nil))
                    continue
                case .success(let c): clients[e.clientID] = .some(c)
                }
            }
            guard let client = clients[e.clientID] ?? nil else {
                ended.append(EventFinish(id: e.id, status: "failed", reason: "client \(e.clientID) was removed", deliveries: [], next: nil))
                continue
            }
            guard let suppressed = try? NotifyCommand.suppressionAnswers(client, store) else {
                ended.append(EventFinish(id: e.id, status: "failed", reason: "the store could not say what is suppressed", deliveries: [], next: nil))
                continue
            }
            let plan = RoutingStage.plan(.init(client: client, event: e.eventType, urgent: true, now_ms: now, suppressed: suppressed))
            guard plan.status == .deliver else {
                ended.append(EventFinish(id: e.id, status: plan.status == .muted ? "muted" : "unrouted", reason: plan.reason, deliveries: [], next: nil))
                continue
            }
            if let why = setup.missingSettings(for: plan.steps.map(\.channel)) {
                ended.append(EventFinish(id: e.id, status: "failed", reason: why, deliveries: [], next: nil))
                continue
            }
            planned.append((e, client, plan))
        }
        if !ended.isEmpty {
            do { try store.finishEvents(ended) } catch { storeErrors += 1 }
        }
        let outcomes = OutcomeLines()
        if !planned.isEmpty {
            let channels = Array(Set(planned.flatMap { $0.2.steps.map(\.channel) })).sorted()
            guard let (simulator, service) = NotifyCommand.service(setup, store, channels: channels) else {
                storeErrors += 1
                return  // left claimed: due again after the lease
            }
            var pending = planned.makeIterator()
            let finishes = FinishList()
            let delivery = EventDelivery(events: {
                guard let (e, _, plan) = pending.next() else { return nil }
                return RoutedEvent(id: e.id, plan: plan, message: e.message, from: 0, escalationBase_ms: e.createdAt_ms)
            }, service: service, onFinish: { finishes.add($0) })
            let sink = setup.storeSink(store) { report in
                delivery.report(report)
                if case .finished(let o) = report { outcomes.add("\(o.notification.channel) \(SendOutput.word(o))\n") }
            }
            _ = setup.deliver(feed: delivery, sink: sink, signals: false)
            for f in delivery.abandon() { finishes.add(f) }
            do { try store.finishEvents(finishes.all) } catch { storeErrors += 1 }
            storeErrors += sink.storeErrors
            _ = simulator?.stop()
        }
        carried += due.count
        let at = MonotonicClock.wall_ms()
        let text = outcomes.text + planned.map { "latency_ms \(at - $0.0.createdAt_ms)\n" }.joined()
        if let door { _ = door.post(.wakeup(tag: Self.wakeTag, payload: Array(text.utf8))) }
    }
}

/// The lines `carryOutBatch` reports, written by the send pipeline's store thread.
private final class OutcomeLines: @unchecked Sendable {
    // @unchecked: `lines` only while holding `lock`.
    private let lock = NSLock()
    private var lines = ""
    func add(_ line: String) { lock.lock(); lines += line; lock.unlock() }
    var text: String { lock.lock(); defer { lock.unlock() }; return lines }
}

/// The events `carryOutBatch` finished, gathered on the store thread and recorded in one
/// transaction after the run (at most `--delivery-batch` of them).
private final class FinishList: @unchecked Sendable {
    // @unchecked: `finishes` only while holding `lock`.
    private let lock = NSLock()
    private var finishes: [EventFinish] = []
    func add(_ f: EventFinish) { lock.lock(); finishes.append(f); lock.unlock() }
    var all: [EventFinish] { lock.lock(); defer { lock.unlock() }; return finishes }
}
