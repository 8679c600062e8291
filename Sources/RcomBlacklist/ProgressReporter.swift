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
        let rate = p.elapsed_s > 0 ? Double(p.linesDone) / p.elapsed_s : 0
        let eta = rate > 0 ? Double(max(p.linesTotal - p.linesDone, 0)) / rate : 0
        let extra = "\(ImportReport.grouped(Int(rate))) lines/s ETA \(Int(eta.rounded(.up)))s"
        Terminal.stderr("\r" + ProgressBar(total: p.linesTotal, width: 30).render(done: p.linesDone, elapsed_s: p.elapsed_s, extra: extra) + "\u{1b}[K")
        drawn = true
    }

    func finish() {
        if drawn { Terminal.stderr("\n") }
    }
}
