/// The sans-IO core of `rcom max`: feed it bytes in chunks of any size, drain alarms after
/// each feed, call `finish` at end of input. O(1) work per number, O(k) memory.
///
/// Not copyable: the window's ring buffer is shared memory, and two copies fed separately
/// would corrupt each other.
@available(macOS 15, *)
public struct MaxWindowScan: ~Copyable {
    private var tokenizer = NumberTokenizer()
    private var tracker: MaxTracker

    public init(k: Int, alarmThreshold: ScaledDecimal? = nil) throws(WindowInputError) {
        guard k >= 1 else { throw .windowNotPositive(k: k) }
        guard k <= WindowLimits.windowCountMax else { throw .windowTooLarge(k: k, max: WindowLimits.windowCountMax) }
        tracker = MaxTracker(k: k, alarm: alarmThreshold.map { AlarmRule(threshold: $0, k: k) })
    }

    public mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>) throws(WindowInputError) {
        try tokenizer.feed(bytes, into: &tracker)
    }

    public mutating func feed(_ bytes: [UInt8]) throws(WindowInputError) {
        try bytes.withUnsafeBufferPointer { chunk throws(WindowInputError) in try feed(chunk) }
    }

    /// Alarms raised since the last `clearAlarms`, oldest first. Holds at most one per number
    /// fed since then, so draining after every feed bounds it by the chunk size.
    public var pendingAlarms: [WindowAlarm] { tracker.pendingAlarms }

    public mutating func clearAlarms() { tracker.pendingAlarms.removeAll(keepingCapacity: true) }

    /// Most digits after the point seen so far.
    public var fractionDigitsSeen: Int { tokenizer.fractionDigitsSeen }

    /// Numbers read so far.
    public var count: Int { tracker.window.count }

    /// Ends the input. The final token completes here, so drain `pendingAlarms` once more.
    public mutating func finish() throws(WindowInputError) -> MaxWindowResult {
        try tokenizer.finish(into: &tracker)
        let window = tracker.window
        guard window.count > 0 else { throw .emptyInput }
        guard window.isFull else { throw .windowLargerThanInput(k: window.k, count: window.count) }
        return MaxWindowResult(
            k: window.k, count: window.count,
            maxSum: ScaledDecimal(millionths: tracker.bestSum),
            start: tracker.bestEnd - window.k + 1, end: tracker.bestEnd,
            values: tracker.keepsValues ? tracker.bestValues.map(ScaledDecimal.init(millionths:)) : nil,
            fractionDigits: tokenizer.fractionDigitsSeen,
            alarmThreshold: tracker.alarm?.threshold, alarmCount: tracker.alarmCount)
    }
}

/// What `rcom max` found.
@available(macOS 15, *)
public struct MaxWindowResult: Equatable, Sendable {
    public let k: Int
    /// How many numbers the input held.
    public let count: Int
    public let maxSum: ScaledDecimal
    /// 1-based positions of the first window with the largest sum (the first one wins ties).
    public let start: Int
    public let end: Int
    /// That window's values, when k ≤ `WindowLimits.valuesShownMax`.
    public let values: [ScaledDecimal]?
    /// Most digits after the point in any input number; output shows values at this precision.
    public let fractionDigits: Int
    public let alarmThreshold: ScaledDecimal?
    public let alarmCount: Int

    /// The best window's mean (see `WindowMean`).
    public var maxMeanText: String { WindowMean.text(sum: maxSum, k: k, fractionDigits: fractionDigits) }
}

/// Follows the best window and the alarm as numbers arrive.
@available(macOS 15, *)
struct MaxTracker: NumberSink {
    var window: SlidingWindow
    /// Below any reachable sum (|sum| < 2^107), so the first full window always becomes the best.
    var bestSum = Int128.min
    var bestEnd = 0
    let keepsValues: Bool
    var bestValues: [Int128] = []
    let alarm: AlarmRule?
    var pendingAlarms: [WindowAlarm] = []
    var alarmCount = 0

    init(k: Int, alarm: AlarmRule?) {
        window = SlidingWindow(k: k)
        keepsValues = k <= WindowLimits.valuesShownMax
        if keepsValues { bestValues.reserveCapacity(k) }
        self.alarm = alarm
    }

    @inline(__always)
    mutating func accept(_ value: Int128) {
        window.push(value)
        guard window.isFull else { return }
        let sum = window.sum
        // Strictly greater: on a tie the earlier window stays the answer.
        if sum > bestSum {
            bestSum = sum
            bestEnd = window.count
            if keepsValues { window.copyValues(into: &bestValues) }
        }
        if let alarm, alarm.fires(windowSum: sum) {
            alarmCount += 1
            pendingAlarms.append(WindowAlarm(start: window.count - window.k + 1, end: window.count,
                                             sum: ScaledDecimal(millionths: sum)))
        }
    }
}
