import Foundation

/// `rcom stats --svg`: one bar per channel (engagement rate) with its 95 % interval as a whisker.
public enum EngagementChart {
    public static func svg(_ report: EngagementReport) -> String {
        let rows = report.rows
        let barWidth = 60.0, gap = 40.0, left = 50.0, top = 30.0, plotHeight = 220.0
        let width = left + Double(max(rows.count, 1)) * (barWidth + gap) + gap
        let height = top + plotHeight + 50
        let maxRate = max(0.1, rows.map { $0.rate == nil ? 0 : $0.interval.high }.max() ?? 0.1)
        let scale = min(1, (maxRate * 10).rounded(.up) / 10)
        func y(_ v: Double) -> Double { top + plotHeight * (1 - v / scale) }
        var out = [String(format: "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" font-family=\"sans-serif\" font-size=\"12\">", width, height)]
        out.append("<title>Engagement rate by channel (clicks ÷ delivered, 95% Wilson interval)</title>")
        for i in 0...5 {
            let v = scale * Double(i) / 5
            out.append(String(format: "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#ddd\"/>", left, y(v), width - gap / 2, y(v)))
            out.append(String(format: "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%.0f%%</text>", left - 6, y(v) + 4, v * 100))
        }
        for (i, r) in rows.enumerated() {
            let x = left + gap + Double(i) * (barWidth + gap)
            let rate = r.rate ?? 0
            out.append(String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.0f\" height=\"%.1f\" fill=\"#4a7fb5\"/>", x, y(rate), barWidth, y(0) - y(rate)))
            if r.rate != nil {
                let cx = x + barWidth / 2, lo = y(r.interval.low), hi = y(r.interval.high)
                out.append(String(format: "<path d=\"M%.1f %.1fV%.1fM%.1f %.1fH%.1fM%.1f %.1fH%.1f\" stroke=\"#222\" stroke-width=\"1.5\"/>",
                                  cx, lo, hi, cx - 8, lo, cx + 8, cx - 8, hi, cx + 8))
            }
            out.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x + barWidth / 2, y(0) + 16) + "\(r.counts.channel)</text>")
            let label = r.rate.map { String(format: "%.1f%% of %d", $0 * 100, r.counts.delivered) } ?? "no deliveries"
            out.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#555\">", x + barWidth / 2, y(0) + 32) + "\(label)</text>")
        }
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }
}
