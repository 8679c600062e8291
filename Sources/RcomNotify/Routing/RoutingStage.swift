import Foundation

/// The routing stage, sans-IO: a client's definition, an event, the time and the store's
/// suppression answers in; a plan out. It reads no clock, no store and no randomness: the
/// experiment's draw is a hash of (client, experiment, event type), so the same client gets the
/// same first channel for an event type every time, on every machine.
public enum RoutingStage {
    public struct Input: Sendable {
        public let client: ClientDefinition
        public let event: String
        public let urgent: Bool
        public let now_ms: Int64
        /// Targets on the suppression list, as the store answered for this client's contacts.
        public let suppressed: Set<ChannelTarget>

        public init(client: ClientDefinition, event: String, urgent: Bool, now_ms: Int64, suppressed: Set<ChannelTarget> = []) {
            self.client = client
            self.event = event
            self.urgent = urgent
            self.now_ms = now_ms
            self.suppressed = suppressed
        }
    }

    public static func plan(_ input: Input) -> RoutePlan {
        let c = input.client
        guard EventPattern.isEventName(input.event) else {
            return .stop(.unrouted, "\"\(input.event)\" is not an event name (a.b.c: a-z 0-9 _ -)")
        }
        if let mute = c.mutedEvents.first(where: { $0.matches(input.event) }) {
            return .stop(.muted, "the client muted \(mute)")
        }
        guard let rule = bestRule(c.rules, for: input.event) else {
            let patterns = c.rules.map(\.event.description)
            return .stop(.unrouted, "no rule of client \(c.id) matches \(input.event)" +
                         (patterns.isEmpty ? " (it has no rules)" : " (rules: \(patterns.joined(separator: ", ")))"))
        }
        var channels = rule.channels
        var experiment: String?
        if let name = rule.experiment, channels.count > 1 {
            let drawn = Int(stableDraw(c.id, name, input.event) % UInt64(channels.count))
            channels.insert(channels.remove(at: drawn), at: 0)
            experiment = name
        }
        let muted = channels.filter { c.mutedChannels.contains($0) }
        channels.removeAll { c.mutedChannels.contains($0) }
        guard !channels.isEmpty else {
            return .stop(.muted, "every channel of rule \(rule.event) is muted (\(muted.joined(separator: ", ")))", rule: rule)
        }
        let steps = channels.enumerated().map { (i, ch) in
            let all = c.targets(ch)
            return RouteStep(channel: ch, targets: all.filter { !input.suppressed.contains(ChannelTarget(ch, $0)) },
                             suppressed: all.filter { input.suppressed.contains(ChannelTarget(ch, $0)) },
                             delay_ms: rule.mode == .escalate ? Int64(i) * (rule.after_ms ?? 0) : 0)
        }
        var plan = RoutePlan(status: .deliver, reason: nil, rule: rule, steps: steps, heldUntil_ms: nil,
                             experiment: experiment, mutedChannels: muted)
        if !input.urgent, let quiet = c.quietHours, let zone = TimeZone(identifier: c.timezone),
           let until = quietUntil(quiet, zone: zone, now_ms: input.now_ms) {
            plan.status = .held
            plan.heldUntil_ms = until
            plan.reason = "quiet hours \(QuietHours.text(quiet.fromMinute))–\(QuietHours.text(quiet.toMinute)) \(c.timezone)"
        }
        return plan
    }

    /// The most specific rule matching `event` (ties were refused when the file was applied).
    public static func bestRule(_ rules: [RoutingRule], for event: String) -> RoutingRule? {
        rules.filter { $0.event.matches(event) }.max { $0.event.specificity < $1.event.specificity }
    }

    /// When quiet hours that hold `now_ms` end (the next local `to` in `zone`, daylight saving
    /// included: Foundation's calendar on the system's tz database), or nil when `now_ms` is
    /// outside them. An end time that does not exist that day (inside a spring-forward gap) is
    /// the first instant after the gap.
    public static func quietUntil(_ quiet: QuietHours, zone: TimeZone, now_ms: Int64) -> Int64? {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = zone
        let now = Date(timeIntervalSince1970: Double(now_ms) / 1000)
        let local = cal.dateComponents([.hour, .minute], from: now)
        guard let h = local.hour, let m = local.minute, quiet.contains(minuteOfDay: h * 60 + m) else { return nil }
        let end = DateComponents(hour: quiet.toMinute / 60, minute: quiet.toMinute % 60, second: 0)
        guard let next = cal.nextDate(after: now, matching: end, matchingPolicy: .nextTime) else { return nil }
        return Int64((next.timeIntervalSince1970 * 1000).rounded())
    }

    /// FNV-1a 64 of the three names (NUL-separated), then a SplitMix64 finaliser so that
    /// neighbouring names spread over all channels.
    static func stableDraw(_ client: String, _ experiment: String, _ event: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in client.utf8 + [0] + experiment.utf8 + [0] + event.utf8 {
            h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3
        }
        h = (h ^ (h >> 30)) &* 0xBF58_476D_1CE4_E5B9
        h = (h ^ (h >> 27)) &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 31)
    }
}
