import Foundation
import RcomCLI
import RcomCore

/// `rcom notify --run-due`: the held events whose quiet hours are over and the escalations
/// whose next step is due, claimed under a lease (`ClientStore.claimDueEvents`) so that two
/// runs at once never take one event twice, then carried out as `rcom notify` would.
enum NotifyDue {
    /// How long a claim holds its events: a run that dies leaves them due again after this.
    static let lease_ms: Int64 = 10 * 60_000
    /// Events per claim; a run claims again until nothing is due (bounded by `roundsMax`).
    static let claimMax = 500
    static let roundsMax = 100

    static func run(_ args: ParsedArguments) -> Int32 {
        guard let (setup, now) = NotifyCommand.prepare(args, elsewhere: "--run-due takes the events from the store") else { return ExitCode.usage }
        guard let store = ClientsSetup.open(args) else { return ExitCode.failure }
        return setup.traced("rcom notify --run-due") { run(args, setup: $0, store: store, now: now) }
    }

    private static func run(_ args: ParsedArguments, setup: SendSetup, store: ClientsSetup.Store, now: Int64) -> Int32 {
        var result = ExitCode.success, handled = 0
        for _ in 0..<roundsMax {
            let due: [DueEvent]
            do { due = try store.claimDueEvents(now_ms: now, limit: claimMax, lease_ms: lease_ms) } catch {
                Terminal.error(error.description)
                return ExitCode.failure
            }
            if due.isEmpty { break }
            for event in due {
                let (code, _) = carryOut(event, setup: setup, store: store, now: now, json: args.flag("json"), verbose: args.flag("verbose"))
                if code != ExitCode.success, result == ExitCode.success { result = code }
                handled += 1
            }
        }
        if !args.flag("json") { print("run-due: \(handled) due step\(handled == 1 ? "" : "s") carried out") }
        return result
    }

    /// One claimed event carried out (also `rcom serve`'s due runner, with `quiet`: nothing printed).
    /// With tracing, inside an event span `notify due` (the root of the event's trace in `rcom
    /// serve`, a child of the run's in `--run-due`), whose context comes back for the log.
    static func carryOut(_ e: DueEvent, setup: SendSetup, store: ClientsSetup.Store, now: Int64, json: Bool, verbose: Bool,
                         quiet: Bool = false) -> (code: Int32, trace: TraceContext?) {
        let attributes = [SpanAttribute("rcom.event.id", .string(e.id)), SpanAttribute("rcom.client", .string(e.clientID)),
                          SpanAttribute("rcom.event.type", .string(e.eventType)), SpanAttribute("rcom.event.status", .string(e.status))]
        return setup.spanned("notify due", attributes: attributes) {
            carryOut(e, setup: $0, store: store, now: now, json: json, verbose: verbose, quiet: quiet)
        }
    }

    private static func carryOut(_ e: DueEvent, setup: SendSetup, store: ClientsSetup.Store, now: Int64, json: Bool, verbose: Bool,
                                 quiet: Bool) -> Int32 {
        func end(_ status: String, _ reason: String?) -> Int32 {
            do { try store.finishEvent(id: e.id, status: status, reason: reason, deliveries: [], next: nil) } catch {
                Terminal.error(error.description)
                return ExitCode.failure
            }
            if !json && !quiet { print("\(e.id) \(e.clientID) \(TerminalText.escaped(e.eventType)) \(status)\(reason.map { ": " + TerminalText.escaped($0) } ?? "")") }
            return ExitCode.success
        }
        let client: ClientDefinition
        switch ClientsSetup.load(store, id: e.clientID) {
        case .failure(let why): return end("failed", why.description)
        case .success(nil): return end("failed", "client \(e.clientID) was removed")
        case .success(let c?): client = c
        }
        do {
            if e.status == "escalating", try store.isAcknowledged(eventID: e.id) { return end("acknowledged", "no escalation needed") }
            // Due now: quiet hours are over (or ignored for an escalation already under way).
            let plan = NotifyCommand.route(.init(client: client, event: e.eventType, urgent: true, now_ms: now,
                                                 suppressed: try NotifyCommand.suppressionAnswers(client, store)), setup: setup)
            guard plan.status == .deliver else { return end(plan.status == .muted ? "muted" : "unrouted", plan.reason) }
            var run = NotifyRun(setup: setup, store: store, client: client, event: e.eventType, message: e.message, plan: plan,
                                urgent: e.urgent, key: nil, json: json, verbose: verbose, now_ms: now)
            run.signals = !quiet
            let output = NotifyOutput(eventID: e.id, client: client, event: e.eventType, plan: plan, json: json, secrets: setup.secrets, quiet: quiet)
            // A held event's escalation steps count from now, when its first step goes out.
            return run.carryOut(eventID: e.id, from: e.nextStep, createdAt_ms: e.status == "held" ? now : e.createdAt_ms, output: output)
        } catch {
            Terminal.error(error.description)
            return ExitCode.failure
        }
    }
}
