/// Every bound an rcom HTTP server puts on the clients it serves, one story for all four
/// servers (proxy, job server, track, providers simulator). Each says what happens at it.
public struct HTTPServerLimits: Equatable, Sendable {
    /// Request line, headers and body sizes: past them the client gets 414, 431 or 413 and the
    /// connection closes.
    public var http: HTTPLimits
    /// Header/body timeout (a request not complete this long after its first byte: 408, close)
    /// and idle timeout (a keep-alive connection with nothing outstanding: closed).
    public var timeouts: HTTPServerTimeouts
    /// Client connections at once. At the bound the connection idle or half-sent longest (and at
    /// least `timeouts.evictableAfter_ms`) is closed to admit the newcomer; when every one is
    /// being served the newcomer is answered 503 and closed.
    public var connectionsMax: Int
    /// Read back-pressure: a connection whose answers wait unsent (the client is not reading)
    /// past this many bytes is not read again until they drain below `readResumeBytes`, so a
    /// client pipelining requests without reading holds at most about this much of the
    /// server's memory instead of every answer it asked for...
    public var readPauseBytes = 1 << 20
    public var readResumeBytes = 256 << 10
    /// ...and one that lets them pass this is reset: it is not reading and will not be buffered for.
    public var writeQueueBytesMax = 16 << 20

    public init(http: HTTPLimits = HTTPLimits(bodyBytesMax: 64 << 10), timeouts: HTTPServerTimeouts = .standard,
                connectionsMax: Int = 10_000) {
        self.http = http
        self.timeouts = timeouts
        self.connectionsMax = connectionsMax
    }

    /// 64 KiB bodies, 10 s to send a request, 60 s idle, 10,000 connections.
    public static let standard = HTTPServerLimits()
}

extension HTTPServerTable {
    /// A table bounded by `limits` (see `init(limits:timeouts:connectionsMax:overLimitMax:timerID:)`).
    public init(_ limits: HTTPServerLimits, overLimitMax: Int = 0, timerID: TimerID) {
        self.init(limits: limits.http, timeouts: limits.timeouts, connectionsMax: limits.connectionsMax,
                  overLimitMax: overLimitMax, timerID: timerID)
    }
}

extension HTTPServerLimits {
    /// What a trace header carries so that a replay times connections out as the run did.
    public var traceConfig: [(String, String)] {
        [("request_timeout_ms", "\(timeouts.request_ms)"), ("idle_timeout_ms", "\(timeouts.idle_ms)"),
         ("connections_max", "\(connectionsMax)")]
    }

    /// From a trace header; a value it lacks (recorded before limits were) is `before`'s, the
    /// limits the server ran with then.
    public init(trace c: [String: String], before: HTTPServerLimits) {
        self.init(http: before.http,
                  timeouts: HTTPServerTimeouts(request_ms: c["request_timeout_ms"].flatMap { Int64($0) } ?? before.timeouts.request_ms,
                                               idle_ms: c["idle_timeout_ms"].flatMap { Int64($0) } ?? before.timeouts.idle_ms),
                  connectionsMax: c["connections_max"].flatMap { Int($0) } ?? before.connectionsMax)
    }

    /// What track and the providers simulator ran with before they had a connection budget.
    public static func unbudgeted(http: HTTPLimits) -> HTTPServerLimits {
        HTTPServerLimits(http: http, timeouts: .standard, connectionsMax: .max)
    }

    /// What the job server ran with before it had timeouts or a budget.
    public static func unbounded(http: HTTPLimits) -> HTTPServerLimits {
        HTTPServerLimits(http: http, timeouts: HTTPServerTimeouts(request_ms: Int64(Int32.max), idle_ms: Int64(Int32.max)), connectionsMax: .max)
    }
}
