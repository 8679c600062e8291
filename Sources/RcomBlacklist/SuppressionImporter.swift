import Foundation
import RcomStore

/// Applies a bounce file to a `SuppressionStore`, batch by batch, each batch committed with its
/// checkpoint. The stages are the same in both modes; only who runs them differs:
///
///     read lines → prepare (parse, normalise, de-duplicate, sort) → drop file-wide repeats → apply
///
/// Sequential runs all four on the calling thread. Concurrent runs the reader on a thread, the
/// preparing on `workers` threads, and the last two on the calling thread, in file order.
public final class SuppressionImporter {
    let store: any SuppressionStore
    let options: ImportOptions
    let interrupt: InterruptFlag?
    let progress: ((ImportProgress) -> Void)?

    private var seen = AddressSet()
    private var totals = ImportCounters()
    private var samples: [MalformedLine] = []
    private var checkpoint: ImportCheckpoint!
    private var fingerprint: FileFingerprint!
    private var started = ContinuousClock.now
    private var linesThisRun = 0

    public init(store: any SuppressionStore, options: ImportOptions,
                interrupt: InterruptFlag? = nil, progress: ((ImportProgress) -> Void)? = nil) {
        precondition(options.batchLines > 0 && options.workers > 0)
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
        fingerprint = fp
        let format = BounceFileFormat.detect(firstLine: fp.firstLine)
        let dataStart: (line: Int, offset: Int64) = format.hasHeader ? (2, fp.firstLineLength) : (1, 0)
        var notes: [String] = []

        let existing: ImportCheckpoint?
        do { existing = try store.checkpoint(fingerprint: fp.text) }
        catch { throw .store(error, resumeLine: nil) }

        var startedAt = options.importStartedAt
        var start = dataStart
        var batchesBefore = 0
        if options.resume, let existing {
            if existing.completed {
                notes.append("\(path) was already imported completely; nothing to resume")
                return report(path: path, database: displayDatabase, from: existing, startLine: existing.nextLine,
                              interrupted: false, notes: notes)
            }
            start = (existing.nextLine, existing.byteOffset)
            startedAt = existing.importStartedAt
            batchesBefore = existing.batchesCommitted
            notes.append("resuming at line \(existing.nextLine) after \(existing.batchesCommitted) committed batches")
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

        let preparer = BatchPreparer(format: format, importStartedAt: startedAt,
                                     samplesMax: options.malformedSamplesMax)
        checkpoint = ImportCheckpoint(fingerprint: fp.text, sourcePath: absolute, nextLine: start.line,
                                      byteOffset: start.offset, batchesCommitted: batchesBefore,
                                      counters: ImportCounters(), importStartedAt: startedAt, completed: false)
        if start.offset > dataStart.offset {
            // Re-learn the prefix's addresses (no writes) so repeats of them still count as duplicates.
            try replayPrefix(path: path, from: dataStart, to: start.offset, preparer: preparer)
            totals = existing?.counters ?? totals
        }

        let reader = try BounceFileReader(path: path, startOffset: start.offset, firstLine: start.line,
                                          endOffset: fp.size, batchLines: options.batchLines,
                                          lineBytesMax: options.lineBytesMax)
        let interrupted: Bool
        switch options.mode {
        case .sequential: interrupted = try runSequential(reader: reader, preparer: preparer)
        case .concurrent: interrupted = try runConcurrent(reader: reader, preparer: preparer)
        }
        if !interrupted && !checkpoint.completed {
            // Nothing after the header (or the resume point): still record that the file is done.
            checkpoint.completed = true
            checkpoint.counters = totals
            do { try store.save(checkpoint) } catch { throw .store(error, resumeLine: checkpoint.nextLine) }
        }
        return report(path: path, database: displayDatabase, from: checkpoint, startLine: start.line,
                      interrupted: interrupted, notes: notes)
    }

    private func report(path: String, database: String, from c: ImportCheckpoint, startLine: Int,
                        interrupted: Bool, notes: [String]) -> ImportReport {
        let elapsed = ContinuousClock.now - started
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        return ImportReport(file: path, database: database, mode: options.mode, batchLines: options.batchLines,
                            workers: options.mode == .concurrent ? options.workers : 1,
                            counters: c.counters, malformedSamples: samples, startLine: startLine,
                            nextLine: c.nextLine, batchesCommitted: c.batchesCommitted, completed: c.completed,
                            interrupted: interrupted, linesThisRun: linesThisRun, elapsed_ms: ms, notes: notes)
    }

    private func replayPrefix(path: String, from: (line: Int, offset: Int64), to end: Int64,
                              preparer: BatchPreparer) throws(ImportError) {
        let reader = try BounceFileReader(path: path, startOffset: from.offset, firstLine: from.line,
                                          endOffset: end, batchLines: options.batchLines,
                                          lineBytesMax: options.lineBytesMax)
        while let raw = try reader.next() {
            let prepared = preparer.prepare(raw)
            remember(prepared.malformedSamples)
            prepared.suppressions.bytes.withUnsafeBufferPointer { arena in
                for (i, entry) in prepared.suppressions.entries.enumerated() {
                    _ = seen.insert(UnsafeBufferPointer(rebasing: arena[entry.email]), hash: prepared.hashes[i])
                }
            }
        }
    }

    private func remember(_ more: [MalformedLine]) {
        let room = options.malformedSamplesMax - samples.count
        if room > 0 { samples.append(contentsOf: more.prefix(room)) }
    }

    /// True when stopped by an interrupt.
    private func runSequential(reader: BounceFileReader, preparer: BatchPreparer) throws(ImportError) -> Bool {
        while let raw = try reader.next() {
            try commit(preparer.prepare(raw))
            if shouldStop(after: raw.isLast) { return true }
        }
        return false
    }

    private func runConcurrent(reader: BounceFileReader, preparer: BatchPreparer) throws(ImportError) -> Bool {
        let workers = options.workers
        let input = BoundedChannel<RawBatch>(capacity: options.readAheadBatches)
        let output = OrderedFanIn<PreparedBatch>(window: options.readAheadBatches, producers: workers)
        let threads = DispatchGroup()
        let handOff = ReaderHandOff(reader)

        Self.spawn(threads, name: "rcom-blacklist-reader") {
            do throws(ImportError) {
                while let raw = try handOff.reader.next() {
                    guard input.send(raw) else { break }
                }
            } catch {
                output.fail(error)
            }
            input.close()
        }
        for i in 0..<workers {
            Self.spawn(threads, name: "rcom-blacklist-worker-\(i)") {
                while let raw = input.receive() {
                    guard output.put(seq: raw.seq, preparer.prepare(raw)) else { break }
                }
                output.producerFinished()
            }
        }
        func stopAll() {
            input.cancel()
            output.cancel()
            threads.wait()
        }
        while let next = output.take() {
            switch next {
            case .failure(let error):
                stopAll()
                throw error
            case .success(let prepared):
                do { try commit(prepared) } catch { stopAll(); throw error }
                if shouldStop(after: prepared.isLast) { stopAll(); return true }
            }
        }
        threads.wait()
        return false
    }

    private static func spawn(_ group: DispatchGroup, name: String, _ body: @escaping @Sendable () -> Void) {
        group.enter()
        let thread = Thread {
            body()
            group.leave()
        }
        thread.name = name
        thread.start()
    }

    private func shouldStop(after last: Bool) -> Bool {
        if !last && options.pauseBetweenBatches_ms > 0 {
            Thread.sleep(forTimeInterval: Double(options.pauseBetweenBatches_ms) / 1000)
        }
        return !last && (interrupt?.isRaised ?? false)
    }

    /// Drops addresses seen in earlier batches, then applies the batch with its checkpoint.
    private func commit(_ prepared: PreparedBatch) throws(ImportError) {
        var batch = prepared.suppressions
        var repeats = 0
        var kept: [SuppressionBatch.Entry] = []
        kept.reserveCapacity(batch.entries.count)
        batch.bytes.withUnsafeBufferPointer { arena in
            for (i, entry) in batch.entries.enumerated() {
                if seen.insert(UnsafeBufferPointer(rebasing: arena[entry.email]), hash: prepared.hashes[i]) {
                    kept.append(entry)
                } else {
                    repeats += 1
                }
            }
        }
        batch.entries = kept
        var counters = totals + prepared.counters
        counters.duplicates += repeats
        var next = checkpoint!
        next.nextLine = prepared.firstLine + prepared.lineCount
        next.byteOffset = prepared.endOffset
        next.batchesCommitted += 1
        next.completed = prepared.isLast
        let base = counters
        let tally: SuppressionTally
        do {
            tally = try store.apply(batch) { tally in
                var c = next
                c.counters = base
                c.counters.newlySuppressed += tally.newlySuppressed
                c.counters.alreadySuppressed += tally.alreadySuppressed
                c.counters.notSubscribed += tally.notSubscribed
                return c
            }
        } catch {
            throw .store(error, resumeLine: checkpoint.nextLine)
        }
        counters.newlySuppressed += tally.newlySuppressed
        counters.alreadySuppressed += tally.alreadySuppressed
        counters.notSubscribed += tally.notSubscribed
        next.counters = counters
        totals = counters
        checkpoint = next
        linesThisRun += prepared.lineCount
        remember(prepared.malformedSamples)
        if let progress {
            let elapsed = ContinuousClock.now - started
            progress(ImportProgress(linesDone: next.nextLine - 1, linesTotal: fingerprint.lines,
                                    elapsed_s: Double(elapsed.components.seconds)
                                        + Double(elapsed.components.attoseconds) / 1e18))
        }
    }
}

/// Moves the reader to the reader thread. @unchecked: after the hand-off only that thread uses it.
private final class ReaderHandOff: @unchecked Sendable {
    let reader: BounceFileReader
    init(_ reader: BounceFileReader) { self.reader = reader }
}
