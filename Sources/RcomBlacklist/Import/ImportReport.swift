import RcomStore

/// The outcome of one `rcom blacklist` run, printed as text or JSON.
public struct ImportReport: Sendable, Codable, Equatable {
    public var file: String
    public var database: String
    public var mode: ImportOptions.Mode
    public var batchLines: Int
    public var workers: Int
    /// Totals for the whole file, including lines committed by an earlier, interrupted run. An
    /// interrupted run counts every line it read, also those of the window it stopped in.
    public var counters: ImportCounters
    /// Valid lines read whose addresses were not applied yet (an interrupted run: the rest of
    /// the window it stopped in); 0 when complete. With it, valid = duplicates + newly
    /// suppressed + already suppressed + not subscribed + notYetApplied.
    public var notYetApplied: Int
    /// Interrupted inside a window: its lines (all read, some committed, in address order).
    public var openWindow: ClosedRange<Int>?
    public var malformedSamples: [MalformedLine]
    /// The line this run started at (1, or where --resume picked up).
    public var startLine: Int
    /// The first line not applied; equals lines + 1 when complete.
    public var nextLine: Int
    public var batchesCommitted: Int
    public var completed: Bool
    public var interrupted: Bool
    /// Lines this run read (excluding those a resumed run skipped).
    public var linesThisRun: Int
    public var elapsed_ms: Double
    public var notes: [String]
    /// The format read: "csv", "list", "sendgrid (JSON)", "mailgun (CSV)", …
    public var format: String
    /// Records that do not suppress (soft or transient bounces, other notifications): counted,
    /// not stored. Lines of a JSON export are its records.
    public var skipped: Int
    /// `skipped` by why: not permanent (soft bounces), or no bounce or complaint at all.
    public var skippedBy: SkippedRecords

    public var linesPerSecond: Double

    init(file: String, database: String, mode: ImportOptions.Mode, batchLines: Int, workers: Int,
         counters: ImportCounters, openWindow: ClosedRange<Int>? = nil, malformedSamples: [MalformedLine],
         startLine: Int, nextLine: Int,
         batchesCommitted: Int, completed: Bool, interrupted: Bool, linesThisRun: Int,
         elapsed_ms: Double, notes: [String], format: String = "csv", skipped: Int = 0,
         skippedBy: SkippedRecords = SkippedRecords()) {
        self.file = file
        self.database = database
        self.mode = mode
        self.batchLines = batchLines
        self.workers = workers
        self.counters = counters
        let c = counters
        notYetApplied = max(0, c.valid - c.duplicates - c.newlySuppressed - c.alreadySuppressed - c.notSubscribed)
        self.openWindow = openWindow
        self.malformedSamples = malformedSamples
        self.startLine = startLine
        self.nextLine = nextLine
        self.batchesCommitted = batchesCommitted
        self.completed = completed
        self.interrupted = interrupted
        self.linesThisRun = linesThisRun
        self.elapsed_ms = elapsed_ms
        self.notes = notes
        self.format = format
        self.skipped = skipped
        self.skippedBy = skippedBy
        linesPerSecond = elapsed_ms > 0 ? (Double(linesThisRun) / (elapsed_ms / 1000)).rounded() : 0
    }
}
