import RcomCore

/// The job server's histograms, and its `GET /metrics` page: the `/stats` counters as
/// Prometheus counters, its gauges, and these two latencies.
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

    public func render(_ s: JobServerStats, _ g: Gauges, build: BuildLabel) -> String {
        var m = PrometheusExposition()
        build.render(into: &m)
        m.counter("rcom_jobserver_requests_total", "HTTP requests parsed.", s.requests)
        m.counter("rcom_jobserver_bad_requests_total", "Requests refused as malformed (400 and the codec's errors).", s.badRequests)
        m.counter("rcom_jobserver_jobs_started_total", "Jobs started.", s.jobsStarted)
        m.counter("rcom_jobserver_jobs_completed_total", "Jobs completed (their result sent or dropped by a fault).", s.jobsCompleted)
        m.counter("rcom_jobserver_wait_responses_total", "Jobs answered on their own connection (wait:true).", s.waitResponses)
        m.counter("rcom_jobserver_handler_waits_total", "Start requests that waited for their account's single handler.", s.handlerWaits)
        m.counter("rcom_jobserver_callbacks_sent_total", "Callback POSTs attempted (retries included).", s.callbacksSent)
        m.counter("rcom_jobserver_callbacks_answered_total", "Callbacks the receiver answered.", s.callbacksAnswered)
        m.counter("rcom_jobserver_callbacks_failed_total", "Callbacks given up (no answer after the retry, or the queue full).", s.callbacksFailed)
        m.counter("rcom_jobserver_callback_retries_total", "Callbacks retried on a fresh connection.", s.callbackRetries)
        m.counter("rcom_jobserver_faults_injected_total", "Faults injected (--faults), by kind.",
                  labeled: FaultSpec.Kind.allCases.map { ([("kind", $0.rawValue)], s.faults[$0, default: 0]) })
        m.gauge("rcom_jobserver_jobs_in_flight", "Jobs started and not completed.", g.jobsInFlight)
        m.gauge("rcom_jobserver_connections", "Open client connections.", g.connections)
        m.gauge("rcom_jobserver_accounts_held", "Accounts whose handler is held or waited for.", g.accountsHeld)
        m.gauge("rcom_jobserver_callback_connections", "Open connections to callback receivers.", g.callbackConnections)
        m.gauge("rcom_jobserver_callbacks_queued", "Callbacks waiting for a connection.", g.callbacksQueued)
        m.histogram("rcom_jobserver_job_duration_seconds", "From a job's start to its result leaving (wait response or callback POST).", jobDuration)
        m.histogram("rcom_jobserver_callback_latency_seconds", "From a callback's first POST to the receiver's answer.", callbackLatency)
        return m.text
    }
}

extension JobServerPipeline {
    func metricsPage() -> HTTPResponse {
        let gauges = JobServerMetrics.Gauges(jobsInFlight: jobsInFlight, connections: connections.count, accountsHeld: accounts.count,
                                             callbackConnections: callbacks.connectionCount, callbacksQueued: callbacks.queuedCount)
        return .metrics(metrics.render(stats, gauges, build: config.build))
    }
}
