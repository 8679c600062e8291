import RcomCLI
import RcomCore

/// `rcom notify --batch FILE --dry-run`: every row routed as the real run would route it, its
/// plan printed (text: one line per row; `--json`: one JSON object per row, then a summary
/// object); no event or notification is recorded and nothing is sent. The store is only read
/// (clients, the suppression list).
enum NotifyBatchDryRun {
    static func run(_ rows: NotifyBatchRows, json: Bool) -> Int32 {
        var plans: [RoutePlan.Status: Int] = [:]
        while let chunk = rows.nextChunk() {
            for r in chunk {
                plans[r.plan.status, default: 0] += 1
                if r.plan.status == .unrouted { rows.counts.unrouted += 1 }
                let when = r.plan.heldUntil_ms.map { UTCTimestamp.format(ms: $0) }
                if json {
                    print(JSONText.object([
                        ("line", String(r.line)), ("client", JSONText.quote(r.client.id)), ("event_type", JSONText.quote(r.record.eventType)),
                        ("urgent", r.record.urgent ? "true" : "false"), ("key", r.record.key.map(JSONText.quote) ?? "null"),
                        ("status", JSONText.quote(r.plan.status.rawValue)), ("held_until", when.map(JSONText.quote) ?? "null"),
                        ("plan", r.plan.json),
                    ]))
                } else {
                    var text = "line \(r.line) \(TerminalText.escaped(r.client.id)) \(TerminalText.escaped(r.record.eventType)): "
                        + TerminalText.escaped(RoutingWords.plan(r.plan))
                    if let when { text += " (held until \(when))" }
                    print(text)
                }
            }
        }
        let c = rows.counts
        for p in rows.problems { Terminal.error(p) }
        let summary: [(String, Int)] = [("rows", c.rows), ("deliver", plans[.deliver, default: 0]), ("held", plans[.held, default: 0]),
                                        ("muted", plans[.muted, default: 0]), ("unrouted", plans[.unrouted, default: 0]),
                                        ("unknown_client", c.unknownClient), ("invalid", c.invalid)]
        if json {
            print(JSONText.object([("dry_run", "true")] + summary.map { ($0.0, String($0.1)) }))
        } else {
            print("dry run: " + summary.map { "\($0.1) \($0.0.replacingOccurrences(of: "_", with: " "))" }.joined(separator: ", ")
                  + "; nothing sent or recorded")
        }
        if c.storeFailures > 0 { return ExitCode.failure }
        if c.invalid + c.unknownClient > 0 { return ExitCode.usage }
        return c.unrouted > 0 ? NotifyCommand.exitUnrouted : ExitCode.success
    }
}
