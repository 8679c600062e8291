import RcomCore

/// The proxy's `GET /metrics` and `/stats`: one registry of its counters and gauges
/// (`registry`), rendered as both pages, and four latency histograms on `/metrics`. A value the
/// correlate stage owns (like its stats); observing is a few comparisons and additions into
/// arrays allocated once, so it can run on every request. The stages call the `observe…`
/// functions with instants the pipeline already has as `now_ns`; a client that leaves is not
/// observed (it was not answered; `clients_gone` counts it).
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

    /// Every number `/stats` and `/metrics` show, once. Bad requests are the stage's
    /// `badRequests` plus the codec's `malformed`. Names already exported stay as they are
    /// (dashboards read them): `timeouts` is `rcom_proxy_callback_timeouts_total`.
    public static func registry(stats s: ProxyStats, server c: HTTPServerTable.Counters, gauges g: Gauges,
                                upstreamConnectRetries: Int, upstreamIdleReleases: Int) -> MetricsRegistry {
        var r = MetricsRegistry(prefix: "rcom_proxy")
        r.gauge("clients_waiting", "Clients waiting for a callback.", g.clientsWaiting)
        r.gauge("client_connections", "Open client connections.", g.clientConnections)
        r.gauge("upstream_connections", "Open upstream connections (one per account).", g.upstreamConnections)
        r.gauge("upstream_queued", "Start requests queued for an upstream connection.", g.upstreamQueued)
        r.counter("requests", "Job requests from clients.", s.requests)
        r.counter("jobs_started", "Jobs started upstream for waiting clients.", s.jobsStarted)
        r.counter("jobs_delivered", "Waiting clients answered with their callback.", s.jobsDelivered)
        r.counter("forwarded_async", "wait:false requests forwarded as they are.", s.forwardedAsync)
        r.counter("callbacks_matched", "Callbacks matched to a waiting client.", s.callbacksMatched)
        r.counter("callbacks_early", "Callbacks that arrived before their start request was answered.", s.callbacksEarly)
        r.counter("callbacks_unknown", "Callbacks for no token the proxy issued (404).", s.callbacksUnknown)
        r.counter("callbacks_duplicate", "Callbacks repeated for a job already answered.", s.callbacksDuplicate)
        r.counter("callbacks_late", "Callbacks for a client that left or timed out.", s.callbacksLate)
        r.counter("timeouts", "Clients answered 504: no callback within --callback-timeout.", s.timeouts,
                  name: "rcom_proxy_callback_timeouts_total")
        r.counter("clients_gone", "Waiting clients that left before their answer.", s.clientsGone)
        r.counter("upstream_connect_retries", "Upstream connections retried after a refused connect.", upstreamConnectRetries)
        r.counter("upstream_idle_releases", "Upstream connections closed after idling for --upstream-idle-release.", upstreamIdleReleases)
        r.counter("upstream_failures", "Jobs answered 502: upstream unreachable or reset.", s.upstreamFailures)
        r.counter("upstream_ambiguous", "Starts in flight on an upstream connection that broke (the job may have started).", s.upstreamAmbiguous)
        r.counter("ambiguous_unresolved", "Of those, clients answered 502 because no callback came within the grace.", s.ambiguousUnresolved)
        r.counter("upstream_malformed_accepts", "2xx start answers whose body was not a JSON object (502).", s.upstreamMalformedAccepts)
        r.counter("upstream_timeouts", "Jobs answered 504: upstream silent for --start-timeout.", s.upstreamTimeouts)
        r.counter("upstream_errors_passed", "Upstream 4xx/5xx answers passed to the client.", s.upstreamErrorsPassed)
        r.counter("bad_requests", "Requests refused as malformed.", s.badRequests + c.malformed)
        r.counter("refused_overload", "Jobs refused 503 at the upstream queue bound.", s.refusedOverload)
        r.counter("request_timeouts", "Requests not complete within --header-timeout (408).", c.requestTimeouts)
        r.counter("idle_timeouts", "Keep-alive connections closed after --idle-timeout.", c.idleTimeouts)
        r.counter("connections_evicted", "Idle or half-sent connections closed to admit a new one.", c.evicted)
        r.counter("connections_refused_at_limit", "Connections answered 503 at --max-connections.", c.refusedAtLimit)
        r.gauge("finished_tokens_remembered", "Finished callback tokens kept to answer duplicates and late callbacks.", g.finishedTokensRemembered)
        r.gauge("draining", "1 while draining after SIGTERM.", flag: g.draining)
        return r
    }

    /// The `/metrics` page: the build, the registry, then the histograms.
    public func render(_ registry: MetricsRegistry, build: BuildLabel) -> String {
        registry.page(build: build, histograms: [
            ("rcom_proxy_request_duration_seconds", "Client job request complete to its answer written.", requestDuration),
            ("rcom_proxy_added_latency_seconds", "Request duration less the job server's part (start written to callback), for jobs answered by callback.", addedLatency),
            ("rcom_proxy_upstream_start_latency_seconds", "Upstream start request written to the job server's answer.", upstreamStartLatency),
            ("rcom_proxy_callback_wait_seconds", "Upstream start request written to its callback matched.", callbackWait),
        ])
    }
}
