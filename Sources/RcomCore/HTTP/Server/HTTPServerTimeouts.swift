/// How long a server waits on a client that is not waiting on the server (nginx's
/// `client_header_timeout` / `keepalive_timeout`, HAProxy's `timeout http-request`).
public struct HTTPServerTimeouts: Equatable, Sendable {
    /// A request, head and body, must be complete this long after its first byte arrives;
    /// beyond it the client gets `408` and the connection closes. Covering the body too is the
    /// minimum rate rule: with a 64 KiB body bound and 10 s, a body trickling slower than
    /// 6.4 KiB/s is cut off.
    public var request_ms: Int64
    /// A keep-alive connection with nothing outstanding and nothing buffered is closed after
    /// this long. A connection whose request is being served is never timed out here (the
    /// server's own timeouts, such as the proxy's callback timeout, govern it).
    public var idle_ms: Int64
    /// Timeouts are checked in batches: one fires up to this late, so a burst of connections
    /// costs one timer, not one each.
    public var granularity_ms: Int64 = 250
    /// At the connection budget only a connection idle or half-sent for at least this long is
    /// closed to make room: one accepted a moment ago has its request still on the way (under a
    /// burst, evicting those would close every newcomer unanswered).
    public var evictableAfter_ms: Int64 = 1_000

    public init(request_ms: Int64, idle_ms: Int64) {
        self.request_ms = request_ms
        self.idle_ms = idle_ms
    }

    public static let standard = HTTPServerTimeouts(request_ms: 10_000, idle_ms: 60_000)
}
