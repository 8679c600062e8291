/// One window whose mean exceeded the alarm threshold.
@available(macOS 15, *)
public struct WindowAlarm: Equatable, Sendable {
    /// 1-based positions of the window's first and last values.
    public let start: Int
    public let end: Int
    public let sum: ScaledDecimal
}

/// The moving-average alarm: a window fires when its mean is strictly above the threshold.
/// The test is `sum > threshold × k` in exact integers, so a mean equal to the threshold
/// never fires and no division or rounding is involved.
@available(macOS 15, *)
struct AlarmRule {
    let threshold: ScaledDecimal
    let sumLimit: Int128

    init(threshold: ScaledDecimal, k: Int) {
        self.threshold = threshold
        sumLimit = threshold.millionths * Int128(k)
    }

    @inline(__always)
    func fires(windowSum: Int128) -> Bool { windowSum > sumLimit }
}
