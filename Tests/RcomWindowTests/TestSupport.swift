@testable import RcomWindow

/// SplitMix64: a tiny seeded generator so a failing random case can be replayed from its seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D4_9BB4_133B_11EB
        return z ^ (z >> 31)
    }
}

@available(macOS 15, *)
extension MaxWindowScan {
    /// Runs a whole text through a fresh scan, split into chunks at `cuts` (byte offsets).
    static func run(_ text: String, k: Int, alarm: String? = nil, cuts: [Int] = []) throws -> (MaxWindowResult, [WindowAlarm]) {
        var scan = try MaxWindowScan(k: k, alarmThreshold: alarm.map { try ScaledDecimal(parsing: $0) })
        let bytes = Array(text.utf8)
        var alarms: [WindowAlarm] = []
        var from = 0
        for cut in cuts.sorted() + [bytes.count] where cut >= from {
            try scan.feed(Array(bytes[from..<cut]))
            alarms += scan.pendingAlarms
            scan.clearAlarms()
            from = cut
        }
        let result = try scan.finish()
        return (result, alarms + scan.pendingAlarms)
    }
}

@available(macOS 15, *)
func decimal(_ text: String) -> ScaledDecimal {
    do { return try ScaledDecimal(parsing: text) } catch { preconditionFailure("bad test literal \(text): \(error)") }
}

/// Collects what the tokenizer emits.
@available(macOS 15, *)
struct CollectingSink: NumberSink {
    var values: [Int128] = []
    mutating func accept(_ value: Int128) { values.append(value) }
}
