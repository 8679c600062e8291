/// The delivery stage's limits and retry rules, in one place.
public struct DeliveryPolicy: Sendable, Equatable {
    /// Attempts per notification, the first included.
    public var attemptsMax = 4
    /// Backoff before attempt n+1: min(cap, base × 2^(n-1)), then "equal jitter" (half fixed,
    /// half random) so notifications that failed together do not retry together.
    public var backoffBase_ms: Int64 = 250
    public var backoffCap_ms: Int64 = 8_000
    /// An attempt with no final answer by then is abandoned (its connection reset) and counts
    /// as a transient failure.
    public var attemptTimeout_ms: Int64 = 10_000
    /// An SMTP relay that has sent nothing this long after the connection opened is taken for
    /// an implicit-TLS port waiting for our ClientHello (`smtp://` pointed at 465): the attempt
    /// ends at once, permanently, saying to use `smtps://` (instead of 4 attempts × the timeout).
    public var smtpGreetingTimeout_ms: Int64 = 5_000
    /// A provider's `Retry-After` is honoured up to this; a longer one ends the notification as failed
    /// (a CLI should not sit silent for an hour).
    public var retryAfterMax_ms: Int64 = 60_000
    /// Connections open at once. Notifications beyond it wait in the stage's ready queue.
    public var connectionsMax = 64
    /// Notifications held by the stage (waiting, in flight, or between retries). At the bound
    /// `submit` refuses and the caller stops feeding until one finishes.
    public var notificationsMax = 10_000
    /// Schemes carried outside the reactor by the owner's `RequestCarrier` (URLSession): https,
    /// as the reactor speaks no TLS. Tests add "http" to run the carrier against the simulator.
    public var carriedSchemes: Set<String> = ["https"]

    /// When a deferred notification (see `Channel.defersTransientFailures`) may be tried again.
    public var pending = PendingSchedule()

    public init() {}

    /// The wait before attempt `failed + 1`, given a uniform draw `unit` in [0, 1).
    public func backoff_ms(afterAttempt failed: Int, unit: Double) -> Int64 {
        let shift = min(max(failed - 1, 0), 30)
        let full = min(backoffCap_ms, backoffBase_ms << Int64(shift))
        return full / 2 + Int64(Double(full / 2) * unit)
    }
}
