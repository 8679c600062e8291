import RcomCore

/// When the single per-account handler is released.
public enum HandlerHold: String, Sendable, CaseIterable {
    /// Released as soon as a response is written (default; the forgiving reading).
    case request
    /// Kept until the connection that took it closes (the strict reading: one connection per account).
    case connection
}

/// Everything a job server needs to be rebuilt exactly (a trace header carries it).
public struct JobServerConfig: Sendable {
    public var job_ms: Int64 = 500
    public var secret: [UInt8] = Array("rcom-default-secret".utf8)
    public var hold = HandlerHold.request
    public var faults = FaultSpec()
    public var seed: UInt64 = 1
    /// Wall-clock milliseconds at monotonic time 0: startedAt = this + now.
    public var wallOrigin_ms: Int64 = 1_435_591_735_000
    /// Request sizes, header and idle timeouts, the connection budget, read back-pressure.
    public var server = HTTPServerLimits.standard
    public var limits: HTTPLimits { server.http }
    /// Keep-alive connections the server opens per callback host; more callbacks queue.
    public var callbackConnectionsPerHostMax = 64
    /// Callbacks waiting for a connection, over all hosts; beyond it a callback is dropped and counted.
    public var callbackQueueMax = 100_000
    /// Jobs in progress; beyond it `/start` answers 503.
    public var jobsInFlightMax = 200_000
    public var verifyJobsExpected = 50
    public var verifyDeadline_ms: Int64 = 5000
    /// Reported by `/healthz` and `rcom_build_info`.
    public var build = BuildLabel.none

    public init() {}

    public var traceConfig: [(String, String)] {
        [("job_ms", "\(job_ms)"), ("secret_hex", secret.map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()),
         ("hold", hold.rawValue), ("faults", faults.description), ("seed", "\(seed)"), ("wall_origin_ms", "\(wallOrigin_ms)")]
            + server.traceConfig + build.traceConfig
    }

    public static func fromTrace(_ c: [String: String]) -> JobServerConfig? {
        var cfg = JobServerConfig()
        guard let job = c["job_ms"].flatMap({ Int64($0) }), let hex = c["secret_hex"], let hold = c["hold"].flatMap(HandlerHold.init),
              let seed = c["seed"].flatMap({ UInt64($0) }), let wall = c["wall_origin_ms"].flatMap({ Int64($0) }),
              case .success(let faults) = FaultSpec.parse(c["faults"] ?? "") else { return nil }
        var bytes: [UInt8] = []
        var it = Array(hex.utf8)[...]
        while it.count >= 2, let b = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) {
            bytes.append(b)
            it = it.dropFirst(2)
        }
        cfg.job_ms = job
        cfg.secret = bytes
        cfg.hold = hold
        cfg.seed = seed
        cfg.wallOrigin_ms = wall
        cfg.faults = faults
        cfg.build = BuildLabel(trace: c)
        cfg.server = HTTPServerLimits(trace: c, before: .unbounded(http: cfg.server.http))
        return cfg
    }
}

/// What the server counts, served on `GET /stats`.
public struct JobServerStats: Sendable {
    public var requests = 0
    public var jobsStarted = 0
    public var jobsCompleted = 0
    public var waitResponses = 0
    public var callbacksSent = 0
    public var callbacksAnswered = 0
    public var callbacksFailed = 0
    public var callbackRetries = 0
    public var badRequests = 0
    public var handlerWaits = 0
    /// Start requests whose callback URL a job was already started for (a proxy re-sending).
    public var startsRepeated = 0
    public var faults: [FaultSpec.Kind: Int] = [:]

    public var json: String {
        let f = FaultSpec.Kind.allCases.map { ($0.rawValue, "\(faults[$0, default: 0])") }
        return JSONText.object([
            ("requests", "\(requests)"), ("jobs_started", "\(jobsStarted)"), ("jobs_completed", "\(jobsCompleted)"),
            ("wait_responses", "\(waitResponses)"), ("callbacks_sent", "\(callbacksSent)"),
            ("callbacks_answered", "\(callbacksAnswered)"), ("callbacks_failed", "\(callbacksFailed)"), ("callback_retries", "\(callbackRetries)"),
            ("bad_requests", "\(badRequests)"), ("handler_waits", "\(handlerWaits)"),
            ("starts_repeated", "\(startsRepeated)"), ("faults", JSONText.object(f)),
        ])
    }
}
