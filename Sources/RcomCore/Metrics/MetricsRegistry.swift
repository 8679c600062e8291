/// One server's counters and gauges, listed once and rendered twice: as its `/stats` JSON object
/// and as families of its `GET /metrics` page. Each server builds its registry in one place
/// (`ProxyMetrics.registry`, `JobServerPipeline.metricsRegistry`, …), so a number added there
/// appears in both, and the two pages can no longer drift apart.
///
/// Built per scrape (a few dozen entries): the hot path only bumps the integers the entries
/// are read from.
public struct MetricsRegistry: Sendable {
    public enum Kind: Sendable, Equatable { case counter, gauge }

    public enum Value: Sendable {
        case int(Int)
        /// JSON `true`/`false`; Prometheus 1/0.
        case flag(Bool)
        /// One sample per label value (`label="value"`); in JSON an object keyed by the values,
        /// in the order given (callers list every value, zeros included).
        case labeled(label: String, [(String, Int)])
        /// One sample per set of label values (`a="x",b="y"`); in JSON an object keyed by the
        /// values joined with `/` (such as `"slack/delivered"`).
        case multiLabeled(labels: [String], [([String], Int)])
    }

    public struct Entry: Sendable {
        /// The `/stats` key.
        public let key: String
        /// The Prometheus family.
        public let name: String
        public let help: String
        public let kind: Kind
        public let value: Value
    }

    /// Family names are `<prefix>_<key>` (counters `…_total`) unless an entry names its own.
    public let prefix: String
    public private(set) var entries: [Entry] = []

    public init(prefix: String) {
        self.prefix = prefix
    }

    public mutating func counter(_ key: String, _ help: String, _ value: Int, name: String? = nil) {
        add(key, name ?? "\(prefix)_\(key)_total", help, .counter, .int(value))
    }

    public mutating func counter(_ key: String, _ help: String, label: String, _ samples: [(String, Int)], name: String? = nil) {
        add(key, name ?? "\(prefix)_\(key)_total", help, .counter, .labeled(label: label, samples))
    }

    /// A counter with several labels; each sample gives one value per label, in `labels`' order.
    public mutating func counter(_ key: String, _ help: String, labels: [String], _ samples: [([String], Int)], name: String? = nil) {
        assert(samples.allSatisfy { $0.0.count == labels.count }, "metric \(key): a sample without a value for each label")
        add(key, name ?? "\(prefix)_\(key)_total", help, .counter, .multiLabeled(labels: labels, samples))
    }

    public mutating func gauge(_ key: String, _ help: String, _ value: Int) {
        add(key, "\(prefix)_\(key)", help, .gauge, .int(value))
    }

    public mutating func gauge(_ key: String, _ help: String, flag: Bool) {
        add(key, "\(prefix)_\(key)", help, .gauge, .flag(flag))
    }

    /// What every server's `HTTPServerTable` counts.
    public mutating func serverTable(_ c: HTTPServerTable.Counters, connections: Int) {
        gauge("connections", "Open client connections.", connections)
        counter("malformed_requests", "Requests refused by the HTTP codec (400, 413, 431, 501, 505).", c.malformed)
        counter("request_timeouts", "Requests not complete within the request timeout (408).", c.requestTimeouts)
        counter("idle_timeouts", "Keep-alive connections closed for idling.", c.idleTimeouts)
        counter("connections_evicted", "Idle or half-sent connections closed to admit a new one.", c.evicted)
        counter("connections_refused_at_limit", "Connections answered 503 at the connection budget.", c.refusedAtLimit)
    }

    private mutating func add(_ key: String, _ name: String, _ help: String, _ kind: Kind, _ value: Value) {
        assert(!entries.contains { $0.key == key || $0.name == name }, "metric \(key) (\(name)) listed twice")
        entries.append(Entry(key: key, name: name, help: help, kind: kind, value: value))
    }

    // MARK: - The two renderings

    /// The `/stats` body: one member per entry, in the order listed.
    public var json: String {
        JSONText.object(entries.map { e in
            switch e.value {
            case .int(let v): (e.key, String(v))
            case .flag(let b): (e.key, b ? "true" : "false")
            case .labeled(_, let samples): (e.key, JSONText.object(samples.map { ($0.0, String($0.1)) }))
            case .multiLabeled(_, let samples): (e.key, Self.jsonObject(samples))
            }
        })
    }

    /// A server's `/metrics` page: its build (`rcom_build_info`), every entry, then its
    /// histograms (name, help, histogram), which have no `/stats` counterpart.
    public func page(build: BuildLabel, histograms: [(String, String, Histogram)] = []) -> String {
        var m = PrometheusExposition()
        build.render(into: &m)
        render(into: &m)
        for (name, help, h) in histograms { m.histogram(name, help, h) }
        return m.text
    }

    /// Every entry as one family, in the order listed.
    public func render(into m: inout PrometheusExposition) {
        for e in entries {
            switch (e.kind, e.value) {
            case (.counter, .int(let v)): m.counter(e.name, e.help, v)
            case (.counter, .flag(let b)): m.counter(e.name, e.help, b ? 1 : 0)
            case (.counter, .labeled(let label, let samples)): m.counter(e.name, e.help, labeled: samples.map { ([(label, $0.0)], $0.1) })
            case (.gauge, .int(let v)): m.gauge(e.name, e.help, v)
            case (.gauge, .flag(let b)): m.gauge(e.name, e.help, b ? 1 : 0)
            case (.gauge, .labeled(let label, let samples)): m.gauge(e.name, e.help, labeled: samples.map { ([(label, $0.0)], Double($0.1)) })
            case (.counter, .multiLabeled(let labels, let samples)): m.counter(e.name, e.help, labeled: samples.map { (Array(zip(labels, $0.0)), $0.1) })
            case (.gauge, .multiLabeled(let labels, let samples)): m.gauge(e.name, e.help, labeled: samples.map { (Array(zip(labels, $0.0)), Double($0.1)) })
            }
        }
    }

    /// What a served `/stats` page lacks of this registry (each entry's member, with its
    /// value for plain numbers), and below what a `/metrics` page lacks (each family with its
    /// type and values). Empty when the page carries every entry. The servers' tests hold their
    /// pages to it, read just after each page was served, so a number rendered by hand beside
    /// the registry, or left out of one page, shows up as missing.
    public func missing(stats: String) -> [String] {
        entries.compactMap { e in
            let member: String = switch e.value {
            case .int(let v): "\"\(e.key)\":\(v)"
            case .flag(let b): "\"\(e.key)\":\(b)"
            case .labeled(_, let samples): "\"\(e.key)\":" + JSONText.object(samples.map { ($0.0, String($0.1)) })
            case .multiLabeled(_, let samples): "\"\(e.key)\":" + Self.jsonObject(samples)
            }
            return stats.contains(member) ? nil : "/stats lacks \(member)"
        }
    }

    private static func jsonObject(_ samples: [([String], Int)]) -> String {
        JSONText.object(samples.map { ($0.0.joined(separator: "/"), String($0.1)) })
    }

    public func missing(metrics: String) -> [String] {
        var lines: [String] = []
        for e in entries {
            lines.append("# TYPE \(e.name) \(e.kind == .counter ? "counter" : "gauge")")
            switch e.value {
            case .int(let v): lines.append("\(e.name) \(v)")
            case .flag(let b): lines.append("\(e.name) \(b ? 1 : 0)")
            case .labeled(let label, let samples): lines += samples.map { "\(e.name){\(label)=\"\($0.0)\"} \($0.1)" }
            case .multiLabeled(let labels, let samples):
                lines += samples.map { s in "\(e.name){" + zip(labels, s.0).map { "\($0)=\"\($1)\"" }.joined(separator: ",") + "} \(s.1)" }
            }
        }
        let served = Set(metrics.split(separator: "\n").map(String.init))
        return lines.filter { !served.contains($0) }.map { "/metrics lacks \($0)" }
    }
}
