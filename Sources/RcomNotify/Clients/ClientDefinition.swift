/// What one client asked for (the client file's schema, design/notify.md "Clients"): where
/// to reach it on each channel, which channels each event type goes to and how, when it must not
/// be disturbed, and what it switched off. Validated on the way in (`ClientFileParser`), so a
/// definition in the store is always one the routing stage can use.
public struct ClientDefinition: Sendable, Equatable {
    public var id: String
    public var name: String
    /// An IANA zone name (Foundation's tz database), e.g. "Europe/Berlin".
    public var timezone: String
    /// Per channel, its normalised targets, in the registry's channel order.
    public var contacts: [ChannelContacts]
    public var quietHours: QuietHours?
    /// Event patterns switched off (`marketing.*`).
    public var mutedEvents: [EventPattern]
    /// Channels switched off (written `channel:NAME` in `mute`).
    public var mutedChannels: [String]
    public var rules: [RoutingRule]

    public init(id: String, name: String, timezone: String, contacts: [ChannelContacts], quietHours: QuietHours?,
                mutedEvents: [EventPattern], mutedChannels: [String], rules: [RoutingRule]) {
        self.id = id
        self.name = name
        self.timezone = timezone
        self.contacts = contacts
        self.quietHours = quietHours
        self.mutedEvents = mutedEvents
        self.mutedChannels = mutedChannels
        self.rules = rules
    }

    public func targets(_ channel: String) -> [String] { contacts.first { $0.channel == channel }?.targets ?? [] }
}

public struct ChannelContacts: Sendable, Equatable {
    public var channel: String
    public var targets: [String]
    public init(channel: String, targets: [String]) {
        self.channel = channel
        self.targets = targets
    }
}

/// Local wall-clock minutes [from, to) in the client's zone; `from > to` spans midnight.
public struct QuietHours: Sendable, Equatable {
    public var fromMinute: Int
    public var toMinute: Int
    public init(fromMinute: Int, toMinute: Int) {
        self.fromMinute = fromMinute
        self.toMinute = toMinute
    }

    public func contains(minuteOfDay m: Int) -> Bool {
        fromMinute < toMinute ? (m >= fromMinute && m < toMinute) : (m >= fromMinute || m < toMinute)
    }

    public static func text(_ minute: Int) -> String {
        let h = minute / 60, m = minute % 60
        return (h < 10 ? "0" : "") + String(h) + ":" + (m < 10 ? "0" : "") + String(m)
    }
}

public enum DeliveryMode: String, Sendable, Equatable, CaseIterable {
    /// Every channel at once.
    case all
    /// The next channel only when the previous one failed after its retries or was suppressed.
    case fallback
    /// The next channel when the previous delivery was not acknowledged within `after`.
    case escalate
}

public struct RoutingRule: Sendable, Equatable {
    public var event: EventPattern
    public var channels: [String]
    public var mode: DeliveryMode
    /// `escalate` only: how long an acknowledgement is awaited before the next channel.
    public var after_ms: Int64?
    /// Clients in an experiment get their first channel drawn (stably) among `channels`.
    public var experiment: String?

    public init(event: EventPattern, channels: [String], mode: DeliveryMode, after_ms: Int64? = nil, experiment: String? = nil) {
        self.event = event
        self.channels = channels
        self.mode = mode
        self.after_ms = after_ms
        self.experiment = experiment
    }
}

/// An event type (`db.disk_high`), a prefix (`db.*`: events under `db.`), or everything (`*`).
/// The most specific match wins: exact, then the longer prefix, then `*`.
public enum EventPattern: Sendable, Equatable, Hashable, CustomStringConvertible {
    case exact(String)
    case prefix(String)
    case any

    /// Event names: dot-separated segments of lower-case letters, digits, `_` and `-`, at most
    /// `nameBytesMax` bytes (bounded: they are stored and shown).
    public static let nameBytesMax = 200

    public static func isEventName(_ s: String) -> Bool {
        guard !s.isEmpty, s.utf8.count <= nameBytesMax else { return false }
        return s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { seg in
            !seg.isEmpty && seg.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F || $0 == 0x2D }
        }
    }

    public static func parse(_ s: String) -> EventPattern? {
        if s == "*" { return .any }
        if s.hasSuffix(".*") {
            let stem = String(s.dropLast(2))
            return isEventName(stem) ? .prefix(stem) : nil
        }
        return isEventName(s) ? .exact(s) : nil
    }

    public var description: String {
        switch self {
        case .exact(let s): return s
        case .prefix(let s): return s + ".*"
        case .any: return "*"
        }
    }

    public func matches(_ event: String) -> Bool {
        switch self {
        case .exact(let s): return s == event
        case .prefix(let s): return event.hasPrefix(s + ".")
        case .any: return true
        }
    }

    /// Higher wins: exact above every prefix, a longer prefix above a shorter, `*` lowest.
    /// Two different patterns of equal specificity never match the same event, so a tie is
    /// only ever the same pattern twice (refused when the file is applied).
    public var specificity: Int {
        switch self {
        case .exact: return Int.max
        case .prefix(let s): return 1 + s.split(separator: ".").count
        case .any: return 0
        }
    }
}
