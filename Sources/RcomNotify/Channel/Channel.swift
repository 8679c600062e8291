import RcomCore

/// One delivery channel (email, SMS, Slack, ...): an adapter between a `Notification` and one
/// provider's wire format. Adapters are pure: they build requests and read answers; the
/// delivery stage owns the connections, the clock and the retries.
///
/// Adding a channel is one file conforming to this protocol plus one line in
/// `ChannelRegistry.standard` (see design/adding-a-channel.md).
public protocol Channel: Sendable {
    /// What `-c` accepts, e.g. "sms".
    static var name: String { get }
    /// The accepted target forms, shown when a target is refused (exit 2).
    static var targetForm: String { get }
    /// The environment variable naming the provider endpoint. Unset: the channel runs against
    /// the in-process providers simulator.
    static var endpointKey: String { get }

    init(settings: ChannelSettings)

    /// Validates and normalises a target (`505-9045845` → `+15059045845`).
    func normalise(target: String) -> Result<String, TargetError>

    /// The provider request that delivers `notification` (its target already normalised).
    func request(for notification: Notification) -> ProviderRequest

    /// What the provider's answer means.
    func result(of answer: ProviderAnswer) -> DeliveryResult

    /// Settings the channel cannot work without against the endpoint in `settings` (none when
    /// the simulator is the endpoint): the command refuses to run, naming them (exit 2).
    static func missingSettings(_ settings: ChannelSettings) -> [String]

    /// Values in `settings` that are credentials and must never be shown (`SecretText`).
    static func secrets(_ settings: ChannelSettings) -> [String]

    /// What the person sending should know about this notification on this channel (an SMS
    /// over one part), said on stderr; the notification is sent all the same.
    func warnings(for notification: Notification) -> [String]

    /// Whether a notification still failing temporarily after its quick retries stays pending
    /// for `rcom send --retry-pending` (email: a relay's 4yz is "later", RFC 5321 §4.5.4.1)
    /// instead of failing. Default: no.
    var defersTransientFailures: Bool { get }
}

extension Channel {
    public static func missingSettings(_ settings: ChannelSettings) -> [String] { [] }
    public static func secrets(_ settings: ChannelSettings) -> [String] { [] }
    public func warnings(for notification: Notification) -> [String] { [] }
    public var defersTransientFailures: Bool { false }
}

/// A notification ready for delivery: validated, checked against the suppression list,
/// identified and carrying its tracking link.
public struct Notification: Sendable, Equatable {
    public let id: String
    public let channel: String
    public let target: String
    public let message: String
    public let trackingURL: String
    /// Wall-clock creation time (ms since the epoch), given by the service; adapters that need
    /// a date (the email `Date:` header) read it here rather than from a clock.
    public let createdAt_ms: Int64
    /// Rounds of quick retries that already ended pending (0 for a new notification); picks
    /// the next wait in `PendingSchedule`.
    public var deferrals = 0

    public init(id: String, channel: String, target: String, message: String, trackingURL: String, createdAt_ms: Int64) {
        self.id = id
        self.channel = channel
        self.target = target
        self.message = message
        self.trackingURL = trackingURL
        self.createdAt_ms = createdAt_ms
    }

    /// The text a person reads: the message, then the tracking link on its own line.
    public var text: String { trackingURL.isEmpty ? message : "\(message)\n\(trackingURL)" }
}

/// What one delivery attempt came to.
public enum DeliveryResult: Equatable, Sendable {
    /// The provider accepted the message; `providerID` is its message id (or its "ok").
    case delivered(providerID: String)
    /// Worth retrying (5xx, 429, 4xx SMTP reply, timeout, broken connection).
    /// `retryAfter_ms` is the provider's own wish (HTTP `Retry-After`), if it said one.
    case transient(String, retryAfter_ms: Int64?)
    /// Retrying cannot help (4xx HTTP, 5xx SMTP reply).
    case permanent(String)
    /// Permanent, and the provider said the address itself cannot receive (SMTP 550 5.1.1 "no
    /// such user"): the store puts the address on the suppression list with this reason.
    case undeliverable(String)

    public var detail: String {
        switch self {
        case .delivered(let id): return id
        case .transient(let why, _), .permanent(let why), .undeliverable(let why): return why
        }
    }

    public var kind: String {
        switch self {
        case .delivered: return "delivered"
        case .transient: return "transient"
        case .permanent, .undeliverable: return "permanent"
        }
    }
}

/// A request on one of the two transports the delivery stage speaks.
public enum ProviderRequest: Equatable, Sendable {
    case http(HTTPURL, HTTPRequest)
    case smtp(SMTPEndpoint, SMTPEnvelope)
}

/// A provider's final answer to one request.
public enum ProviderAnswer: Equatable, Sendable {
    case http(HTTPResponse)
    /// The relay's reply that ended the transaction, and the step it answered.
    case smtp(SMTPReply, during: SMTPClientSession.Phase)
}

/// A target the channel cannot deliver to; `message` says what form is expected.
public struct TargetError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
