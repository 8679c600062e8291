import RcomCore
import RcomStore

/// `GET /v1/events/ID`: the event's plan as recorded (rule, mode, experiment, status and why,
/// when it is due) and each delivery's state: queued (not finished yet), sent, failed with the
/// provider's answer, suppressed, acknowledged (`rcom track`'s /a/ID).
enum ServeEventView {
    static func json(_ db: ClientSQL, id: String) throws(StoreError) -> String? {
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
        return JSONText.object([
            ("id", text(e[0])), ("client", text(e[1])), ("event", text(e[2])), ("urgent", e[3] == "1" ? "true" : "false"),
            ("state", JSONText.quote(status == "routed" ? "queued" : status)), ("reason", text(e[5])),
            ("plan", JSONText.object([("rule", text(e[6])), ("mode", text(e[7])), ("experiment", text(e[8])),
                                      ("next_step", e[10] ?? "0"), ("due_at", dueText)])),
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
