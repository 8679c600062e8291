import Foundation
import RcomCLI
import RcomCore

/// What `rcom notify` prints: the plan, then each delivery and the event's status (text), or
/// one JSON object with all of it (`--json`). Targets and answers come from outside: escaped.
struct NotifyOutput {
    let eventID: String
    let client: ClientDefinition
    let event: String
    let plan: RoutePlan
    let json: Bool
    let secrets: SecretText
    /// `rcom serve`: the event is recorded, nobody reads stdout.
    var quiet = false

    /// The hold's end, in UTC and in the client's zone.
    static func until(_ ms: Int64, zone: String) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: zone)
        f.dateFormat = "yyyy-MM-dd HH:mm zzz"
        return "\(UTCTimestamp.format(ms: ms)) (\(f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))) \(zone))"
    }

    func finish(status: String, sent: [NotifyRun.Sent], reason: String? = nil) {
        let why = reason ?? plan.reason
        if quiet { return }
        if json {
            let steps = plan.steps.map { s in
                JSONText.object([("channel", JSONText.quote(s.channel)), ("targets", ClientDefinition.array(s.targets)),
                                 ("suppressed", ClientDefinition.array(s.suppressed)), ("after_ms", String(s.delay_ms))])
            }
            let deliveries = sent.map { d in
                JSONText.object([("id", JSONText.quote(d.notification.id)), ("step", String(d.step)),
                                 ("channel", JSONText.quote(d.notification.channel)), ("target", JSONText.quote(d.notification.target)),
                                 ("outcome", JSONText.quote(d.outcome)), ("answer", JSONText.quote(secrets.scrub(d.answer)))])
            }
            print(JSONText.object([
                ("event", JSONText.quote(eventID)), ("client", JSONText.quote(client.id)), ("event_type", JSONText.quote(event)),
                ("status", JSONText.quote(status)), ("reason", why.map(JSONText.quote) ?? "null"),
                ("rule", plan.rule.map { JSONText.quote($0.event.description) } ?? "null"),
                ("mode", plan.mode.map { JSONText.quote($0.rawValue) } ?? "null"),
                ("experiment", plan.experiment.map(JSONText.quote) ?? "null"),
                ("held_until", plan.heldUntil_ms.map { JSONText.quote(UTCTimestamp.format(ms: $0)) } ?? "null"),
                ("steps", "[" + steps.joined(separator: ",") + "]"),
                ("deliveries", "[" + deliveries.joined(separator: ",") + "]"),
            ]))
            return
        }
        print("\(eventID) \(client.id) \(TerminalText.escaped(event)): \(TerminalText.escaped(RoutingWords.plan(plan)))")
        for d in sent {
            print("  \(d.notification.id) \(d.notification.channel) \(TerminalText.escaped(d.notification.target)) \(d.outcome) \(TerminalText.escaped(secrets.scrub(d.answer)))")
        }
        switch status {
        case "held":
            print("\(eventID) held until \(Self.until(plan.heldUntil_ms ?? 0, zone: client.timezone)): \(why ?? "quiet hours")")
        case "unrouted", "muted", "failed", "escalating":
            print("\(eventID) \(status): \(TerminalText.escaped(why ?? ""))")
        case "dry-run":
            print("\(eventID) dry run: nothing sent or recorded")
        default:
            print("\(eventID) \(status)")
        }
        if status == "unrouted" { Terminal.error("unrouted: \(TerminalText.escaped(why ?? ""))") }
    }

    static func duplicate(_ id: String, status: String, key: String, json: Bool) {
        if json {
            print(JSONText.object([("event", JSONText.quote(id)), ("status", JSONText.quote(status)), ("duplicate", "true")]))
        } else {
            print("\(id) already notified under --key \(TerminalText.escaped(key)) (\(status)); nothing sent")
        }
    }
}
