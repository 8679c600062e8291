/// Renders the seed's progress line: `50 / 50 [=====>    ] 100.00 % 1s`.
/// Pure: callers decide where and whether to draw (redraw with "\r" on a terminal only).
public struct ProgressBar: Sendable {
    public let total: Int
    public let width: Int

    public init(total: Int, width: Int = 60) {
        self.total = max(total, 0)
        self.width = max(width, 10)
    }

    /// `extra` is appended after the elapsed time (e.g. rate and ETA). `ahead` (≥ `done`) is
    /// how far a first pass has got (read but not yet written), drawn as `-` past the `=`.
    public func render(done: Int, elapsed_s: Double, extra: String = "", ahead: Int? = nil) -> String {
        let clamped = min(max(done, 0), total)
        let fraction = total == 0 ? 1.0 : Double(clamped) / Double(total)
        let filled = Int((fraction * Double(width)).rounded(.down))
        let read = min(max(ahead ?? clamped, clamped), total)
        let readTo = max(total == 0 ? width : Int((Double(read) / Double(total) * Double(width)).rounded(.down)), filled)
        var bar = String(repeating: "=", count: filled)
        if filled < width {
            let dashes = max(readTo - filled - 1, 0)
            bar += ">" + String(repeating: "-", count: dashes) + String(repeating: " ", count: width - filled - 1 - dashes)
        }
        let percent = fraction * 100
        let pctText = String(Int(percent)) + "." + twoDigits(Int((percent * 100).rounded()) % 100)
        let line = "\(clamped) / \(total) [\(bar)] \(pctText) % \(Int(elapsed_s.rounded()))s"
        return extra.isEmpty ? line : line + " " + extra
    }

    private func twoDigits(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
}
