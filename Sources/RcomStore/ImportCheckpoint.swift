/// How far an import of one file has got, committed atomically with the batch it follows.
///
/// `nextLine`/`byteOffset` name the first line not yet applied: `--resume` seeks to `byteOffset`
/// (which always starts a line) and numbers lines from `nextLine`. The counters are cumulative
/// over the whole file, so a resumed run reports the same totals as an uninterrupted one.
public struct ImportCheckpoint: Sendable, Equatable, Codable {
    /// "size:fnv1a64" of the whole input file; a changed file cannot be resumed.
    public var fingerprint: String
    public var sourcePath: String
    public var nextLine: Int
    public var byteOffset: Int64
    public var batchesCommitted: Int
    public var counters: ImportCounters
    /// Stamps suppressions whose line carries no bounce time; kept so a resumed run stamps alike.
    public var importStartedAt: String
    public var completed: Bool

    public init(fingerprint: String, sourcePath: String, nextLine: Int, byteOffset: Int64,
                batchesCommitted: Int, counters: ImportCounters, importStartedAt: String, completed: Bool) {
        self.fingerprint = fingerprint
        self.sourcePath = sourcePath
        self.nextLine = nextLine
        self.byteOffset = byteOffset
        self.batchesCommitted = batchesCommitted
        self.counters = counters
        self.importStartedAt = importStartedAt
        self.completed = completed
    }
}

/// The tallies of an import. Invariants: linesRead = valid + malformed + blank and
/// valid = duplicates + newlySuppressed + alreadySuppressed + notSubscribed.
public struct ImportCounters: Sendable, Equatable, Codable {
    public var linesRead = 0
    public var valid = 0
    public var malformed = 0
    public var blank = 0
    public var duplicates = 0
    public var newlySuppressed = 0
    public var alreadySuppressed = 0
    public var notSubscribed = 0

    public init() {}

    public static func + (a: ImportCounters, b: ImportCounters) -> ImportCounters {
        var sum = ImportCounters()
        sum.linesRead = a.linesRead + b.linesRead
        sum.valid = a.valid + b.valid
        sum.malformed = a.malformed + b.malformed
        sum.blank = a.blank + b.blank
        sum.duplicates = a.duplicates + b.duplicates
        sum.newlySuppressed = a.newlySuppressed + b.newlySuppressed
        sum.alreadySuppressed = a.alreadySuppressed + b.alreadySuppressed
        sum.notSubscribed = a.notSubscribed + b.notSubscribed
        return sum
    }
}
