/// Builds a `GET /metrics` body in the Prometheus text exposition format 0.0.4.
///
/// Each call writes one whole family (`# HELP`, `# TYPE`, its samples), so a family's samples
/// can never be split or repeated. Names are fixed by the code (checked in debug builds);
/// label values may come from outside (a channel name, a path) and are escaped as the format
/// requires: backslash, double quote and line feed.
///
/// Rendering allocates (it builds text once per scrape); observing never does — the values
/// come from counters and `Histogram`s the servers already hold.
public struct PrometheusExposition: Sendable {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public typealias Labels = [(String, String)]

    public private(set) var text = ""

    public init() {}

    // MARK: - Families

    /// A counter (the name should end in `_total`).
    public mutating func counter(_ name: String, _ help: String, _ value: Int) {
        family(name, "counter", help, [([], Self.format(value))])
    }

    /// A counter with one sample per label set.
    public mutating func counter(_ name: String, _ help: String, labeled samples: [(Labels, Int)]) {
        family(name, "counter", help, samples.map { ($0.0, Self.format($0.1)) })
    }

    public mutating func gauge(_ name: String, _ help: String, _ value: Double) {
        family(name, "gauge", help, [([], Self.format(value))])
    }

    public mutating func gauge(_ name: String, _ help: String, _ value: Int) {
        family(name, "gauge", help, [([], Self.format(value))])
    }

    public mutating func gauge(_ name: String, _ help: String, labeled samples: [(Labels, Double)]) {
        family(name, "gauge", help, samples.map { ($0.0, Self.format($0.1)) })
    }

    /// A histogram: `name_bucket{le=…}` (cumulative, ending with `+Inf`), `name_sum`, `name_count`.
    public mutating func histogram(_ name: String, _ help: String, _ h: Histogram) {
        histogram(name, help, labeled: [([], h)])
    }

    public mutating func histogram(_ name: String, _ help: String, labeled series: [(Labels, Histogram)]) {
        header(name, "histogram", help)
        for (labels, h) in series {
            let cumulative = h.cumulativeCounts
            for (i, bound) in h.bounds.enumerated() {
                sample(name + "_bucket", labels + [("le", Self.format(bound))], Self.format(cumulative[i]))
            }
            sample(name + "_bucket", labels + [("le", "+Inf")], Self.format(h.count))
            sample(name + "_sum", labels, Self.format(h.sum))
            sample(name + "_count", labels, Self.format(h.count))
        }
    }

    private mutating func family(_ name: String, _ type: String, _ help: String, _ samples: [(Labels, String)]) {
        header(name, type, help)
        for (labels, value) in samples { sample(name, labels, value) }
    }

    private mutating func header(_ name: String, _ type: String, _ help: String) {
        assert(Self.isValidName(name), "invalid metric name \(name)")
        text += "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(type)\n"
    }

    private mutating func sample(_ name: String, _ labels: Labels, _ value: String) {
        text += name
        if !labels.isEmpty {
            text += "{"
            for (i, (key, value)) in labels.enumerated() {
                assert(Self.isValidLabelName(key), "invalid label name \(key)")
                text += (i == 0 ? "" : ",") + key + "=\"" + Self.escapeLabelValue(value) + "\""
            }
            text += "}"
        }
        text += " " + value + "\n"
    }

    // MARK: - Text rules of the format

    /// Label values: `\` → `\\`, `"` → `\"`, line feed → `\n`; everything else as it is (UTF-8).
    public static func escapeLabelValue(_ s: String) -> String { escape(s, quote: true) }

    /// HELP text: `\` → `\\`, line feed → `\n` (quotes stay: HELP is not quoted).
    public static func escapeHelp(_ s: String) -> String { escape(s, quote: false) }

    /// By scalar, not by Character: a CR LF pair is one Character and would hide its line feed.
    private static func escape(_ s: String, quote: Bool) -> String {
        guard s.utf8.contains(where: { $0 == 0x5C || $0 == 0x0A || (quote && $0 == 0x22) }) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 8)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"" where quote: out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Integral values without a fraction (as Go's `FormatFloat(v, 'g', -1, 64)` writes them,
    /// so `le="1"`, not `le="1.0"`), specials as the format spells them.
    public static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }

    public static func format(_ v: Int) -> String { String(v) }
    public static func format(_ v: UInt64) -> String { String(v) }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`
    public static func isValidName(_ s: String) -> Bool {
        guard let first = s.utf8.first, isLetterOrUnderscore(first) || first == 0x3A else { return false }
        return s.utf8.allSatisfy { isLetterOrUnderscore($0) || isDigit($0) || $0 == 0x3A }
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__` (reserved).
    public static func isValidLabelName(_ s: String) -> Bool {
        guard let first = s.utf8.first, isLetterOrUnderscore(first), !s.hasPrefix("__") else { return false }
        return s.utf8.allSatisfy { isLetterOrUnderscore($0) || isDigit($0) }
    }

    private static func isLetterOrUnderscore(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A || b == 0x5F }
    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
}
