import RcomStore

/// The outcome of one `rcom blacklist` run, printed as text or JSON.
public struct ImportReport: Sendable, Codable, Equatable {
    public var file: String
    public var database: String
    public var mode: ImportOptions.Mode
    public var batchLines: Int
    public var workers: Int
    /// Totals for the whole file, including lines committed by an earlier, interrupted run.
    public var counters: ImportCounters
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

    public var linesPerSecond: Double

    init(file: String, database: String, mode: ImportOptions.Mode, batchLines: Int, workers: Int,
         counters: ImportCounters, malformedSamples: [MalformedLine], startLine: Int, nextLine: Int,
         batchesCommitted: Int, completed: Bool, interrupted: Bool, linesThisRun: Int,
         elapsed_ms: Double, notes: [String]) {
        self.file = file
        self.database = database
        self.mode = mode
        self.batchLines = batchLines
        self.workers = workers
        self.counters = counters
        self.malformedSamples = malformedSamples
        self.startLine = startLine
        self.nextLine = nextLine
        self.batchesCommitted = batchesCommitted
        self.completed = completed
        self.interrupted = interrupted
        self.linesThisRun = linesThisRun
        self.elapsed_ms = elapsed_ms
        self.notes = notes
        linesPerSecond = elapsed_ms > 0 ? (Double(linesThisRun) / (elapsed_ms / 1000)).rounded() : 0
    }
}
