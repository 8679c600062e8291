import Foundation
import RcomStore

/// Applies a bounce file to a `SuppressionStore`. The stages are the same in both modes; only
/// who runs them differs:
///
///     read batches → prepare (parse, normalise, sort keys) → gather a window → sort it
///         → in parts: gather (drop repeats) → apply in transactions
///
/// Sequential runs everything on the calling thread. Concurrent runs the reader on a thread,
/// the preparing on `workers` threads, the window's sort on two, and the parts' gathering
/// (with their subscription look-ups) on one more; the calling thread gathers the batches in
/// file order and is the one writer, because SQLite has one writer at a time.
///
/// Each transaction carries up to `batchLines` addresses and the checkpoint that says how far
/// the import is, so a crash loses nothing that was committed and repeats nothing.
public final class SuppressionImporter {
    let store: any SuppressionStore
    let options: ImportOptions
    let interrupt: InterruptFlag?
    let progress: ((ImportProgress) -> Void)?
    /// Told around each sequential commit (a parallel writer's commits are not observed).
    public var batchObserver: ImportBatchObserver?

    /// Addresses of earlier windows, for counting repeats across windows. Nil while a window's
    /// gatherer owns it (see `apply`).
    var seen: AddressSet? = AddressSet()
    var totals = ImportCounters()
    private var samples: [MalformedLine] = []
    var checkpoint: ImportCheckpoint!
    private var linesTotal = 0
    private var started = ContinuousClock.now
    var linesThisRun = 0
    /// For progress: the last line read so far.
    private var linesReadThrough = 0
    /// Concurrent mode: the gathering thread flags each part's subscribed addresses with it.
    var subscriptionLookup: (any SubscriptionLookup)?
    /// Concurrent mode on a store with parallel writers: where the transactions go. `totals`
    /// then holds the line counters only; the writers' checkpoint adds the tallies.
    var parallel: ParallelWriters?
    /// An interrupt inside a window: its lines were all read and counted, only some of its
    /// addresses committed. The checkpoint counts a window's lines when its last address is
    /// committed, so the report adds these to say what this run really read.
    var openWindow: (counters: ImportCounters, lines: ClosedRange<Int>)?
    /// Records read that do not suppress (soft bounces, other notifications): `PreparedBatch.skipped`.
    private var skipped = SkippedRecords()
    private var formatRead = BounceFileFormat.addressList
    private var fileSize: Int64 = 0

    public init(store: any SuppressionStore, options: ImportOptions,
                interrupt: InterruptFlag? = nil, progress: ((ImportProgress) -> Void)? = nil) {
        precondition(options.batchLines > 0 && options.workers > 0 && options.windowLines > 0 && options.partAddresses > 0)
        self.store = store
        self.options = options
        self.interrupt = interrupt
        self.progress = progress
    }

    /// Imports the file at `path`. `displayDatabase` only labels the report.
    public func run(path: String, displayDatabase: String = "") throws(ImportError) -> ImportReport {
        started = ContinuousClock.now
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let fp = try FileFingerprint.of(path: path)
        let format = try Self.format(of: path, prefix: fp.prefix, forced: options.format)
        // A JSON export's records are not its lines: the total is estimated as batches arrive.
        linesTotal = format.isJSON ? 0 : fp.lines
        fileSize = fp.size
        formatRead = format
        let dataStart: (line: Int, offset: Int64) = format.hasHeader ? (2, fp.firstLineLength) : (1, 0)
        var notes: [String] = []

        let existing: ImportCheckpoint?
        do {
            // Batches a parallel import logged past its checkpoint: --resume continues after the
            // committed prefix; a new import starts its batch numbers, and the log, afresh.
            if let log = store as? any ParallelBatchLog {
                if options.resume { try ParallelWriters.foldLogged(log, fingerprint: fp.text) }
                else { try log.clearLog(fingerprint: fp.text) }
            }
            existing = try store.checkpoint(fingerprint: fp.text)
        }
        catch { throw .store(error, resumeLine: nil) }

        var resumeFrom: ImportCheckpoint? = nil
        if options.resume, let existing {
            if existing.completed {
                notes.append("\(path) was already imported completely; nothing to resume")
                checkpoint = existing
                return report(path: path, database: displayDatabase, startLine: existing.nextLine,
                              interrupted: false, notes: notes)
            }
            resumeFrom = existing
            if let window = existing.window {
                notes.append("resuming inside \(ImportReport.window(existing.nextLine...max(existing.nextLine, window.endLine - 1))) " +
                             "(\(ImportReport.grouped(existing.batchesCommitted)) batches committed so far)")
            } else {
                notes.append("resuming at line \(ImportReport.grouped(existing.nextLine)) after " +
                             "\(ImportReport.grouped(existing.batchesCommitted)) committed batches")
            }
        } else if options.resume {
            let other: ImportCheckpoint?
            do { other = try store.latestCheckpoint(sourcePath: absolute) }
            catch { throw .store(error, resumeLine: nil) }
            if let other, !other.completed {
                throw .changedSinceCheckpoint(path: path, stoppedAtLine: other.nextLine)
            }
            notes.append("no checkpoint for this file; starting at line \(dataStart.line)")
        } else if let existing, !existing.completed {
            notes.append("an earlier import of this file stopped at line \(existing.nextLine); " +
                         "starting again from line \(dataStart.line) (--resume continues instead)")
        }

        let startedAt_s = resumeFrom?.importStartedAt_s ?? options.importStartedAt_s
        let preparer = BatchPreparer(format: format, importStartedAt_s: startedAt_s,
                                     samplesMax: options.malformedSamplesMax)
        let start = resumeFrom.map { ($0.nextLine, $0.byteOffset) } ?? dataStart
        checkpoint = ImportCheckpoint(fingerprint: fp.text, sourcePath: absolute, nextLine: start.0,
                                      byteOffset: start.1, batchesCommitted: resumeFrom?.batchesCommitted ?? 0,
                                      counters: resumeFrom?.counters ?? ImportCounters(),
                                      importStartedAt_s: startedAt_s, completed: false)
        totals = checkpoint.counters
        if start.1 > dataStart.offset {
            // Re-learn the addresses before the resume point (no writes), so that repeats of
            // them still count as duplicates, and their malformed lines still get reported.
            try replay(path: path, format: format, from: dataStart, to: start.1, fileSize: fp.size, preparer: preparer)
        }

        let reader = try makeReader(path: path, format: format, from: start, stopAt: fp.size, fileSize: fp.size,
                                    firstWindowEndLine: resumeFrom?.window?.endLine)
        let skip = resumeFrom?.window?.appliedThrough
        // Concurrent mode has the cores to spare for the store's upkeep (WAL checkpoints) while
        // this thread writes; sequential keeps everything on this thread.
        do { try store.beginBulkImport(backgroundMaintenance: options.mode == .concurrent) }
        catch { throw .store(error, resumeLine: checkpoint.nextLine) }
        var ended = false
        defer { if !ended { try? store.endBulkImport() } }
        let interrupted: Bool
        switch options.mode {
        case .sequential:
            interrupted = try drive(skipThrough: skip) { () throws(ImportError) in
                try reader.next().map(preparer.prepare)
            }
        case .concurrent:
            // Without one (a backend that has none, or a failure to open it) the writer looks
            // subscriptions up itself, as in sequential mode.
            subscriptionLookup = try? store.makeSubscriptionLookup()
            defer { subscriptionLookup = nil }
            if let log = store as? any ParallelBatchLog {
                do {
                    if resumeFrom == nil { try log.fold(checkpoint) }   // a stored start for the log to follow
                    parallel = try ParallelWriters(log: log, writers: options.writers, start: checkpoint)
                } catch { throw .store(error, resumeLine: checkpoint.nextLine) }
            }
            defer { parallel?.stop(); parallel = nil }
            let stopped: Bool
            do { stopped = try runConcurrent(reader: reader, preparer: preparer, skipThrough: skip) } catch {
                // Store the prefix committed without a gap; the error is the one to report.
                _ = try? parallel?.finish()
                throw error
            }
            if let parallel {
                do { checkpoint = try parallel.finish() } catch { throw .store(error, resumeLine: parallel.checkpoint.nextLine) }
                totals = checkpoint.counters
            }
            interrupted = stopped
        }
        ended = true
        do { try store.endBulkImport() } catch { throw .store(error, resumeLine: checkpoint.nextLine) }
        if !interrupted && !checkpoint.completed {
            // Nothing after the header: still record that the file is done.
            checkpoint.completed = true
            do { try store.save(checkpoint) } catch { throw .store(error, resumeLine: checkpoint.nextLine) }
        }
        return report(path: path, database: displayDatabase, startLine: start.0, interrupted: interrupted, notes: notes)
    }

    private func report(path: String, database: String, startLine: Int, interrupted: Bool, notes: [String]) -> ImportReport {
        let elapsed = ContinuousClock.now - started
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let c = checkpoint!
        return ImportReport(file: path, database: database, mode: options.mode, batchLines: options.batchLines,
                            workers: options.mode == .concurrent ? options.workers : 1,
                            counters: c.counters + (openWindow?.counters ?? ImportCounters()),
                            openWindow: openWindow?.lines, malformedSamples: samples, startLine: startLine,
                            nextLine: c.nextLine, batchesCommitted: c.batchesCommitted, completed: c.completed,
                            interrupted: interrupted, linesThisRun: linesThisRun, elapsed_ms: ms, notes: notes,
                            format: formatRead.label, skipped: skipped.total, skippedBy: skipped)
    }

    private func replay(path: String, format: BounceFileFormat, from: (line: Int, offset: Int64), to end: Int64,
                        fileSize: Int64, preparer: BatchPreparer) throws(ImportError) {
        let reader = try makeReader(path: path, format: format, from: from, stopAt: end, fileSize: fileSize)
        while let raw = try reader.next() {
            let prepared = preparer.prepare(raw)
            skipped += prepared.skipped
            remember(prepared.malformedSamples)
            prepared.suppressions.bytes.withUnsafeBufferPointer { arena in
                for entry in prepared.suppressions.entries {
                    let email = UnsafeBufferPointer(rebasing: arena[entry.email])
                    _ = seen!.insert(email, hash: AddressSet.hash(email))
                }
            }
        }
    }

    func remember(_ more: [MalformedLine]) {
        let room = options.malformedSamplesMax - samples.count
        if room > 0 { samples.append(contentsOf: more.prefix(room)) }
    }

    /// Gathers batches into windows and applies each; true when stopped by an interrupt.
    /// `skipThrough`: the first window was applied up to this address by an interrupted run.
    func drive(skipThrough: String?, next: () throws(ImportError) -> PreparedBatch?) throws(ImportError) -> Bool {
        var skip = skipThrough
        var window = ImportWindow(startLine: checkpoint.nextLine, startOffset: checkpoint.byteOffset,
                                  expectedLines: expectedLines(from: checkpoint.nextLine))
        while let prepared = try next() {
            skipped += prepared.skipped
            if formatRead.isJSON, prepared.endOffset > 0 {
                // Records so far, scaled to the file's size: the progress bar's total.
                let records = prepared.firstLine + prepared.lineCount - 1
                linesTotal = max(records, Int(Double(records) * Double(fileSize) / Double(prepared.endOffset)))
            }
            window.add(prepared, samplesMax: options.malformedSamplesMax)
            reportProgress(line: window.startLine - 1, read: window.endLine - 1)
            guard prepared.closesWindow else { continue }
            if try apply(&window, skipThrough: skip) { return true }
            window = ImportWindow(startLine: window.endLine, startOffset: window.endOffset,
                                  expectedLines: expectedLines(from: window.endLine))
            skip = nil
        }
        return false
    }

    /// Lines of the window starting at `line`: a whole window, or what is left of the file.
    private func expectedLines(from line: Int) -> Int {
        // JSON: the records left are not known; the window's size is (reserved, not touched).
        formatRead.isJSON ? options.windowLines : min(options.windowLines, max(linesTotal - line + 1, 0))
    }

    /// `line`: the last line whose addresses are committed; `read`: the last line read.
    func reportProgress(line: Int, read: Int? = nil) {
        guard let progress else { return }
        if let read { linesReadThrough = max(linesReadThrough, read) }
        let elapsed = ContinuousClock.now - started
        progress(ImportProgress(linesDone: line, linesRead: max(linesReadThrough, line), linesTotal: linesTotal,
                                elapsed_s: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                                batchesCommitted: checkpoint.batchesCommitted))
    }
}

extension ImportCounters {
    mutating func add(_ tally: SuppressionTally) {
        newlySuppressed += tally.newlySuppressed
        alreadySuppressed += tally.alreadySuppressed
        notSubscribed += tally.notSubscribed
    }
}

