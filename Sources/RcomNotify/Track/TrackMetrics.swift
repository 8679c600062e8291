import RcomCore

/// `rcom track`'s one registry of counters and gauges, served as `GET /stats` and
/// `GET /metrics`: requests, clicks by outcome (disjoint: one per tracking-link request), and
/// its HTTP server's counters.
extension TrackPipeline {
    public var metricsRegistry: MetricsRegistry {
        var r = MetricsRegistry(prefix: "rcom_track")
        r.counter("requests", "HTTP requests answered.", requests)
        r.counter("clicks", "Tracking-link requests by outcome: first (engagement), repeated, unknown notification, not counted (HEAD or a link-preview bot), store error.",
                  label: "result", [("first", counts.first), ("repeated", counts.repeated), ("unknown", counts.unknown),
                                    ("not_counted", counts.notCounted), ("store_error", counts.storeErrors)])
        r.serverTable(serverCounters, connections: connectionCount)
        return r
    }

    var metricsPage: String { metricsRegistry.page(build: build) }
}
