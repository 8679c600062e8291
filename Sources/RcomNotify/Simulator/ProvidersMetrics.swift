import RcomCore

/// The provider simulator's one registry of counters and gauges, served as `GET /_sim/stats`
/// and `GET /metrics`: calls by channel (every known channel, in a fixed order, zeros
/// included), simulated clicks, and its HTTP server's counters.
extension ProvidersPipeline {
    var metricsRegistry: MetricsRegistry {
        func byChannel(_ d: [String: Int]) -> [(String, Int)] { Self.channels.map { ($0, d[$0, default: 0]) } }
        var r = MetricsRegistry(prefix: "rcom_providers")
        r.counter("requests", "Provider calls received, by channel.", label: "channel", byChannel(stats.requests))
        r.counter("accepted", "Provider calls accepted, by channel.", label: "channel", byChannel(stats.accepted))
        r.counter("faulted", "Provider calls answered with an injected fault, by channel.", label: "channel", byChannel(stats.faulted))
        r.counter("clicks_queued", "Simulated clicks on tracking links queued.", stats.clicksQueued)
        r.counter("clicks_answered", "Simulated clicks the tracking server answered.", stats.clicksAnswered)
        r.counter("clicks_failed", "Simulated clicks that failed.", stats.clicksFailed)
        r.counter("clicks_dropped", "Simulated clicks dropped at the queue bound.", stats.clicksDropped)
        r.gauge("clicks_pending", "Simulated clicks queued or in flight.", stats.clicksPending)
        r.counter("captured_dropped", "Requests not kept for inspection (past the capture bound).", stats.capturedDropped)
        r.serverTable(serverCounters, connections: connectionCount)
        return r
    }

    var metricsPage: String { metricsRegistry.page(build: config.build) }
}
