/// Renders `rcom max` answers as text for people or JSON for programs. Pure: the command
/// decides where the text goes.
@available(macOS 15, *)
public enum MaxReport {
    public struct Options: Sendable {
        public var showMean = false
        /// Set when no numbers were given and the seed's example was used.
        public var defaultInput: String?
        public init(showMean: Bool = false, defaultInput: String? = nil) {
            self.showMean = showMean
            self.defaultInput = defaultInput
        }
    }

    public static func text(_ result: MaxWindowResult, options: Options) -> String {
        let digits = result.fractionDigits
        var out = ""
        if let input = options.defaultInput {
            out += "no numbers given, so using the example: rcom max -k \(result.k) \"\(input)\"\n"
        }
        let noun = result.k == 1 ? "number" : "consecutive numbers"
        out += "max sum of \(result.k) \(noun): \(result.maxSum.formatted(fractionDigits: digits))\n"
        out += "window: positions \(result.start)-\(result.end) of \(result.count)\n"
        if let values = result.values {
            out += "values: " + values.map { $0.formatted(fractionDigits: digits) }.joined(separator: ", ") + "\n"
        }
        if options.showMean { out += "max mean: \(result.maxMeanText)\n" }
        if let threshold = result.alarmThreshold {
            let windows = result.alarmCount == 1 ? "window" : "windows"
            out += "alarms: \(result.alarmCount) \(windows) with a mean above \(threshold.formatted(fractionDigits: thresholdDigits(threshold)))\n"
        }
        return out
    }

    /// One JSON object on one line. Numbers are exact decimal literals (sums can exceed what a
    /// double holds; parsers that keep big numbers, e.g. jq 1.7+, see the exact value).
    public static func json(_ result: MaxWindowResult, options: Options) -> String {
        let digits = result.fractionDigits
        var fields: [String] = [
            "\"k\":\(result.k)",
            "\"count\":\(result.count)",
            "\"max_sum\":\(result.maxSum.formatted(fractionDigits: digits))",
            "\"start\":\(result.start)",
            "\"end\":\(result.end)",
        ]
        if let values = result.values {
            fields.append("\"values\":[" + values.map { $0.formatted(fractionDigits: digits) }.joined(separator: ",") + "]")
        }
        fields.append("\"max_mean\":\(result.maxMeanText)")
        fields.append("\"ties\":\"first window wins\"")
        if let threshold = result.alarmThreshold {
            fields.append("\"alarm_threshold\":\(threshold.formatted(fractionDigits: thresholdDigits(threshold)))")
            fields.append("\"alarms\":\(result.alarmCount)")
        }
        if let input = options.defaultInput {
            fields.append("\"default_input\":\"\(input)\"")
        }
        return "{" + fields.joined(separator: ",") + "}\n"
    }

    public static func alarmLine(_ alarm: WindowAlarm, k: Int, threshold: ScaledDecimal, fractionDigits: Int, json: Bool) -> String {
        let mean = WindowMean.text(sum: alarm.sum, k: k, fractionDigits: fractionDigits)
        let limit = threshold.formatted(fractionDigits: thresholdDigits(threshold))
        if json {
            return "{\"alarm\":{\"start\":\(alarm.start),\"end\":\(alarm.end),\"mean\":\(mean),\"threshold\":\(limit)}}\n"
        }
        return "alarm: positions \(alarm.start)-\(alarm.end) mean \(mean) > \(limit)\n"
    }

    /// The fewest fraction digits that show the threshold exactly.
    static func thresholdDigits(_ value: ScaledDecimal) -> Int {
        var digits = ScaledDecimal.fractionDigitsMax
        var units = value.millionths
        while digits > 0 && units % 10 == 0 {
            units /= 10
            digits -= 1
        }
        return digits
    }
}
