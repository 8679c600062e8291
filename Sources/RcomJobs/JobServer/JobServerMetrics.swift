import RcomCore

/// The job server's histograms, and its one registry of counters and gauges (`registry`),
/// served as `/stats` and, with the histograms, as `GET /metrics`.
public struct JobServerMetrics: Sendable {
    /// From a job's start to its result leaving: the `wait:true` response, or the callback
    /// POST handed to the pool (after any injected delay). Dropped callbacks are not counted.
    public internal(set) var jobDuration = Histogram(bounds: HistogramBuckets.jobDuration)
    /// From a callback's first POST to the receiver's answer (queueing for a pool connection,
    /// connecting and one retry included). Callbacks that fail are counted in
    /// `callbacks_failed_total` instead.
    public internal(set) var callbackLatency = Histogram(bounds: HistogramBuckets.latency)

    public init() {}

    public struct Gauges: Sendable {
        public var jobsInFlight: Int
        public var connections: Int
        public var accountsHeld: Int
        public var callbackConnections: Int
        public var callbacksQueued: Int
    }

    /// Every number `/stats` and `/metrics` show, once (names already exported stay: `faults`
    /// is `rcom_jobserver_faults_injected_total{kind}`).
    public static func registry(_ s: JobServerStats, _ g: Gauges) -> MetricsRegistry {
        var r = MetricsRegistry(prefix: "rcom_jobserver")
        r.counter("requests", "HTTP requests parsed.", s.requests)
        r.counter("jobs_started", "Jobs started.", s.jobsStarted)
        r.counter("jobs_completed", "Jobs completed (their result sent or dropped by a fault).", s.jobsCompleted)
        r.counter("wait_responses", "Jobs answered on their own connection (wait:true).", s.waitResponses)
        r.counter("callbacks_sent", "Callback POSTs attempted (retries included).", s.callbacksSent)
        r.counter("callbacks_answered", "Callbacks the receiver answered.", s.callbacksAnswered)
        r.counter("callbacks_failed", "Callbacks given up (no answer after the retry, or the queue full).", s.callbacksFailed)
        r.counter("callback_retries", "Callbacks retried on a fresh connection.", s.callbackRetries)
        r.counter("bad_requests", "Requests refused as malformed (400 and the codec's errors).", s.badRequests)
        r.counter("handler_waits", "Start requests that waited for their account's single handler.", s.handlerWaits)
        r.counter("starts_repeated", "Start requests for a callback URL a job was already started for (a proxy re-sending).", s.startsRepeated)
        r.counter("faults", "Faults injected (--faults), by kind.", label: "kind",
                  FaultSpec.Kind.allCases.map { ($0.rawValue, s.faults[$0, default: 0]) }, name: "rcom_jobserver_faults_injected_total")
        r.gauge("jobs_in_flight", "Jobs started and not completed.", g.jobsInFlight)
        r.gauge("connections", "Open client connections.", g.connections)
        r.gauge("accounts_held", "Accounts whose handler is held or waited for.", g.accountsHeld)
        r.gauge("callback_connections", "Open connections to callback receivers.", g.callbackConnections)
        r.gauge("callbacks_queued", "Callbacks waiting for a connection.", g.callbacksQueued)
        return r
    }

    /// The `/metrics` page: the build, the registry, then the histograms.
    public func render(_ registry: MetricsRegistry, build: BuildLabel) -> String {
        registry.page(build: build, histograms: [
            ("rcom_jobserver_job_duration_seconds", "From a job's start to its result leaving (wait response or callback POST).", jobDuration),
            ("rcom_jobserver_callback_latency_seconds", "From a callback's first POST to the receiver's answer.", callbackLatency),
        ])
    }
}

extension JobServerPipeline {
    public var metricsRegistry: MetricsRegistry {
        var r = JobServerMetrics.registry(stats, JobServerMetrics.Gauges(jobsInFlight: jobsInFlight, connections: connections.count, accountsHeld: accounts.count,
                                                                         callbackConnections: callbacks.connectionCount, callbacksQueued: callbacks.queuedCount))
        if let t = tracing { r.spanExport(t.exportCounters) }
        return r
    }

    func metricsPage() -> HTTPResponse { .metrics(metrics.render(metricsRegistry, build: config.build)) }
}
