public extension PrometheusExposition {
    /// What every server's `HTTPServerTable` counts, as `rcom_<server>_…` families.
    mutating func serverTable(_ prefix: String, _ c: HTTPServerTable.Counters, connections: Int) {
        gauge("rcom_\(prefix)_connections", "Open client connections.", connections)
        counter("rcom_\(prefix)_malformed_requests_total", "Requests refused by the HTTP codec (400, 413, 431, 501, 505).", c.malformed)
        counter("rcom_\(prefix)_request_timeouts_total", "Requests not complete within the request timeout (408).", c.requestTimeouts)
        counter("rcom_\(prefix)_idle_timeouts_total", "Keep-alive connections closed for idling.", c.idleTimeouts)
        counter("rcom_\(prefix)_connections_evicted_total", "Idle or half-sent connections closed to admit a new one.", c.evicted)
        counter("rcom_\(prefix)_connections_refused_at_limit_total", "Connections answered 503 at the connection budget.", c.refusedAtLimit)
    }
}
