import RcomCLI

/// Draws the progress bar with rate and ETA on stderr, redrawing in place with "\r", at most
/// ten times a second. Created only when stderr is a terminal; pipes and logs get the summary only.
final class ProgressReporter {
    private var lastDraw_s = -1.0
    private var drawn = false
    static let redrawInterval_s = 0.1

    func update(_ p: ImportProgress) {
        guard p.linesDone >= p.linesTotal || p.elapsed_s - lastDraw_s >= Self.redrawInterval_s else { return }
        lastDraw_s = p.elapsed_s
        let extra = "\(ImportReport.grouped(Int(Self.rate(p)))) lines/s ETA \(Self.eta(p).map { "\(Int($0.rounded(.up)))s" } ?? "?")"
        Terminal.redraw(ProgressBar(total: p.linesTotal, width: 30)
            .render(done: p.linesDone, elapsed_s: p.elapsed_s, extra: extra, ahead: p.linesRead))
        drawn = true
    }

    /// Lines read (the first pass, always ahead of the commits) per second.
    static func rate(_ p: ImportProgress) -> Double {
        guard p.elapsed_s > 0 else { return 0 }
        return Double(p.linesRead) / p.elapsed_s
    }

    /// Counts reading and writing a line as one half of its work each (they cost about the same
    /// here), so the estimate holds while a window is still being read. Nil (shown as "?") until
    /// 5 % of the work is done: before that, start-up and the fingerprint pass dominate.
    static func eta(_ p: ImportProgress) -> Double? {
        guard p.linesTotal > 0 else { return 0 }
        let work = (Double(p.linesRead) + Double(p.linesDone)) / (2 * Double(p.linesTotal))
        guard work >= 0.05, p.elapsed_s > 0 else { return nil }
        return p.elapsed_s * (1 - min(work, 1)) / work
    }

    func finish() {
        if drawn { Terminal.stderr("\n") }
    }
}
