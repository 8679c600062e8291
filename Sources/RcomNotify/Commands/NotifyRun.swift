import Foundation
import RcomCLI
import RcomCore
import RcomReactor
import RcomStore

/// One `rcom notify`: records the event, then carries out the plan's steps through `rcom
/// send`'s delivery path (NotificationService.prepare, SendSetup.deliver, StoreSink), and
/// records each notification under the event.
struct NotifyRun {
    let setup: SendSetup
    let store: ClientsSetup.Store
    let client: ClientDefinition
    let event: String
    let message: String
    let plan: RoutePlan
    let urgent: Bool
    let key: String?
    let json: Bool
    let verbose: Bool
    let now_ms: Int64
    /// Whether the delivery reactor takes SIGINT/SIGTERM (not inside `rcom serve`, whose own
    /// reactor drains on them).
    var signals = true

    /// One notification of the event and how it ended.
    struct Sent {
        let step: Int
        let notification: Notification
        let outcome: String
        let answer: String
    }

    var initialStatus: String {
        switch plan.status {
        case .deliver: return "routed"
        case .held: return "held"
        case .muted: return "muted"
        case .unrouted: return "unrouted"
        }
    }

    func execute() -> Int32 {
        let eventID = "e" + SystemEntropy().hexToken(bits: 64)
        if !setup.dryRun {
            let record = EventRecord(id: eventID, clientID: client.id, eventType: event, message: message, urgent: urgent, key: key,
                                     status: initialStatus, reason: plan.reason, rule: plan.rule?.event.description,
                                     mode: plan.mode?.rawValue, experiment: plan.experiment, heldUntil_ms: plan.heldUntil_ms,
                                     createdAt_ms: now_ms)
            do {
                let answer = try setup.committing("insert event", [SpanAttribute("rcom.event.id", .string(eventID))]) { () throws(StoreError) in
                    try store.insertEvent(record)
                }
                if case .duplicate(let first, let status) = answer {
                    NotifyOutput.duplicate(first, status: status, key: key ?? "", json: json)
                    return ExitCode.success
                }
            } catch {
                Terminal.error("nothing sent: \(error.description)")
                return ExitCode.failure
            }
        }
        let output = NotifyOutput(eventID: eventID, client: client, event: event, plan: plan, json: json, secrets: setup.secrets)
        switch plan.status {
        case .unrouted:
            output.finish(status: "unrouted", sent: [])
            return NotifyCommand.exitUnrouted
        case .muted, .held:
            output.finish(status: initialStatus, sent: [])
            return ExitCode.success
        case .deliver:
            if setup.dryRun {
                output.finish(status: "dry-run", sent: [])
                return ExitCode.success
            }
        }
        return carryOut(eventID: eventID, from: 0, createdAt_ms: now_ms, output: output)
    }

    /// Sends the plan's steps from `from` on, records how the event ended (or when its next
    /// step is due) and prints it. `rcom notify` starts at 0; `--run-due` at the step due.
    func carryOut(eventID: String, from: Int, createdAt_ms: Int64, output: NotifyOutput) -> Int32 {
        let channels = plan.steps[min(from, plan.steps.count)...].map(\.channel)
        if let why = setup.missingSettings(for: channels) {
            setup.error(why)
            try? store.finishEvent(id: eventID, status: "failed", reason: why, deliveries: [], next: nil)
            return ExitCode.usage
        }
        guard let (simulator, service) = NotifyCommand.service(setup, store, channels: channels) else { return ExitCode.failure }
        var sent: [Sent] = []
        let mode = plan.mode ?? .all
        var stepsRun = from
        if mode == .all {
            sent = deliver(steps: Array(plan.steps.indices.dropFirst(from)), service: service)
            stepsRun = plan.steps.count
        } else {
            for i in plan.steps.indices.dropFirst(from) {
                let got = deliver(steps: [i], service: service)
                sent += got
                stepsRun = i + 1
                // fallback: the next channel only when nothing was delivered on this one;
                // escalate: one step now, the next when no acknowledgement came in time.
                if mode == .escalate || got.contains(where: { $0.outcome == "delivered" }) { break }
            }
        }
        if let sim = simulator?.stop(), !sim.captured.isEmpty, !output.quiet {
            setup.say("(\(sim.captured.count) request\(sim.captured.count == 1 ? "" : "s") to the in-process provider simulator: no endpoint configured)\n")
        }
        var status = sent.contains { $0.outcome == "delivered" } ? "delivered"
            : !sent.isEmpty && sent.allSatisfy({ $0.outcome == "suppressed" }) ? "suppressed" : "failed"
        var reason: String? = status == "failed" ? sent.last?.answer ?? "nothing to send" : nil
        var next: (step: Int, due_ms: Int64)?
        // An escalation goes on whatever this step came to: a failed or suppressed step is not
        // an acknowledgement either.
        if mode == .escalate, stepsRun < plan.steps.count {
            let step = plan.steps[stepsRun]
            next = (stepsRun, createdAt_ms + step.delay_ms)
            status = "escalating"
            reason = "\(step.channel) at \(UTCTimestamp.format(ms: createdAt_ms + step.delay_ms)) unless acknowledged"
        }
        do {
            try setup.committing("finish event", [SpanAttribute("rcom.event.id", .string(eventID)), SpanAttribute("rcom.event.status", .string(status))]) { () throws(StoreError) in
                try store.finishEvent(id: eventID, status: status, reason: reason, deliveries: sent.map { ($0.step, $0.notification.id) }, next: next)
            }
        } catch {
            Terminal.error("could not record the event's outcome: \(error.description)")
        }
        output.finish(status: status, sent: sent, reason: reason)
        switch status {
        case "delivered", "escalating": return ExitCode.success
        case "suppressed": return SendCommand.exitSuppressed
        default: return ExitCode.failure
        }
    }

    /// Prepares every target of `steps` (suppressed ones end there, recorded) and delivers the
    /// rest in one run of the send pipeline.
    private func deliver(steps: [Int], service: NotificationService) -> [Sent] {
        var sent: [Sent] = []
        var items: [(Notification, any Channel)] = []
        var stepOf: [String: Int] = [:]
        for i in steps {
            let step = plan.steps[i]
            // The first channel of an experiment was drawn: its notifications count as randomly assigned.
            let assignment: Assignment = i == 0 && plan.experiment != nil ? .random : .chosen
            for target in step.targets + step.suppressed {
                switch service.prepare(channel: step.channel, target: target, message: message, assignment: assignment) {
                case .ready(let n, let channel):
                    items.append((n, channel))
                    stepOf[n.id] = i
                case .suppressed(let n):
                    sent.append(Sent(step: i, notification: n, outcome: "suppressed", answer: "on the suppression list; not sent"))
                case .rejected(let why), .storeFailed(let why):
                    setup.error("\(step.channel) \(TerminalText.escaped(target)): \(why)")
                }
            }
        }
        guard !items.isEmpty else { return sent }
        let outcomes = OutcomeBox()
        let sink = setup.storeSink(store) { [setup] report in
            switch report {
            case .finished(let o): outcomes.items.append(o)
            case .attempt(let a) where verbose:
                setup.say("attempt \(a.attempt) \(a.channel): \(a.result.kind) \(a.result.detail) (\(a.duration_ns / 1_000_000) ms)\n")
            default: break
            }
        }
        _ = setup.deliver(feed: StepFeed(items), sink: sink, signals: signals)
        for o in outcomes.items {
            sent.append(Sent(step: stepOf[o.notification.id] ?? 0, notification: o.notification,
                             outcome: SendOutput.word(o), answer: SendOutput.answer(o)))
        }
        return sent
    }
}

/// The outcomes a sink saw; read once the pipeline has stopped.
private final class OutcomeBox {
    var items: [DeliveryOutcome] = []
}

/// The prepared notifications of one step (or, in mode all, of every step).
final class StepFeed: NotificationFeed {
    private var items: [(Notification, any Channel)]
    init(_ items: [(Notification, any Channel)]) { self.items = items.reversed() }
    func next() -> (Notification, any Channel)? { items.popLast() }
}
