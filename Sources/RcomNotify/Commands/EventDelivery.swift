import RcomCore
import RcomReactor

/// An event to carry out now: recorded in the store, routed to a plan with status `deliver`.
struct RoutedEvent {
    let id: String
    let plan: RoutePlan
    let message: String
    /// The first step to send (0; `--run-due`: the step that is due). Mode all sends every step
    /// from it at once.
    let from: Int
    /// What an escalation's later steps are timed from (the event's creation; a held event:
    /// when its first step goes out).
    let escalationBase_ms: Int64
}

/// Carries out routed events through `rcom send`'s delivery path, many at once in one run of
/// the send pipeline, and tells how each ended. The batch path of `rcom notify --batch` (and of
/// `rcom serve`'s due runner, which hands it claimed events):
///
///     let delivery = EventDelivery(events: { nextRoutedEvent() }, service: service) { finish in … }
///     let ran = setup.deliver(feed: delivery, sink: StoreSink(store: store) { delivery.report($0) }, signals: true)
///     for finish in delivery.abandon() { … }   // events cut off by an interrupted run
///
/// Input: `events`, pulled one at a time (nil: no more). Output: one `EventFinish` per event
/// through `onFinish`, as soon as the event is decided (what `ClientStore.finishEvents`
/// records). Fallback happens within the run: when every notification of an event's step has
/// finished without one delivered, its next step is prepared and fed to the same pipeline.
///
/// Runs on `StoreWorker`'s thread (it is the worker's feed; `report` is called from the sink,
/// on the same thread): give it to `SendSetup.deliver`, never pull it from the reactor thread
/// (it answers `.later` while waiting for outcomes, which only the worker waits out).
///
/// Bound: state is kept only for events with notifications not yet finished, at most
/// `inFlightMax`; at the bound no new event is started until one is decided. Memory therefore
/// does not grow with the number of events.
final class EventDelivery: NotificationFeed {
    static let inFlightMax = 4_096

    private struct InFlight {
        let event: RoutedEvent
        /// The step being delivered (mode all: the last).
        var step: Int
        /// Notifications of the current step not finished yet.
        var outstanding = 0
        var deliveries: [(step: Int, notificationID: String)] = []
        var delivered = false
        /// Every notification so far was suppressed (and there was one).
        var suppressedOnly = true
        var lastAnswer: String?
    }

    private let nextEvent: () -> RoutedEvent?
    private let service: NotificationService
    private let onFinish: (EventFinish) -> Void
    private var inFlight: [String: InFlight] = [:]
    private var eventOf: [String: String] = [:]
    private var queue = FIFO<(Notification, any Channel)>()
    private var sourceDone = false
    /// Preparation problems (rejected targets, store failures), the first few, for the summary.
    private(set) var problems: [String] = []
    static let problemsMax = 10

    init(events: @escaping () -> RoutedEvent?, service: NotificationService, onFinish: @escaping (EventFinish) -> Void) {
        self.nextEvent = events
        self.service = service
        self.onFinish = onFinish
    }

    /// The most events in flight at once in this run (at most `inFlightMax`).
    private(set) var inFlightPeak = 0

    func pull() -> FeedPull {
        while queue.isEmpty {
            if sourceDone || inFlight.count >= Self.inFlightMax { return inFlight.isEmpty ? .done : .later }
            guard let e = nextEvent() else {
                sourceDone = true
                continue
            }
            start(e)
        }
        let (n, channel) = queue.popFirst()!
        return .item(n, channel)
    }

    /// Only the worker's `pull` knows `.later`; as a plain feed this ends where that would wait.
    func next() -> (Notification, any Channel)? {
        guard case .item(let n, let channel) = pull() else { return nil }
        return (n, channel)
    }

    /// A delivery report, from the sink.
    func report(_ report: DeliveryReport) {
        guard case .finished(let o) = report, let id = eventOf.removeValue(forKey: o.notification.id), var e = inFlight[id] else { return }
        e.outstanding -= 1
        if o.delivered { e.delivered = true }
        e.suppressedOnly = false
        if !o.delivered { e.lastAnswer = SendOutput.answer(o) }
        inFlight[id] = e
        if e.outstanding == 0 { decide(id) }
    }

    /// The events still in flight when the run ended early (interrupted), finished with what
    /// they came to so far; their state is released.
    func abandon() -> [EventFinish] {
        defer { inFlight.removeAll(); eventOf.removeAll() }
        return inFlight.values.map { finish($0, cutOff: true) }
    }

    private func start(_ event: RoutedEvent) {
        let mode = event.plan.mode ?? .all
        let steps = event.plan.steps.indices.dropFirst(event.from)
        guard let first = steps.first else {
            onFinish(EventFinish(id: event.id, status: "failed", reason: "nothing to send", deliveries: [], next: nil))
            return
        }
        var e = InFlight(event: event, step: mode == .all ? steps.last! : first)
        prepare(&e, steps: mode == .all ? Array(steps) : [first])
        inFlight[event.id] = e
        inFlightPeak = max(inFlightPeak, inFlight.count)
        if e.outstanding == 0 { decide(event.id) }
    }

    /// Prepares every target of `steps` (suppressed ones end there, recorded) and queues the rest.
    private func prepare(_ e: inout InFlight, steps: [Int]) {
        for i in steps {
            let step = e.event.plan.steps[i]
            // The first channel of an experiment was drawn: its notifications count as randomly assigned.
            let assignment: Assignment = i == 0 && e.event.plan.experiment != nil ? .random : .chosen
            for target in step.targets + step.suppressed {
                switch service.prepare(channel: step.channel, target: target, message: e.event.message, assignment: assignment) {
                case .ready(let n, let channel):
                    queue.append((n, channel))
                    eventOf[n.id] = e.event.id
                    e.deliveries.append((i, n.id))
                    e.outstanding += 1
                case .suppressed(let n):
                    e.deliveries.append((i, n.id))
                    e.lastAnswer = "on the suppression list; not sent"
                case .rejected(let why), .storeFailed(let why):
                    e.suppressedOnly = false
                    e.lastAnswer = why
                    if problems.count < Self.problemsMax { problems.append("event \(e.event.id): \(why)") }
                }
            }
        }
    }

    /// Every notification of the event's current step has finished: fallback moves on to the
    /// next step when nothing was delivered; otherwise the event is finished.
    private func decide(_ id: String) {
        while var e = inFlight[id], e.outstanding == 0 {
            if e.event.plan.mode == .fallback, !e.delivered, e.step + 1 < e.event.plan.steps.count {
                e.step += 1
                prepare(&e, steps: [e.step])
                inFlight[id] = e
                continue
            }
            inFlight[id] = nil
            onFinish(finish(e, cutOff: false))
        }
    }

    private func finish(_ e: InFlight, cutOff: Bool) -> EventFinish {
        let plan = e.event.plan
        var status = e.delivered ? "delivered" : e.suppressedOnly && !e.deliveries.isEmpty ? "suppressed" : "failed"
        var reason: String? = status != "failed" ? nil
            : cutOff ? "interrupted before its deliveries finished" : e.lastAnswer ?? "nothing to send"
        var next: (step: Int, due_ms: Int64)?
        // An escalation goes on whatever this step came to: a failed or suppressed step is not
        // an acknowledgement either.
        if plan.mode == .escalate, e.step + 1 < plan.steps.count {
            let step = plan.steps[e.step + 1]
            next = (e.step + 1, e.event.escalationBase_ms + step.delay_ms)
            status = "escalating"
            reason = "\(step.channel) at \(UTCTimestamp.format(ms: next!.due_ms)) unless acknowledged"
        }
        return EventFinish(id: e.event.id, status: status, reason: reason, deliveries: e.deliveries, next: next)
    }
}
