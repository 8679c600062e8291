import RcomCore
import RcomStore

/// `GET /v1/events/ID`: the event's plan as recorded (rule, mode, experiment, status and why,
/// when it is due) and each delivery's state: queued (not finished yet), sent, failed with the
/// provider's answer, suppressed, acknowledged (`rcom track`'s /a/ID). While steps remain
/// (queued, held, escalating), `plan.pending` lists them with their targets: the plan the due
/// runner would make now (`plan(client, event)`: the client's current rules and suppressions,
/// as `NotifyDue.carryOut` re-plans), from the next step on, each with when it is due.
enum ServeEventView {
    /// `plan(clientID, eventType)`: the routing stage's plan as the due runner would make it now;
    /// nil when the client is gone or the event no longer routes.
    static func json(_ db: ClientSQL, id: String, plan: (String, String) -> RoutePlan?) throws(StoreError) -> String? {
        guard let e = try db.rows("""
            SELECT id, client_id, event_type, urgent, status, reason, rule, mode, experiment, due_at_ms, next_step, created_at_ms
            FROM events WHERE id = $1
            """, [.text(id)]).first else { return nil }
        let deliveries = try db.rows("""
            SELECT d.step, n.id, n.channel, n.target, n.outcome, n.provider_answer, n.attempts,
                   CASE WHEN EXISTS (SELECT 1 FROM clicks c WHERE c.notification_id = n.id AND c.kind = 'ack') THEN 1 ELSE 0 END
            FROM event_deliveries d JOIN notifications n ON n.id = d.notification_id
            WHERE d.event_id = $1 ORDER BY d.step, n.id
            """, [.text(id)])
        func text(_ v: String?) -> String { v.map(JSONText.quote) ?? "null" }
        let status = e[4] ?? ""
        let due = e[9].flatMap { Int64($0) }
        // For a routed event due_at_ms is the due runner's lease, not something to show.
        let dueText = status == "held" || status == "escalating" ? due.map { JSONText.quote(UTCTimestamp.format(ms: $0)) } ?? "null" : "null"
        let nextStep = Int(e[10] ?? "") ?? 0
        var pending = "[]"
        if ["routed", "held", "escalating"].contains(status), let p = plan(e[1] ?? "", e[2] ?? ""), nextStep < p.steps.count {
            let steps = p.steps.enumerated().dropFirst(nextStep)
            // Step k starts delay_k after the first: after the event (queued), after the held
            // event's release, or relative to the next step's recorded due time (escalating).
            let base: Int64? = switch status {
            case "held": due
            case "escalating": due.map { $0 - p.steps[nextStep].delay_ms }
            default: Int64(e[11] ?? "")
            }
            pending = "[" + steps.map { (k, step) in
                JSONText.object([("step", String(k)), ("channel", JSONText.quote(step.channel)),
                                 ("targets", "[" + step.targets.map(JSONText.quote).joined(separator: ",") + "]"),
                                 ("suppressed", "[" + step.suppressed.map(JSONText.quote).joined(separator: ",") + "]"),
                                 ("due_at", base.map { JSONText.quote(UTCTimestamp.format(ms: $0 + step.delay_ms)) } ?? "null")])
            }.joined(separator: ",") + "]"
        }
        return JSONText.object([
            ("id", text(e[0])), ("client", text(e[1])), ("event", text(e[2])), ("urgent", e[3] == "1" ? "true" : "false"),
            ("state", JSONText.quote(status == "routed" ? "queued" : status)), ("reason", text(e[5])),
            ("plan", JSONText.object([("rule", text(e[6])), ("mode", text(e[7])), ("experiment", text(e[8])),
                                      ("next_step", e[10] ?? "0"), ("due_at", dueText), ("pending", pending)])),
            ("created_at", JSONText.quote(UTCTimestamp.format(ms: Int64(e[11] ?? "") ?? 0))),
            ("deliveries", "[" + deliveries.map { d in
                let outcome = d[4] ?? ""
                let state = d[7] == "1" ? "acknowledged" : outcome == "delivered" ? "sent" : outcome == "pending" ? "queued" : outcome
                return JSONText.object([("step", d[0] ?? "0"), ("id", text(d[1])), ("channel", text(d[2])), ("target", text(d[3])),
                                        ("state", JSONText.quote(state)), ("answer", text(d[5])), ("attempts", d[6] ?? "0")])
            }.joined(separator: ",") + "]"),
        ])
    }
}
