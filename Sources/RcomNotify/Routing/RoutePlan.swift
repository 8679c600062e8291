/// A channel and target pair, as the suppression answers name them.
public struct ChannelTarget: Hashable, Sendable {
    public let channel: String
    public let target: String
    public init(_ channel: String, _ target: String) {
        self.channel = channel
        self.target = target
    }
}

/// What the routing stage decided for one event: the steps to deliver, in order, and how.
public struct RoutePlan: Sendable, Equatable {
    public enum Status: String, Sendable, Equatable {
        /// Deliver now.
        case deliver
        /// Quiet hours: deliver the same steps at `heldUntil_ms`.
        case held
        /// The event type, or every channel of its rule, is switched off: nothing is sent.
        case muted
        /// No rule routes it (or it is not an event name): recorded, nothing sent.
        case unrouted
    }

    public var status: Status
    /// Why muted or unrouted, in words.
    public var reason: String?
    public var rule: RoutingRule?
    public var steps: [RouteStep]
    public var heldUntil_ms: Int64?
    /// The rule's experiment, when the first channel was drawn for it.
    public var experiment: String?
    /// Channels of the rule left out because the client muted them.
    public var mutedChannels: [String] = []

    public var mode: DeliveryMode? { rule?.mode }

    static func stop(_ status: Status, _ reason: String, rule: RoutingRule? = nil) -> RoutePlan {
        RoutePlan(status: status, reason: reason, rule: rule, steps: [], heldUntil_ms: nil, experiment: nil)
    }
}

/// One channel of the plan: its targets to send to, the ones left out because they are on the
/// suppression list, and when the step starts relative to the event (escalate: n × after).
public struct RouteStep: Sendable, Equatable {
    public let channel: String
    public let targets: [String]
    public let suppressed: [String]
    public let delay_ms: Int64

    public init(channel: String, targets: [String], suppressed: [String], delay_ms: Int64) {
        self.channel = channel
        self.targets = targets
        self.suppressed = suppressed
        self.delay_ms = delay_ms
    }
}
