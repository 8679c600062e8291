import Foundation

/// `rcom stats --svg`: one bar per channel (engagement rate) with its 95 % Wilson interval as a
/// whisker, a title, the y axis labelled in round steps (1, 2 or 5 times a power of ten), a
/// legend, the verdict of the test, on an opaque background (a chart pasted on a dark page must
/// stay readable). Every text from the data is XML-escaped.
public enum EngagementChart {
    public static let title = "Engagement rate by channel"
    public static let yLabel = "engagement rate (engaged ÷ delivered)"
    public static let whiskerLegend = "whiskers: 95 % Wilson interval"

    public static func svg(_ report: EngagementReport) -> String {
        let rows = report.rows
        let barWidth = 60.0, gap = 40.0, left = 70.0, top = 60.0, plotHeight = 220.0
        let verdictLines = wrap(report.verdict, width: 90)
        let width = max(left + Double(max(rows.count, 1)) * (barWidth + gap) + gap, 640)
        let legendY = top + plotHeight + 56
        let height = legendY + 24 + Double(verdictLines.count) * 16 + 10
        let highest = rows.map { $0.rate == nil ? 0 : $0.interval.high * 100 }.max() ?? 0
        let axis = ticks(maxPercent: highest)
        func y(_ fraction: Double) -> Double { top + plotHeight * (1 - fraction * 100 / axis.top) }
        var out = [String(format: "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">",
                          width, height, width, height)]
        out.append("<title>\(escaped(title)) (95 % Wilson intervals)</title>")
        out.append(String(format: "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>", width, height))
        out.append(String(format: "<text x=\"%.0f\" y=\"26\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">", width / 2) + escaped(title) + "</text>")
        out.append(String(format: "<text x=\"%.0f\" y=\"44\" text-anchor=\"middle\" fill=\"#555\">", width / 2) + "compared: " + escaped(report.population) + "</text>")
        for i in 0...axis.count {
            let percent = axis.step * Double(i)
            let yy = y(percent / 100)
            out.append(String(format: "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#ddd\"/>", left, yy, width - gap / 2, yy))
            out.append(String(format: "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">", left - 6, yy + 4) + tickLabel(percent) + "</text>")
        }
        let midY = top + plotHeight / 2
        out.append(String(format: "<text x=\"18\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 18 %.1f)\">", midY, midY) + escaped(yLabel) + "</text>")
        for (i, r) in rows.enumerated() {
            let x = left + gap + Double(i) * (barWidth + gap)
            let rate = r.rate ?? 0
            out.append(String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.0f\" height=\"%.1f\" fill=\"#4a7fb5\"/>", x, y(rate), barWidth, y(0) - y(rate)))
            if r.rate != nil {
                let cx = x + barWidth / 2, lo = y(r.interval.low), hi = y(r.interval.high)
                out.append(whisker(cx: cx, lo: lo, hi: hi))
            }
            out.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x + barWidth / 2, y(0) + 16) + escaped(r.counts.channel) + "</text>")
            let label = r.rate.map { String(format: "%.1f%% of %d", $0 * 100, r.counts.delivered) } ?? "no deliveries"
            out.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#555\">", x + barWidth / 2, y(0) + 32) + escaped(label) + "</text>")
        }
        // Legend: a bar swatch and a whisker glyph, each with its meaning.
        out.append(String(format: "<rect x=\"%.0f\" y=\"%.1f\" width=\"14\" height=\"10\" fill=\"#4a7fb5\"/>", left, legendY - 9))
        out.append(String(format: "<text x=\"%.0f\" y=\"%.1f\">", left + 20, legendY) + "bar: engagement rate</text>")
        out.append(whisker(cx: left + 187, lo: legendY + 1, hi: legendY - 11))
        out.append(String(format: "<text x=\"%.0f\" y=\"%.1f\">", left + 200, legendY) + escaped(whiskerLegend) + "</text>")
        for (i, line) in verdictLines.enumerated() {
            out.append(String(format: "<text x=\"%.0f\" y=\"%.1f\"%@>", left, legendY + 24 + Double(i) * 16, i == 0 ? " font-weight=\"bold\"" : "")
                       + (i == 0 ? "verdict: " : "") + escaped(line) + "</text>")
        }
        out.append("</svg>")
        return out.joined(separator: "\n") + "\n"
    }

    static func whisker(cx: Double, lo: Double, hi: Double) -> String {
        String(format: "<path d=\"M%.1f %.1fV%.1fM%.1f %.1fH%.1fM%.1f %.1fH%.1f\" stroke=\"#222\" stroke-width=\"1.5\" fill=\"none\"/>",
               cx, lo, hi, cx - 8, lo, cx + 8, cx - 8, hi, cx + 8)
    }

    /// The y axis in percent: a round step (1, 2 or 5 times a power of ten) giving at most 5
    /// steps up to the highest interval end, the top being a whole number of steps (at most
    /// 100 %); 10 % when there is nothing to show.
    public static func ticks(maxPercent: Double) -> (step: Double, top: Double, count: Int) {
        let m = maxPercent > 0 ? min(maxPercent, 100) : 10
        let step = niceStep(m / 5)
        let count = Int((m / step - 1e-9).rounded(.up))
        return (step, step * Double(max(count, 1)), max(count, 1))
    }

    static func niceStep(_ raw: Double) -> Double {
        let power = pow(10, (log10(raw)).rounded(.down))
        let f = raw / power
        return (f <= 1 + 1e-9 ? 1 : f <= 2 + 1e-9 ? 2 : f <= 5 + 1e-9 ? 5 : 10) * power
    }

    static func tickLabel(_ percent: Double) -> String {
        percent == percent.rounded() ? String(format: "%.0f %%", percent) : String(format: "%g %%", (percent * 1000).rounded() / 1000)
    }

    /// Lines of at most `width` characters, broken at spaces.
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = [], current = ""
        for word in text.split(separator: " ") {
            if !current.isEmpty, current.count + 1 + word.count > width {
                lines.append(current)
                current = ""
            }
            current += (current.isEmpty ? "" : " ") + word
        }
        if !current.isEmpty { lines.append(current) }
        return lines.isEmpty ? [""] : lines
    }

    static func escaped(_ text: String) -> String {
        var out = ""
        for u in text.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            // XML 1.0 has no way to write other C0 controls: dropped.
            case _ where u.value < 0x20 && u != "\t" && u != "\n": continue
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }
}
