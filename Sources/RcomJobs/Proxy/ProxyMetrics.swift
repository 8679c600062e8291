import RcomCore

/// The proxy's `GET /metrics`: its `/stats` counters and gauges as Prometheus families, and
/// four latency histograms. A value the pipeline owns (like its stats); observing is a few
/// comparisons and additions into arrays allocated once, so it can run on every request.
///
/// ## Wiring (for ProxyPipeline; each call passes instants the pipeline already has as `now_ns`)
///
/// 1. Hold it: `private(set) var metrics = ProxyMetrics()` in `ProxyPipeline`, and carry the
///    build: `public var build = BuildLabel.none` in `ProxyConfig`, appended to its
///    `traceConfig` (`+ build.traceConfig`) and read back in `fromTrace` (`BuildLabel(trace:)`),
///    set by `ProxyCommand` to `BuildLabel(version: RcomBuild.version, commit: RcomBuild.commit)`
///    (import RcomBuildInfo). `/healthz` answers `config.build.healthJSON` (503 while draining
///    as now; the body may stay as it is then).
/// 2. Remember per waiting job: `requested_ns` (the event that completed the client's request),
///    `startSent_ns` (the handle in which its upstream start request was written), and, per
///    upstream start request, its send time (FIFO per lane, like the requests themselves).
/// 3. Call:
///    - an upstream start request answered (the `running` response or an error status), in the
///      upstream stage's outcome handling:
///      `metrics.observeUpstreamStart(sent_ns: startSent_ns, answered_ns: now_ns)`
///    - a callback matched to a waiting client (CorrelateStage, callback path):
///      `metrics.observeCallbackWait(startSent_ns: startSent_ns, callback_ns: now_ns)`
///    - the client answered with the callback's JSON (the delivery of that callback):
///      `metrics.observeJobAnswered(requested_ns:, startSent_ns:, callback_ns:, answered_ns: now_ns)`
///    - the client answered any other way (4xx/5xx from upstream, 502, 504, 503 at drain):
///      `metrics.observeRequestAnswered(requested_ns:, answered_ns: now_ns)`
///    A client that leaves is not observed (it was not answered; `clients_gone` counts it).
/// 4. Route `GET /metrics` (and 405 for other methods, like `/stats`) to
///    `.metrics(metrics.render(stats: correlate.stats, server: server.counters,
///        gauges: ProxyMetrics.Gauges(clientsWaiting: correlate.waitingCount, clientConnections: server.count,
///            upstreamConnections: upstream.connectionCount, upstreamQueued: upstream.queuedCount,
///            finishedTokensRemembered: correlate.finishedRemembered, draining: drain.started),
///        upstreamConnectRetries: upstream.connectRetries, build: config.build))`
///    (`HTTPResponse.metrics` sets the 0.0.4 content type).
/// 5. `MetricsEndpointTests` shows the end-to-end check: start the binary, GET /metrics, pipe
///    it to `Promtool.problems`; `ProxyMetricsTests` already checks this page's format.
///
/// Logs: `ProxyCommand` passes `logger: try LogOptions.logger(args)` to `ServerRunner.run`
/// (options `+ LogOptions.options`) and gets the starting/listening/stopped lines, and with
/// `--access-log` one line per request (tokens in `/callback/<token>` shortened).
public struct ProxyMetrics: Sendable {
    /// Client request complete → its answer written, for every answered job request.
    public private(set) var requestDuration = Histogram(bounds: HistogramBuckets.latency)
    /// What the proxy adds to a job answered by callback: the request's duration less the job
    /// server's part (start request written → callback arrived). Queueing for the upstream
    /// connection, parsing, correlation and delivery are in it; the job itself is not.
    public private(set) var addedLatency = Histogram(bounds: HistogramBuckets.latency)
    /// Upstream start request written → the job server's answer to it (`running`, or an error).
    public private(set) var upstreamStartLatency = Histogram(bounds: HistogramBuckets.latency)
    /// Upstream start request written → its callback matched: the job plus the job server's
    /// callback delivery.
    public private(set) var callbackWait = Histogram(bounds: HistogramBuckets.jobDuration)

    public init() {}

    public mutating func observeUpstreamStart(sent_ns: Instant_ns, answered_ns: Instant_ns) {
        upstreamStartLatency.observe(from: sent_ns, to: answered_ns)
    }

    public mutating func observeCallbackWait(startSent_ns: Instant_ns, callback_ns: Instant_ns) {
        callbackWait.observe(from: startSent_ns, to: callback_ns)
    }

    /// A job answered with its callback: request duration and added latency.
    public mutating func observeJobAnswered(requested_ns: Instant_ns, startSent_ns: Instant_ns, callback_ns: Instant_ns, answered_ns: Instant_ns) {
        requestDuration.observe(from: requested_ns, to: answered_ns)
        let total = answered_ns >= requested_ns ? answered_ns - requested_ns : 0
        let jobServer = callback_ns >= startSent_ns ? callback_ns - startSent_ns : 0
        addedLatency.observe(Double(total >= jobServer ? total - jobServer : 0) / 1e9)
    }

    /// A job request answered without a callback (an error status): its duration only.
    public mutating func observeRequestAnswered(requested_ns: Instant_ns, answered_ns: Instant_ns) {
        requestDuration.observe(from: requested_ns, to: answered_ns)
    }

    public struct Gauges: Sendable {
        public var clientsWaiting: Int
        public var clientConnections: Int
        public var upstreamConnections: Int
        public var upstreamQueued: Int
        public var finishedTokensRemembered: Int
        public var draining: Bool

        public init(clientsWaiting: Int, clientConnections: Int, upstreamConnections: Int, upstreamQueued: Int,
                    finishedTokensRemembered: Int, draining: Bool) {
            self.clientsWaiting = clientsWaiting
            self.clientConnections = clientConnections
            self.upstreamConnections = upstreamConnections
            self.upstreamQueued = upstreamQueued
            self.finishedTokensRemembered = finishedTokensRemembered
            self.draining = draining
        }
    }

    /// The page: the same numbers as `/stats` (bad requests there are `badRequests` plus the
    /// codec's `malformed`; here too), then the histograms.
    public func render(stats s: ProxyStats, server c: HTTPServerTable.Counters, gauges g: Gauges,
                       upstreamConnectRetries: Int, build: BuildLabel) -> String {
        var m = PrometheusExposition()
        build.render(into: &m)
        m.counter("rcom_proxy_requests_total", "Job requests from clients.", s.requests)
        m.counter("rcom_proxy_jobs_started_total", "Jobs started upstream for waiting clients.", s.jobsStarted)
        m.counter("rcom_proxy_jobs_delivered_total", "Waiting clients answered with their callback.", s.jobsDelivered)
        m.counter("rcom_proxy_forwarded_async_total", "wait:false requests forwarded as they are.", s.forwardedAsync)
        m.counter("rcom_proxy_callbacks_matched_total", "Callbacks matched to a waiting client.", s.callbacksMatched)
        m.counter("rcom_proxy_callbacks_early_total", "Callbacks that arrived before their start request was answered.", s.callbacksEarly)
        m.counter("rcom_proxy_callbacks_unknown_total", "Callbacks for no token the proxy issued (404).", s.callbacksUnknown)
        m.counter("rcom_proxy_callbacks_duplicate_total", "Callbacks repeated for a job already answered.", s.callbacksDuplicate)
        m.counter("rcom_proxy_callbacks_late_total", "Callbacks for a client that left or timed out.", s.callbacksLate)
        m.counter("rcom_proxy_callback_timeouts_total", "Clients answered 504: no callback within --callback-timeout.", s.timeouts)
        m.counter("rcom_proxy_clients_gone_total", "Waiting clients that left before their answer.", s.clientsGone)
        m.counter("rcom_proxy_upstream_connect_retries_total", "Upstream connections retried after a refused connect.", upstreamConnectRetries)
        m.counter("rcom_proxy_upstream_failures_total", "Jobs answered 502: upstream unreachable or reset.", s.upstreamFailures)
        m.counter("rcom_proxy_upstream_timeouts_total", "Jobs answered 504: upstream silent for --start-timeout.", s.upstreamTimeouts)
        m.counter("rcom_proxy_upstream_errors_passed_total", "Upstream 4xx/5xx answers passed to the client.", s.upstreamErrorsPassed)
        m.counter("rcom_proxy_bad_requests_total", "Requests refused as malformed.", s.badRequests + c.malformed)
        m.counter("rcom_proxy_refused_overload_total", "Jobs refused 503 at the upstream queue bound.", s.refusedOverload)
        m.counter("rcom_proxy_request_timeouts_total", "Requests not complete within --header-timeout (408).", c.requestTimeouts)
        m.counter("rcom_proxy_idle_timeouts_total", "Keep-alive connections closed after --idle-timeout.", c.idleTimeouts)
        m.counter("rcom_proxy_connections_evicted_total", "Idle or half-sent connections closed to admit a new one.", c.evicted)
        m.counter("rcom_proxy_connections_refused_at_limit_total", "Connections answered 503 at --max-connections.", c.refusedAtLimit)
        m.gauge("rcom_proxy_clients_waiting", "Clients waiting for a callback.", g.clientsWaiting)
        m.gauge("rcom_proxy_client_connections", "Open client connections.", g.clientConnections)
        m.gauge("rcom_proxy_upstream_connections", "Open upstream connections (one per account).", g.upstreamConnections)
        m.gauge("rcom_proxy_upstream_queued", "Start requests queued for an upstream connection.", g.upstreamQueued)
        m.gauge("rcom_proxy_finished_tokens_remembered", "Finished callback tokens kept to answer duplicates and late callbacks.", g.finishedTokensRemembered)
        m.gauge("rcom_proxy_draining", "1 while draining after SIGTERM.", g.draining ? 1 : 0)
        m.histogram("rcom_proxy_request_duration_seconds", "Client job request complete to its answer written.", requestDuration)
        m.histogram("rcom_proxy_added_latency_seconds", "Request duration less the job server's part (start written to callback), for jobs answered by callback.", addedLatency)
        m.histogram("rcom_proxy_upstream_start_latency_seconds", "Upstream start request written to the job server's answer.", upstreamStartLatency)
        m.histogram("rcom_proxy_callback_wait_seconds", "Upstream start request written to its callback matched.", callbackWait)
        return m.text
    }
}
