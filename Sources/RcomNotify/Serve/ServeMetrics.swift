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

    /// Every counter and gauge of `/metrics`, listed once (`MetricsRegistry`): the tests hold
    /// the served page to it. The histograms follow it on the page (`page`).
    func registry(_ table: HTTPServerTable, waiting: Int, buckets: Int) -> MetricsRegistry {
        var r = MetricsRegistry(prefix: "rcom_serve")
        r.counter("events_accepted", "Events committed to the store and answered 202 (a used idempotency key is not counted).", eventsAccepted)
        r.counter("responses", "API answers by HTTP status.", label: "status", answers.keys.sorted().map { (String($0), answers[$0]!) })
        r.counter("rate_limited", "Requests answered 429 by a key's token bucket.", rateLimited)
        r.counter("queue_full", "Requests answered 503 because the store worker's queue was full.", queueFull)
        r.counter("deliveries", "Notifications carried out in-process, by channel and outcome.", labels: ["channel", "outcome"],
                  deliveries.keys.sorted().map { k in
                      let p = k.split(separator: " ")
                      return ([String(p[0]), String(p.count > 1 ? p[1] : "")], deliveries[k]!)
                  })
        r.gauge("queue_depth", "Requests waiting for the store worker.", waiting)
        r.gauge("rate_buckets", "API keys with a token bucket.", buckets)
        // The connection counters every server has, named as on the other servers' pages.
        r.serverTable(table.counters, connections: table.count)
        return r
    }

    func page(_ table: HTTPServerTable, waiting: Int, buckets: Int, build: BuildLabel) -> String {
        registry(table, waiting: waiting, buckets: buckets).page(build: build, histograms: [
            ("rcom_serve_delivery_latency_seconds", "From an event's acceptance to its outcome recorded (events delivered at once).", deliveryLatency),
            ("rcom_serve_store_commit_seconds", "One group commit of accepted events.", commitLatency),
        ])
    }
}
