import RcomCore

/// `rcom track`'s `GET /metrics`: requests, clicks by outcome (disjoint: one per tracking-link
/// request), and its HTTP server's counters.
extension TrackPipeline {
    var metricsPage: String {
        var m = PrometheusExposition()
        build.render(into: &m)
        m.counter("rcom_track_requests_total", "HTTP requests answered.", requests)
        m.counter("rcom_track_clicks_total", "Tracking-link requests by outcome: first (engagement), repeated, unknown notification, not counted (HEAD or a link-preview bot), store error.",
                  labeled: [([("result", "first")], counts.first), ([("result", "repeated")], counts.repeated),
                            ([("result", "unknown")], counts.unknown), ([("result", "not_counted")], counts.notCounted),
                            ([("result", "store_error")], counts.storeErrors)])
        m.serverTable("track", serverCounters, connections: connectionCount)
        return m.text
    }
}
