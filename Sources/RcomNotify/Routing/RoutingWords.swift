/// What a plan or a client's rules mean, in sentences (`rcom clients show`, `rcom notify`).
public enum RoutingWords {
    public static func rule(_ r: RoutingRule, client: ClientDefinition) -> String {
        let muted = r.channels.filter { client.mutedChannels.contains($0) }
        let live = r.channels.filter { !client.mutedChannels.contains($0) }
        var s: String
        if live.isEmpty {
            s = "nothing: every channel is muted (\(muted.joined(separator: ", ")))"
        } else {
            switch r.mode {
            case .all: s = "\(live.joined(separator: " and ")) at once"
            case .fallback:
                s = live[0] + live.dropFirst().map { ", else \($0) if that failed or is suppressed" }.joined()
            case .escalate:
                let after = RoutingRule.durationText(r.after_ms ?? 0)
                s = live[0] + live.dropFirst().map { ", then \($0) if not acknowledged within \(after)" }.joined()
            }
            if !muted.isEmpty { s += " (muted: \(muted.joined(separator: ", ")))" }
        }
        if let e = r.experiment { s += "; experiment \(e): the first channel is drawn per event type" }
        return s
    }

    /// One line per rule (most specific first), then mutes and quiet hours.
    public static func client(_ c: ClientDefinition) -> [String] {
        var lines: [String] = []
        for m in c.mutedEvents { lines.append("\(m): muted, never sent") }
        let rules = c.rules.sorted { ($0.event.specificity, $1.event.description) > ($1.event.specificity, $0.event.description) }
        for r in rules { lines.append("\(r.event): \(rule(r, client: c))") }
        if !c.rules.contains(where: { $0.event == .any }) { lines.append("anything else: unrouted (recorded, exit 4)") }
        if let q = c.quietHours {
            lines.append("quiet hours \(QuietHours.text(q.fromMinute))–\(QuietHours.text(q.toMinute)) \(c.timezone): non-urgent events are held until they end")
        }
        return lines
    }

    public static func plan(_ p: RoutePlan) -> String {
        switch p.status {
        case .muted, .unrouted: return "\(p.status.rawValue): \(p.reason ?? "")"
        case .deliver, .held:
            var s = p.steps.map { step in
                var t = step.channel + " → " + (step.targets.isEmpty ? "(none)" : step.targets.joined(separator: ", "))
                if !step.suppressed.isEmpty { t += " [suppressed: \(step.suppressed.joined(separator: ", "))]" }
                if step.delay_ms > 0 { t += " after \(RoutingRule.durationText(step.delay_ms))" }
                return t
            }.joined(separator: "; ")
            s = "\(p.mode?.rawValue ?? "all") (rule \(p.rule?.event.description ?? "?")): " + s
            if let e = p.experiment { s += " (experiment \(e))" }
            if !p.mutedChannels.isEmpty { s += " (muted: \(p.mutedChannels.joined(separator: ", ")))" }
            return s
        }
    }
}
