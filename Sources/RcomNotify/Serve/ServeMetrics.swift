import RcomCore

/// What `rcom serve` counts, rendered as its `/metrics` page. Everything here is fed by the
/// pipeline from the events it handles (answers and delivery reports arrive in wakeups), so a
/// replayed trace counts the same.
public struct ServeMetrics {
    public private(set) var eventsAccepted = 0
    public private(set) var answers: [Int: Int] = [:]
    public private(set) var rateLimited = 0
    public private(set) var queueFull = 0
    /// "channel outcome" → notifications.
    public private(set) var deliveries: [String: Int] = [:]
    public private(set) var deliveryLatency = Histogram(bounds: HistogramBuckets.latency)
    public private(set) var commitLatency = Histogram(bounds: HistogramBuckets.latency)

    mutating func answered(_ status: Int) { answers[status, default: 0] += 1 }
    mutating func limited() { rateLimited += 1 }
    mutating func refusedFull() { queueFull += 1 }

    mutating func committed(_ a: ServeAnswers) {
        eventsAccepted += a.accepted
        if a.accepted > 0 { commitLatency.observe(Double(a.commit_ns) / 1e9) }
    }

    /// A `DueRunner` report: lines `channel outcome`, then maybe `latency_ms N`.
    mutating func delivered(_ payload: [UInt8]) {
        for line in String(decoding: payload, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2 else { continue }
            if parts[0] == "latency_ms" {
                if let ms = Int64(parts[1]) { deliveryLatency.observe(Double(max(0, ms)) / 1000) }
            } else if deliveries.count < 256 || deliveries[String(line)] != nil {
                // Bounded: channels and outcomes are a handful; a flood of odd names stops at 256.
                deliveries[String(line), default: 0] += 1
            }
        }
    }

    func page(_ table: HTTPServerTable, waiting: Int, buckets: Int, build: BuildLabel) -> String {
        var m = PrometheusExposition()
        build.render(into: &m)
        m.counter("rcom_serve_events_accepted_total", "Events committed to the store and answered 202 (a used idempotency key is not counted).", eventsAccepted)
        m.counter("rcom_serve_responses_total", "API answers by HTTP status.", labeled: answers.keys.sorted().map { ([("status", String($0))], answers[$0]!) })
        m.counter("rcom_serve_rate_limited_total", "Requests answered 429 by a key's token bucket.", rateLimited)
        m.counter("rcom_serve_queue_full_total", "Requests answered 503 because the store worker's queue was full.", queueFull)
        m.counter("rcom_serve_deliveries_total", "Notifications carried out in-process, by channel and outcome.",
                  labeled: deliveries.keys.sorted().map { k in
                      let p = k.split(separator: " ")
                      return ([("channel", String(p[0])), ("outcome", String(p.count > 1 ? p[1] : ""))], deliveries[k]!)
                  })
        m.gauge("rcom_serve_queue_depth", "Requests waiting for the store worker.", waiting)
        m.gauge("rcom_serve_rate_buckets", "API keys with a token bucket.", buckets)
        m.histogram("rcom_serve_delivery_latency_seconds", "From an event's acceptance to its outcome recorded (events delivered at once).", deliveryLatency)
        m.histogram("rcom_serve_store_commit_seconds", "One group commit of accepted events.", commitLatency)
        // The connection counters every server has, named as on the other servers' pages.
        var connections = MetricsRegistry(prefix: "rcom_serve")
        connections.serverTable(table.counters, connections: table.count)
        connections.render(into: &m)
        return m.text
    }
}
