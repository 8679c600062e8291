import Foundation
import XCTest
import RcomStore
@testable import RcomBlacklist

/// The concurrent import's threads (reader, workers, the window gatherer, the writer) worked hard:
/// many workers on tiny batches with the read-ahead at its minimum, so every channel is full or
/// empty most of the time and every hand-over blocks; and cancels raised from another thread
/// while all of them run. Under ThreadSanitizer these are the tests that show the hand-overs hold.
final class ConcurrentImportStressTests: XCTestCase {
    /// Tiny batches and parts: about 200 batches and 60 parts through the channels for the sample.
    func stressOptions(_ mode: ImportOptions.Mode, workers: Int = 8) -> ImportOptions {
        var options = smallOptions(mode, batch: 10, window: 300)
        options.workers = workers
        options.readAheadBatchesMax = 1
        options.partAddresses = 30
        return options
    }

    func testManyWorkersOnFullChannelsEndRowForRowLikeSequential() throws {
        let dir = try TestDirectory()
        let expected = try dir.makeSample()
        let reference = try dir.copyDatabase(to: "sequential.sqlite")
        let sequential = try XCTUnwrap(withDeadline { try runImport(dir.path("bounces.csv"), db: reference, self.stressOptions(.sequential)) })
        XCTAssertEqual(sequential.counters.newlySuppressed, expected.subscribersBounced)
        for workers in [2, 8, 16] {
            let db = try dir.copyDatabase(to: "concurrent-\(workers).sqlite")
            let report = try XCTUnwrap(withDeadline {
                try runImport(dir.path("bounces.csv"), db: db, self.stressOptions(.concurrent, workers: workers))
            }, "\(workers) workers")
            XCTAssertTrue(report.completed, "\(workers) workers")
            XCTAssertEqual(report.counters, sequential.counters, "\(workers) workers")
            XCTAssertEqual(report.batchesCommitted, sequential.batchesCommitted, "\(workers) workers")
            XCTAssertEqual(report.malformedSamples, sequential.malformedSamples, "\(workers) workers: samples in file order")
            XCTAssertEqual(try StoreDump.tables(db), try StoreDump.tables(reference), "\(workers) workers")
        }
    }

    /// The flag raised on another thread (as the SIGINT handler does, on a Dispatch queue) while
    /// the writer is held right after commit `k`: the import stops after exactly that commit,
    /// releases and joins its blocked reader, workers and gatherer, and a resume ends like a
    /// clean run. (A real SIGINT to a child process: KillAndResumeTests.)
    func testAnInterruptFromAnotherThreadStopsAfterTheCommitInFlightAndJoinsEveryThread() throws {
        let dir = try TestDirectory()
        try dir.makeSample()
        let clean = try dir.copyDatabase(to: "clean.sqlite")
        let cleanRun = try XCTUnwrap(withDeadline { try runImport(dir.path("bounces.csv"), db: clean, self.stressOptions(.concurrent)) })
        for k in [1, 9, 60, 150] {
            let db = try dir.copyDatabase(to: "int-\(k).sqlite")
            let flag = InterruptFlag()
            let reached = DispatchSemaphore(value: 0), raised = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                reached.wait()
                flag.raise()
                raised.signal()
            }
            var held = false, raisedInTime = true
            let stopped = try XCTUnwrap(withDeadline {
                try runImport(dir.path("bounces.csv"), db: db, self.stressOptions(.concurrent), interrupt: flag) { p in
                    guard p.batchesCommitted == k, !held else { return }
                    held = true
                    reached.signal()
                    raisedInTime = raised.wait(timeout: .now() + 60) == .success
                }
            }, "stop after \(k)")
            XCTAssertTrue(raisedInTime, "the other thread did not raise the flag in time (k = \(k))")
            XCTAssertTrue(stopped.interrupted, "k = \(k)")
            XCTAssertFalse(stopped.completed, "k = \(k)")
            XCTAssertEqual(stopped.batchesCommitted, k, "stops right after the commit in flight")
            let c = stopped.counters
            XCTAssertEqual(c.valid, c.duplicates + c.newlySuppressed + c.alreadySuppressed + c.notSubscribed
                           + stopped.notYetApplied, "k = \(k)")
            var resume = stressOptions(.concurrent)
            resume.resume = true
            let resumed = try XCTUnwrap(withDeadline { try runImport(dir.path("bounces.csv"), db: db, resume) }, "resume after \(k)")
            XCTAssertTrue(resumed.completed, "k = \(k)")
            XCTAssertEqual(resumed.counters, cleanRun.counters, "k = \(k)")
            XCTAssertEqual(try StoreDump.tables(db), try StoreDump.tables(clean), "k = \(k)")
        }
    }

    /// The flag raised from another thread without holding the writer: the import stops at
    /// whatever commit it is at (or finishes first), cleanly either way, and a resume completes it.
    func testAnInterruptRacingTheWriterLeavesAResumableState() throws {
        let dir = try TestDirectory()
        try dir.makeSample()
        let clean = try dir.copyDatabase(to: "clean.sqlite")
        let cleanRun = try XCTUnwrap(withDeadline { try runImport(dir.path("bounces.csv"), db: clean, self.stressOptions(.concurrent)) })
        let db = try dir.copyDatabase(to: "racing.sqlite")
        let flag = InterruptFlag()
        let reached = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            reached.wait()
            flag.raise()
        }
        var signalled = false
        let stopped = try XCTUnwrap(withDeadline {
            try runImport(dir.path("bounces.csv"), db: db, self.stressOptions(.concurrent), interrupt: flag) { p in
                guard p.batchesCommitted == 3, !signalled else { return }
                signalled = true
                reached.signal()
            }
        })
        XCTAssertTrue(signalled)
        XCTAssertNotEqual(stopped.interrupted, stopped.completed, "either stopped by the flag or finished first")
        XCTAssertGreaterThanOrEqual(stopped.batchesCommitted, 3)
        var resume = stressOptions(.concurrent)
        resume.resume = true
        let resumed = try XCTUnwrap(withDeadline { try runImport(dir.path("bounces.csv"), db: db, resume) })
        XCTAssertTrue(resumed.completed)
        XCTAssertEqual(try StoreDump.tables(db), try StoreDump.tables(clean))
        if stopped.interrupted { XCTAssertEqual(resumed.counters, cleanRun.counters) }
    }

    /// Runs `body` on a thread of its own and waits at most `seconds` for it: a deadlock fails
    /// the test (nil) instead of hanging the suite.
    func withDeadline<T>(_ seconds: Double = 120, _ body: @escaping () throws -> T) throws -> T? {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let run = UnsafeSendable(body)
        Thread {
            box.result = Result { try run.value() }
            done.signal()
        }.start()
        guard done.wait(timeout: .now() + seconds) == .success else {
            XCTFail("did not finish within \(seconds) s")
            return nil
        }
        return try box.result!.get()
    }
}

/// Hands a value to the one thread that runs it. @unchecked: the test thread does not touch it
/// again until that thread has signalled (a semaphore orders the two).
private final class UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
