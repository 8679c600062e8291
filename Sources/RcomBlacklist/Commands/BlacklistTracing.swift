import RcomCore
import RcomReactor

/// `rcom blacklist`'s spans: one for the run (`blacklist import`) and one per committed batch
/// (`import batch`) under it. A batch span runs from the end of the previous commit (or the
/// run's start) to the end of its own, with an event `commit` where the commit began, so its
/// two parts read off directly: `rcom.prepare_ns` (reading, parsing, sorting, gathering) and
/// `rcom.commit_ns` (the store's transaction). Exported by `CommandTracing`'s exporter thread as
/// the import runs (batches of 512 spans or 1 s), flushed at the end within its bound.
final class BlacklistTracing: ImportBatchObserver {
    let tracing: CommandTracing
    private(set) var run: Span
    private var lastEnd_ns: Instant_ns
    private var commitStart_ns: Instant_ns = 0

    init(tracing: CommandTracing, file: String, database: String) {
        self.tracing = tracing
        lastEnd_ns = MonotonicClock.now_ns()
        run = tracing.start("blacklist import", parent: nil, at: tracing.unixNano(monotonic: lastEnd_ns),
                            attributes: [SpanAttribute("rcom.file", .string(file)), SpanAttribute("rcom.database", .string(database))])
    }

    func committing(batch: Int, rows: Int) { commitStart_ns = MonotonicClock.now_ns() }

    func committed(batch: Int, rows: Int, error: String?) {
        let end_ns = MonotonicClock.now_ns()
        var span = tracing.start("import batch", parent: run.context, at: tracing.unixNano(monotonic: lastEnd_ns), attributes: [
            SpanAttribute("rcom.batch", .int(Int64(batch))), SpanAttribute("rcom.rows", .int(Int64(rows))),
            SpanAttribute("rcom.prepare_ns", .int(Int64(commitStart_ns - min(commitStart_ns, lastEnd_ns)))),
            SpanAttribute("rcom.commit_ns", .int(Int64(end_ns - min(end_ns, commitStart_ns)))),
        ])
        span.addEvent("commit", at: tracing.unixNano(monotonic: commitStart_ns))
        if let error { span.setStatus(SpanStatus(.error, message: error)) }
        tracing.end(span, at: tracing.unixNano(monotonic: end_ns))
        lastEnd_ns = end_ns
    }

    /// Ends the run span with the import's figures and flushes (bounded: `CommandTracing.flushBound_ns`).
    func finish(exitCode: Int32, attributes: [SpanAttribute]) {
        for a in attributes { run.setAttribute(a.key, a.value) }
        run.setAttribute("rcom.exit_code", .int(Int64(exitCode)))
        run.setStatus(exitCode == 0 ? SpanStatus(.ok) : SpanStatus(.error, message: "exit code \(exitCode)"))
        tracing.end(run)
        tracing.finish()
    }
}
