import RcomCore

/// How the providers simulator behaves, and its bounds.
public struct ProvidersConfig: Sendable {
    public var faults = ProviderFaults()
    /// Channel → probability that a delivered message's tracking link gets clicked.
    public var engage: [String: Double] = [:]
    /// What a 429 fault says in `Retry-After`.
    public var retryAfter_s = 1
    /// Seeds message ids, fault draws and click draws: same seed, same run.
    public var seed: UInt64 = 1
    /// Requests kept for inspection (the first ones); later ones are only counted.
    public var capturedMax = 1_000
    /// Clicks waiting to be made; past it a click is dropped and counted.
    public var clickQueueMax = 10_000
    public var clicksInFlightMax = 32
    /// Its HTTP clients' bounds: request sizes, timeouts, connection budget, read back-pressure.
    public var server = HTTPServerLimits(http: .standard)
    public var smtpMessageBytesMax = 1 << 20
    /// Reported by `/healthz` and `/metrics`.
    public var build = BuildLabel.none

    public init() {}
}

/// One provider call the simulator accepted for processing, as received.
public struct CapturedRequest: Sendable, Equatable {
    public let channel: String
    /// The recipient as the provider saw it (To, RCPT TO, webhook path).
    public let target: String
    /// The text the recipient would read.
    public let text: String
    /// HTTP providers: the request as decoded off the wire.
    public let http: HTTPRequest?
    /// SMTP: the client's command lines and the message after dot-unstuffing.
    public let smtpCommands: [String]
    public let smtpMessage: [UInt8]
    /// The simulator's answer (status line or SMTP reply), or what the fault did instead.
    public let answer: String
}

/// Counters the simulator serves at `GET /_sim/stats`.
public struct ProviderStats: Sendable, Equatable {
    public var requests: [String: Int] = [:]
    public var accepted: [String: Int] = [:]
    public var faulted: [String: Int] = [:]
    public var clicksQueued = 0
    public var clicksAnswered = 0
    public var clicksFailed = 0
    public var clicksDropped = 0
    public var capturedDropped = 0

    public var clicksPending: Int { clicksQueued - clicksAnswered - clicksFailed }

    /// Keys in sorted order: output never follows a Dictionary's hash order.
    public var json: String {
        func map(_ d: [String: Int]) -> String {
            JSONText.object(d.keys.sorted().map { ($0, String(d[$0]!)) })
        }
        return JSONText.object([
            ("requests", map(requests)), ("accepted", map(accepted)), ("faulted", map(faulted)),
            ("clicks_queued", String(clicksQueued)), ("clicks_answered", String(clicksAnswered)),
            ("clicks_failed", String(clicksFailed)), ("clicks_dropped", String(clicksDropped)),
            ("clicks_pending", String(clicksPending)),
        ])
    }
}
