import Foundation
import RcomStore

/// Concurrent mode on a store with parallel writers (PostgreSQL): the importer's transactions
/// go to `writers` threads, each with a connection of its own, through a bounded channel (one
/// waiting job per writer; `submit` blocks beyond that).
///
/// The checkpoint rule, with commits out of order: each transaction logs its batch number, the
/// checkpoint as it reads after it, and its tally (`ParallelBatchLog`). Here, under one lock,
/// committed batches wait in `done` until every batch before them has committed; the checkpoint
/// (`prefix`) only ever advances over that contiguous run, adding the tallies in batch order. The
/// stored checkpoint row is moved forward (`fold`) from the importer's thread every `foldEvery`
/// batches and at the end, so it is always a committed prefix, and the log past it holds exactly
/// the batches committed beyond it. `--resume` folds what it can and skips the rest with their
/// logged tallies (`skip`), so its totals and tables equal those of an uninterrupted run.
final class ParallelWriters: @unchecked Sendable {
    // @unchecked: `done`, `prefix`, `failure`, `inFlight` are only touched while holding
    // `condition`; `log` and `storedBatch` only by the importer's thread; each writer by its thread.
    struct Job: @unchecked Sendable {
        // @unchecked: the batch's arrays are shared copy-on-write and never mutated after submit.
        var batch: SuppressionBatch
        var entries: Range<Int>
        var record: ImportCheckpoint
    }

    static let foldEvery = 64

    private let log: any ParallelBatchLog
    private let jobs: BoundedChannel<Job>
    private let condition = NSCondition()
    private var done: [Int: LoggedBatch] = [:]
    private var prefix: ImportCheckpoint
    private var failure: StoreError?
    private var inFlight = 0
    private var storedBatch: Int
    private let skip: [Int: LoggedBatch]
    private let threads = DispatchGroup()
    private var finished = false

    /// Opens the writers' connections (a failure to open one is thrown here) and starts them.
    /// `start`: the checkpoint the import continues from, as stored.
    init(log: any ParallelBatchLog, writers: Int, start: ImportCheckpoint) throws(StoreError) {
        self.log = log
        prefix = start
        storedBatch = start.batchesCommitted
        var skip: [Int: LoggedBatch] = [:]
        for logged in try log.loggedBatches(fingerprint: start.fingerprint) { skip[logged.checkpoint.batchesCommitted] = logged }
        self.skip = skip
        var opened: [any SuppressionBatchWriter] = []
        for _ in 0..<writers { opened.append(try log.makeBatchWriter()) }
        jobs = BoundedChannel(capacity: writers)
        for (i, writer) in opened.enumerated() {
            let handOff = WriterHandOff(writer)
            threads.enter()
            let thread = Thread { [self] in
                while let job = jobs.receive() { run(job, on: handOff.writer) }
                threads.leave()
            }
            thread.name = "rcom-blacklist-writer-\(i)"
            thread.start()
        }
    }

    deinit { stop() }

    private func run(_ job: Job, on writer: any SuppressionBatchWriter) {
        condition.lock()
        let failed = failure != nil
        condition.unlock()
        var outcome: Result<SuppressionTally, StoreError> = .failure(.store("an earlier batch failed", context: "skipped"))
        if !failed {
            do { outcome = .success(try writer.apply(job.batch, entries: job.entries, logging: job.record)) }
            catch { outcome = .failure(error) }
        }
        condition.lock()
        defer { condition.unlock() }
        inFlight -= 1
        switch outcome {
        case .success(let tally): committed(job.record, tally)
        case .failure(let error): if failure == nil { failure = error }
        }
        condition.broadcast()
    }

    /// Under `condition`: records a committed batch and advances the prefix over every batch now
    /// contiguous with it.
    private func committed(_ record: ImportCheckpoint, _ tally: SuppressionTally) {
        done[record.batchesCommitted] = LoggedBatch(checkpoint: record, tally: tally)
        while let next = done.removeValue(forKey: prefix.batchesCommitted + 1) {
            var c = next.checkpoint
            c.counters.newlySuppressed = prefix.counters.newlySuppressed + next.tally.newlySuppressed
            c.counters.alreadySuppressed = prefix.counters.alreadySuppressed + next.tally.alreadySuppressed
            c.counters.notSubscribed = prefix.counters.notSubscribed + next.tally.notSubscribed
            prefix = c
        }
    }

    /// Hands one transaction to a writer; `record.batchesCommitted` is its batch number and the
    /// record's tally counters are ignored (the prefix supplies them). Throws a writer's failure.
    func submit(_ batch: SuppressionBatch, entries: Range<Int>, record: ImportCheckpoint) throws(StoreError) {
        if let logged = skip[record.batchesCommitted] {
            // Committed by the interrupted run past a gap: the same batch, or a different split.
            guard logged.checkpoint.nextLine == record.nextLine, logged.checkpoint.window == record.window else {
                throw .store("the interrupted import committed batch \(record.batchesCommitted) with other --batch or --window " +
                             "values; resume with the values it ran with", context: "cannot resume")
            }
            condition.lock()
            committed(record, logged.tally)
            condition.unlock()
            return
        }
        condition.lock()
        if let failure { condition.unlock(); throw failure }
        inFlight += 1
        condition.unlock()
        guard jobs.send(Job(batch: batch, entries: entries, record: record)) else {
            throw .store("the writers were stopped", context: "cannot apply the batch")
        }
        try foldIfDue()
    }

    /// The checkpoint through every batch committed so far without a gap.
    var checkpoint: ImportCheckpoint {
        condition.lock()
        defer { condition.unlock() }
        return prefix
    }

    private func foldIfDue(force: Bool = false) throws(StoreError) {
        let c = checkpoint
        guard c.batchesCommitted > storedBatch && (force || c.batchesCommitted - storedBatch >= Self.foldEvery) else { return }
        try log.fold(c)
        storedBatch = c.batchesCommitted
    }

    /// Waits for every submitted transaction, stores the final checkpoint and returns it; throws
    /// the first writer failure after storing what was committed without a gap.
    func finish() throws(StoreError) -> ImportCheckpoint {
        condition.lock()
        while inFlight > 0 { condition.wait() }
        let failure = self.failure
        condition.unlock()
        stop()
        do { try foldIfDue(force: true) } catch { throw failure ?? error }
        if let failure { throw failure }
        return checkpoint
    }

    /// Stops the writer threads (what they hold in flight commits or rolls back first).
    func stop() {
        guard !finished else { return }
        finished = true
        jobs.close()
        threads.wait()
    }

    /// Before an import: moves the stored checkpoint of `fingerprint` over the batches an
    /// interrupted run logged without a gap after it (`--resume`), so that what is read back is
    /// the exact committed prefix.
    static func foldLogged(_ log: any ParallelBatchLog, fingerprint: String) throws(StoreError) {
        let logged = try log.loggedBatches(fingerprint: fingerprint)
        guard var c = try log.checkpoint(fingerprint: fingerprint), !logged.isEmpty else { return }
        let start = c.batchesCommitted
        for next in logged where next.checkpoint.batchesCommitted == c.batchesCommitted + 1 {
            let counters = c.counters
            c = next.checkpoint
            c.counters.newlySuppressed = counters.newlySuppressed + next.tally.newlySuppressed
            c.counters.alreadySuppressed = counters.alreadySuppressed + next.tally.alreadySuppressed
            c.counters.notSubscribed = counters.notSubscribed + next.tally.notSubscribed
        }
        if c.batchesCommitted > start { try log.fold(c) }
    }
}

/// Moves a writer to its thread. @unchecked: after the hand-off only that thread uses it.
private final class WriterHandOff: @unchecked Sendable {
    let writer: any SuppressionBatchWriter
    init(_ writer: any SuppressionBatchWriter) { self.writer = writer }
}
