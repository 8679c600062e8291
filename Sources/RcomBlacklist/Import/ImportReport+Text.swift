import Foundation

extension ImportReport {
    /// The human summary: one count per line, then the first malformed lines.
    public var text: String {
        let c = counters
        let json = format.hasSuffix("(JSON)")
        var rows: [(String, Int)] = [
            (json ? "records read" : "lines read", c.linesRead), ("valid", c.valid), ("malformed", c.malformed),
            ("duplicates", c.duplicates), ("newly suppressed", c.newlySuppressed),
            ("already suppressed", c.alreadySuppressed), ("not subscribed", c.notSubscribed),
        ]
        if c.blank > 0 { rows.insert(("blank", c.blank), at: 3) }
        if skippedBy.notBounce > 0 { rows.insert(("no bounce/complaint", skippedBy.notBounce), at: 1) }
        if skippedBy.notPermanent > 0 { rows.insert(("not permanent", skippedBy.notPermanent), at: 1) }
        if notYetApplied > 0 { rows.append(("not yet applied", notYetApplied)) }
        // A file without one valid address is not a bounce export: the command exits 1 for it.
        let state = completed ? (c.valid == 0 ? "found no valid address" : "done") : (interrupted ? "interrupted" : "stopped")
        var out = "blacklist \(state): \(file) -> \(database) (\(mode.rawValue), batches of \(batchLines)"
        out += mode == .concurrent ? ", \(workers) workers)\n" : ")\n"
        for note in notes { out += "  note: \(note)\n" }
        out += "  " + "format".padding(toLength: 20, withPad: " ", startingAt: 0) + format + "\n"
        for (label, value) in rows {
            out += "  " + label.padding(toLength: 20, withPad: " ", startingAt: 0) + Self.grouped(value) + "\n"
        }
        out += "  " + "elapsed".padding(toLength: 20, withPad: " ", startingAt: 0)
        out += String(format: "%.2f s (%@ lines/s this run)\n", elapsed_ms / 1000, Self.grouped(Int(linesPerSecond)))
        if !malformedSamples.isEmpty {
            out += json ? "  first malformed records:\n" : "  first malformed lines:\n"
            for m in malformedSamples { out += "    \(json ? "record" : "line") \(m.line): \(m.problem): \(m.text)\n" }
        }
        if let w = openWindow {
            // Addresses are committed in sorted order inside a window, so "the last line done"
            // does not exist there: say which lines are in progress instead.
            out += "  stopped inside \(Self.window(w)) (read and counted): rerun with --resume to finish it\n"
        } else if !completed {
            out += "  next line: \(Self.grouped(nextLine)) (rerun with --resume to continue there)\n"
        }
        return out
    }

    public var json: String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { preconditionFailure("ImportReport always encodes") }
        return String(decoding: data, as: UTF8.self)
    }

    /// The one way the report, the interruption message and a resume name a window an import
    /// stopped or resumes in: inside one, "the last line done" does not exist.
    static func window(_ lines: ClosedRange<Int>) -> String {
        "the window of lines \(grouped(lines.lowerBound))–\(grouped(lines.upperBound)), whose addresses are committed in sorted order"
    }

    static func grouped(_ v: Int) -> String {
        let digits = String(v.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(ch)
        }
        return (v < 0 ? "-" : "") + out
    }
}
