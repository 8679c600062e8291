import RcomCore

/// The provider simulator's `GET /metrics`: what `/_sim/stats` shows, by channel (every known
/// channel, in a fixed order, zeros included), and its HTTP server's counters.
extension ProvidersPipeline {
    var metricsPage: String {
        func byChannel(_ d: [String: Int]) -> [(PrometheusExposition.Labels, Int)] {
            Self.channels.map { ([("channel", $0)], d[$0, default: 0]) }
        }
        var m = PrometheusExposition()
        config.build.render(into: &m)
        m.counter("rcom_providers_requests_total", "Provider calls received, by channel.", labeled: byChannel(stats.requests))
        m.counter("rcom_providers_accepted_total", "Provider calls accepted, by channel.", labeled: byChannel(stats.accepted))
        m.counter("rcom_providers_faulted_total", "Provider calls answered with an injected fault, by channel.", labeled: byChannel(stats.faulted))
        m.counter("rcom_providers_clicks_queued_total", "Simulated clicks on tracking links queued.", stats.clicksQueued)
        m.counter("rcom_providers_clicks_answered_total", "Simulated clicks the tracking server answered.", stats.clicksAnswered)
        m.counter("rcom_providers_clicks_failed_total", "Simulated clicks that failed.", stats.clicksFailed)
        m.counter("rcom_providers_clicks_dropped_total", "Simulated clicks dropped at the queue bound.", stats.clicksDropped)
        m.counter("rcom_providers_captured_dropped_total", "Requests not kept for inspection (past the capture bound).", stats.capturedDropped)
        m.gauge("rcom_providers_clicks_pending", "Simulated clicks queued or in flight.", stats.clicksPending)
        m.serverTable("providers", serverCounters, connections: connectionCount)
        return m.text
    }
}
