import Foundation
import XCTest
import RcomStore
@testable import RcomBlacklist

/// The checkpoint rule with parallel writers (PostgreSQL): a batch that fails while later ones
/// commit leaves a gap; the stored checkpoint must stop before it, the later batches stay logged,
/// and `--resume` must end exactly like an uninterrupted run (tables and totals).
final class ParallelWritersTests: XCTestCase {
    /// Forwards to the real store; its writers fail batch `failing` once batch `after` has
    /// committed on another writer, so the gap is certain.
    final class GapMaker: ParallelBatchLog {
        let inner: any ParallelBatchLog
        let failing: Int
        let after: Int
        let condition = NSCondition()
        var committedBatches: Set<Int> = []

        init(_ inner: any ParallelBatchLog, failing: Int, after: Int) {
            self.inner = inner
            self.failing = failing
            self.after = after
        }

        final class Writer: SuppressionBatchWriter {
            let inner: any SuppressionBatchWriter
            unowned let owner: GapMaker
            init(_ inner: any SuppressionBatchWriter, owner: GapMaker) {
                self.inner = inner
                self.owner = owner
            }

            func apply(_ batch: SuppressionBatch, entries: Range<Int>, logging record: ImportCheckpoint) throws(StoreError) -> SuppressionTally {
                if record.batchesCommitted == owner.failing {
                    owner.condition.lock()
                    let deadline = Date().addingTimeInterval(30)
                    while !owner.committedBatches.contains(owner.after) && Date() < deadline {
                        _ = owner.condition.wait(until: deadline)
                    }
                    owner.condition.unlock()
                    throw .store("the test fails this batch", context: "batch \(record.batchesCommitted)")
                }
                let tally = try inner.apply(batch, entries: entries, logging: record)
                owner.condition.lock()
                owner.committedBatches.insert(record.batchesCommitted)
                owner.condition.broadcast()
                owner.condition.unlock()
                return tally
            }
        }

        func makeBatchWriter() throws(StoreError) -> any SuppressionBatchWriter { Writer(try inner.makeBatchWriter(), owner: self) }
        func loggedBatches(fingerprint: String) throws(StoreError) -> [LoggedBatch] { try inner.loggedBatches(fingerprint: fingerprint) }
        func fold(_ checkpoint: ImportCheckpoint) throws(StoreError) { try inner.fold(checkpoint) }
        func clearLog(fingerprint: String) throws(StoreError) { try inner.clearLog(fingerprint: fingerprint) }
        func isSuppressed(email: String) throws(StoreError) -> Bool { try inner.isSuppressed(email: email) }
        func suppression(email: String) throws(StoreError) -> Suppression? { try inner.suppression(email: email) }
        func apply(_ batch: SuppressionBatch, entries: Range<Int>,
                   checkpoint: (SuppressionTally) -> ImportCheckpoint) throws(StoreError) -> SuppressionTally {
            try inner.apply(batch, entries: entries, checkpoint: checkpoint)
        }
        func checkpoint(fingerprint: String) throws(StoreError) -> ImportCheckpoint? { try inner.checkpoint(fingerprint: fingerprint) }
        func latestCheckpoint(sourcePath: String) throws(StoreError) -> ImportCheckpoint? { try inner.latestCheckpoint(sourcePath: sourcePath) }
        func save(_ checkpoint: ImportCheckpoint) throws(StoreError) { try inner.save(checkpoint) }
    }

    func options(resume: Bool = false) -> ImportOptions {
        var options = ImportOptions(importStartedAt_s: 1_795_000_000)
        options.mode = .concurrent
        options.batchLines = 40
        options.windowLines = 700
        options.partAddresses = 150
        options.workers = 2
        options.writers = 4
        options.resume = resume
        return options
    }

    func testAFailedBatchLeavesAGapThatResumeFillsExactly() throws {
        let clean = try BackendUnderTest(.postgres)
        try clean.makeSample(subscribers: 3_000, bounces: 2_000)
        let cleanReport = try SuppressionImporter(store: clean.location.openSuppressionStore(), options: options())
            .run(path: clean.path("bounces.csv"))
        let expected = try clean.dump()

        for (failing, after) in [(3, 6), (1, 4), (12, 15)] {
            let b = try BackendUnderTest(.postgres)
            try b.makeSample(subscribers: 3_000, bounces: 2_000)
            let real = try XCTUnwrap(try b.location.openSuppressionStore() as? any ParallelBatchLog)
            XCTAssertThrowsError(try SuppressionImporter(store: GapMaker(real, failing: failing, after: after), options: options())
                .run(path: b.path("bounces.csv"))) { error in
                XCTAssertTrue("\(error)".contains("the test fails this batch"), "\(error)")
                XCTAssertTrue("\(error)".contains("--resume"), "\(error)")
            }
            let stored = try XCTUnwrap(b.rows("SELECT batches_committed FROM import_checkpoints").first.flatMap { Int($0) })
            XCTAssertEqual(stored, failing - 1, "the stored checkpoint stops before the gap")
            XCTAssertGreaterThan(try b.int("SELECT count(*) FROM import_batches WHERE batch > \(failing)"), 0,
                                 "later batches committed past the gap, logged")
            XCTAssertEqual(try b.int("SELECT count(*) FROM import_batches WHERE batch = \(failing)"), 0)

            let resumed = try SuppressionImporter(store: b.location.openSuppressionStore(), options: options(resume: true))
                .run(path: b.path("bounces.csv"))
            XCTAssertTrue(resumed.completed)
            XCTAssertEqual(resumed.counters, cleanReport.counters, "failing \(failing)")
            XCTAssertEqual(try b.dump(), expected, "failing \(failing)")
            XCTAssertEqual(try b.int("SELECT count(*) FROM import_batches"), 0)
        }
    }

    func testAResumeWithOtherBatchSizesThanTheLoggedBatchesIsRefused() throws {
        let b = try BackendUnderTest(.postgres)
        try b.makeSample(subscribers: 2_000, bounces: 1_500)
        let real = try XCTUnwrap(try b.location.openSuppressionStore() as? any ParallelBatchLog)
        XCTAssertThrowsError(try SuppressionImporter(store: GapMaker(real, failing: 2, after: 5), options: options())
            .run(path: b.path("bounces.csv")))
        var other = options(resume: true)
        other.batchLines = 33
        XCTAssertThrowsError(try SuppressionImporter(store: b.location.openSuppressionStore(), options: other)
            .run(path: b.path("bounces.csv"))) { error in
            XCTAssertTrue("\(error)".contains("other --batch or --window"), "\(error)")
        }
        // With the original sizes it completes.
        XCTAssertTrue(try SuppressionImporter(store: b.location.openSuppressionStore(), options: options(resume: true))
            .run(path: b.path("bounces.csv")).completed)
    }
}
