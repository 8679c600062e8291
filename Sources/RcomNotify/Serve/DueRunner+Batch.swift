import Foundation
import RcomCore
import RcomReactor

/// The events the API accepted, delivered in batches: every claimed event whose first step is
/// due goes into one `NotifyBatchFeed` and through `NotifyBatch.deliver`, the path of
/// `rcom notify --batch` (one run of the send pipeline for all their first steps, one per
/// fallback round, the events finished in groups), instead of one run of the pipeline each.
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
            let feed = NotifyBatchFeed(records: nil, store: store, service: service, parser: ClientsSetup.parser(), now_ms: now, onRow: {})
            for (e, client, plan) in planned {
                feed.add(eventID: e.id, client: client, plan: plan, message: e.message, created_ms: e.createdAt_ms)
            }
            let d = NotifyBatch.deliver(feed, setup: setup, store: store, signals: false) { o in
                outcomes.add("\(o.notification.channel) \(SendOutput.word(o))\n")
            }
            _ = simulator?.stop()
            storeErrors += d.storeErrors + d.sinkErrors
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
