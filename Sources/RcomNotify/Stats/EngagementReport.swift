import Foundation
import RcomCore

/// `rcom stats`: per channel totals, engagement rate (engaged ÷ delivered) with its 95 % Wilson
/// interval, and whether the leading channel's lead is significant.
public struct EngagementReport: Sendable {
    public struct Row: Sendable, Equatable {
        public let counts: ChannelCounts
        public var rate: Double? { counts.delivered > 0 ? Double(counts.engaged) / Double(counts.delivered) : nil }
        public var interval: (low: Double, high: Double) { ProportionStats.wilson(successes: counts.engaged, trials: counts.delivered) }
        public static func == (a: Row, b: Row) -> Bool { a.counts == b.counts }
    }

    public struct Lead: Sendable {
        public let leader: String
        public let runnerUp: String
        public let comparison: ProportionStats.Comparison
        public var significant: Bool { comparison.p < 0.05 }
    }

    public let rows: [Row]
    public let lead: Lead?
    /// Which notifications were compared ("random" assignment only, or all).
    public let population: String
    /// What a row is (the first column's title): a channel, or with `rcom stats --by`, an event
    /// type or a client.
    public var label = "channel"

    public init(counts: [ChannelCounts], population: String) {
        rows = counts.map { Row(counts: $0) }
        self.population = population
        // Highest rate first; ties by name so the output does not depend on input order.
        let ranked = rows.filter { $0.rate != nil }.sorted { ($0.rate!, $1.counts.channel) > ($1.rate!, $0.counts.channel) }
        // A channel leads only with a higher rate: equal rates (all 0 % before anyone clicks) have
        // no leader, whatever the names' order says.
        if ranked.count >= 2, ranked[0].rate! > ranked[1].rate! {
            let a = ranked[0].counts, b = ranked[1].counts
            lead = Lead(leader: a.channel, runnerUp: b.channel,
                        comparison: ProportionStats.compare(a.engaged, a.delivered, b.engaged, b.delivered))
        } else {
            lead = nil
        }
    }

    public var verdict: String {
        guard let lead else {
            let delivered = rows.filter { $0.rate != nil }
            if delivered.count < 2 { return "not enough data: engagement needs deliveries on at least two channels" }
            if delivered.allSatisfy({ $0.counts.engaged == 0 }) {
                return "no engagement recorded yet: no tracking link has been clicked (links are added only with " +
                    "rcom send --track or --public-url URL, which must point at rcom track)"
            }
            let best = delivered.map { $0.rate! }.max()!
            let top = delivered.filter { $0.rate == best }.map(\.counts.channel).sorted()
            let names = top.dropLast().joined(separator: ", ") + " and " + top.last!
            return "no channel leads: \(names) have the same rate, " + String(format: "%.1f%%", best * 100)
        }
        let c = lead.comparison
        let test = c.test == "z" ? String(format: "z = %.2f, p = %.3g", c.z ?? 0, c.p) : String(format: "Fisher exact p = %.3g", c.p)
        return lead.significant
            ? "\(lead.leader) leads \(lead.runnerUp) (\(test))"
            : "\(lead.leader) ahead of \(lead.runnerUp), not yet significant (\(test))"
    }

    public var text: String {
        var lines = [pad([label, "sent", "delivered", "failed", "suppressed", "engaged", "repeats", "previews", "rate", "95% interval"])]
        for r in rows {
            let c = r.counts
            let rate = r.rate.map { String(format: "%.1f%%", $0 * 100) } ?? "-"
            let iv = r.rate == nil ? "-" : String(format: "%.1f%%-%.1f%%", r.interval.low * 100, r.interval.high * 100)
            lines.append(pad([c.channel, "\(c.sent)", "\(c.delivered)", "\(c.failed)", "\(c.suppressed)", "\(c.engaged)",
                              "\(c.repeatClicks)", "\(c.previews)", rate, iv]))
        }
        lines.append("compared: \(population)")
        if rows.contains(where: { $0.counts.previews > 0 }) {
            lines.append("previews: link-preview fetchers (Slackbot, WhatsApp, ...) and HEAD requests of the links; not engagement")
        }
        lines.append(verdict)
        return lines.joined(separator: "\n")
    }

    private func pad(_ cells: [String]) -> String {
        let widths = [8, 6, 9, 6, 10, 7, 7, 8, 6, 0]
        // Channel names left-aligned, numbers right-aligned.
        return zip(cells, widths).enumerated().map { i, cw in
            let (cell, width) = cw
            let fill = String(repeating: " ", count: max(0, width - cell.count))
            return i == 0 ? cell + fill : fill + cell
        }.joined(separator: " ")
    }

    public var json: String {
        let channels = rows.map { r -> String in
            let c = r.counts
            var fields = [("channel", JSONText.quote(c.channel)), ("sent", "\(c.sent)"), ("delivered", "\(c.delivered)"),
                          ("failed", "\(c.failed)"), ("suppressed", "\(c.suppressed)"), ("engaged", "\(c.engaged)"),
                          ("repeat_clicks", "\(c.repeatClicks)"), ("previews", "\(c.previews)")]
            if let rate = r.rate {
                fields += [("rate", String(format: "%.6f", rate)), ("low", String(format: "%.6f", r.interval.low)),
                           ("high", String(format: "%.6f", r.interval.high))]
            }
            return JSONText.object(fields)
        }
        var fields = [("population", JSONText.quote(population)), ("channels", "[" + channels.joined(separator: ",") + "]")]
        if let lead {
            fields.append(("lead", JSONText.object([
                ("leader", JSONText.quote(lead.leader)), ("runner_up", JSONText.quote(lead.runnerUp)),
                ("test", JSONText.quote(lead.comparison.test)), ("p", String(format: "%.6g", lead.comparison.p)),
                ("significant", lead.significant ? "true" : "false"),
            ])))
        }
        fields.append(("verdict", JSONText.quote(verdict)))
        return JSONText.object(fields)
    }
}
