/// One attempt, as the store records it.
public struct AttemptRecord: Sendable, Equatable {
    public let notificationID: String
    public let channel: String
    /// 1-based.
    public let attempt: Int
    public let result: DeliveryResult
    public let started_ns: UInt64
    public let duration_ns: UInt64
    /// The provider's last status in this attempt (HTTP status or SMTP reply code), if it answered.
    public var providerStatus: Int? = nil
    /// The host and port the attempt went to.
    public var peerHost: String? = nil
    public var peerPort: Int = 0
}

/// How a notification ended.
public struct DeliveryOutcome: Sendable, Equatable {
    public let notification: Notification
    public let delivered: Bool
    /// The last attempt's result: the provider's message id, or why it failed.
    public let result: DeliveryResult
    /// Attempts in this round (a `--retry-pending` run starts a new round).
    public let attempts: Int
    /// Set when the notification stays pending: its temporary failures outlasted the quick
    /// retries and its channel defers them (`Channel.defersTransientFailures`); the wall-clock
    /// time (Unix ms) from which `rcom send --retry-pending` may try it again.
    public var nextAttempt_ms: Int64? = nil
}

/// What the delivery stage tells its owner.
public enum DeliveryReport: Sendable, Equatable {
    case attempt(AttemptRecord)
    case finished(DeliveryOutcome)
}
