import XCTest
import RcomStore
@testable import RcomBlacklist

final class SuppressionImporterTests: XCTestCase {
    func testBothModesAndBothFormatsReachTheSameStateAndTheGeneratorsCounts() throws {
        let dir = try TestDirectory()
        let expected = try dir.makeSample()
        var dumps: [[String]] = []
        for (mode, file) in [(ImportOptions.Mode.sequential, "bounces.csv"), (.concurrent, "bounces.csv"),
                             (.sequential, "bounces.txt"), (.concurrent, "bounces.txt")] {
            let db = try dir.copyDatabase(to: "\(mode)-\(file).sqlite")
            let report = try runImport(dir.path(file), db: db, smallOptions(mode))
            let c = report.counters
            XCTAssertTrue(report.completed)
            XCTAssertEqual(c.linesRead, expected.lines, "\(mode) \(file)")
            XCTAssertEqual(c.malformed, expected.malformed, "\(mode) \(file)")
            XCTAssertEqual(c.duplicates, expected.duplicates, "\(mode) \(file)")
            XCTAssertEqual(c.notSubscribed, expected.notSubscribed, "\(mode) \(file)")
            XCTAssertEqual(c.newlySuppressed, expected.subscribersBounced, "\(mode) \(file)")
            XCTAssertEqual(c.alreadySuppressed, 0)
            XCTAssertEqual(c.valid, c.duplicates + c.newlySuppressed + c.alreadySuppressed + c.notSubscribed)
            XCTAssertEqual(c.linesRead, c.valid + c.malformed + c.blank)
            XCTAssertEqual(try StoreDump.suppressedCount(db), expected.subscribersBounced)
            if file == "bounces.csv" { dumps.append(try StoreDump.tables(db)) }
        }
        XCTAssertEqual(dumps[0], dumps[1], "sequential and concurrent end states differ")
        XCTAssertGreaterThan(expected.malformed + expected.duplicates + expected.notSubscribed, 0, "the sample has every kind")
    }

    func testWindowAndBatchSizesDoNotChangeTheOutcome() throws {
        let dir = try TestDirectory()
        try dir.makeSample(subscribers: 1_500, bounces: 1_000)
        let a = try dir.copyDatabase(to: "a.sqlite"), b = try dir.copyDatabase(to: "b.sqlite")
        let ra = try runImport(dir.path("bounces.csv"), db: a, smallOptions(.sequential, batch: 7, window: 13))
        let rb = try runImport(dir.path("bounces.csv"), db: b, smallOptions(.concurrent, batch: 2_000, window: 100_000))
        XCTAssertEqual(ra.counters, rb.counters)
        XCTAssertEqual(try StoreDump.subscriptions(a), try StoreDump.subscriptions(b))
        XCTAssertEqual(ra.malformedSamples, rb.malformedSamples)
    }

    func testSmallFileCountsEveryKindOfLine() throws {
        let dir = try TestDirectory()
        try dir.makeSample(subscribers: 10, bounces: 0)
        let db = dir.path("subscriptions.sqlite")
        let subscribers = try StoreDump.subscriptions(db).map { String($0.split(separator: "|")[0]) }
        let csv = """
            Email,Reason,Bounced_At
            \(subscribers[0].uppercased()),550 5.1.1 user unknown,2026-11-01T10:00:00Z
              \(subscribers[1])  ,"452 4.2.2 mailbox full, try later",2026-11-02T10:00:00Z
            \(subscribers[0]),421 later,2026-11-03T10:00:00Z
            nobody@nowhere.example,550 gone,2026-11-04T10:00:00Z
            not-an-address,550 x,2026-11-05T10:00:00Z
            "broken@x.io,550,2026-11-05T10:00:00Z

            \(subscribers[2]),,garbage-time
            """
        let file = try dir.write("small.csv", csv)
        let report = try runImport(file, db: db, smallOptions(.sequential, batch: 2, window: 3))
        let c = report.counters
        XCTAssertEqual([c.linesRead, c.valid, c.malformed, c.blank, c.duplicates, c.newlySuppressed, c.notSubscribed],
                       [8, 5, 2, 1, 1, 3, 1])
        XCTAssertEqual(report.malformedSamples.map(\.line), [6, 7])
        XCTAssertEqual(report.malformedSamples.map(\.problem), ["no '@'", "unterminated quote"])
        let store = try SQLiteSuppressionStore(path: db)
        XCTAssertEqual(try store.suppression(email: subscribers[0]),
                       Suppression(email: subscribers[0], reason: "hard bounce: 550 5.1.1 user unknown",
                                   suppressedAt_s: 1_793_527_200), "the first line of a repeated address wins")
        XCTAssertEqual(try store.suppression(email: subscribers[1])?.reason, "soft bounce: 452 4.2.2 mailbox full, try later")
        XCTAssertEqual(try store.suppression(email: subscribers[2]),
                       Suppression(email: subscribers[2], reason: "hard bounce", suppressedAt_s: 1_795_000_000),
                       "no reason and no valid time: the defaults")
        XCTAssertFalse(try store.isSuppressed(email: subscribers[3]))
    }

    func testARerunChangesNothingAndNeverUnsuppresses() throws {
        let dir = try TestDirectory()
        let expected = try dir.makeSample()
        let db = dir.path("subscriptions.sqlite")
        let first = try runImport(dir.path("bounces.csv"), db: db, smallOptions(.sequential))
        let after = try StoreDump.subscriptions(db)
        let second = try runImport(dir.path("bounces.txt"), db: db, smallOptions(.concurrent))
        XCTAssertEqual(try StoreDump.subscriptions(db), after, "a second import changed the database")
        XCTAssertEqual(second.counters.newlySuppressed, 0)
        XCTAssertEqual(second.counters.alreadySuppressed, expected.subscribersBounced)
        XCTAssertEqual(first.counters.newlySuppressed, expected.subscribersBounced)

        let third = try runImport(dir.path("bounces.csv"), db: db, smallOptions(.sequential))
        XCTAssertEqual(third.counters.newlySuppressed, 0, "same file again: still nothing new")
        XCTAssertEqual(try StoreDump.subscriptions(db), after)
    }

    func testAnInterruptStopsAfterACommitAndResumeEndsLikeACleanRun() throws {
        let dir = try TestDirectory()
        try dir.makeSample()
        let clean = try dir.copyDatabase(to: "clean.sqlite")
        let cleanReport = try runImport(dir.path("bounces.csv"), db: clean, smallOptions(.sequential))
        var stoppedInsideAWindow = 0
        for (mode, stopAfter) in [(ImportOptions.Mode.sequential, 1), (.concurrent, 5), (.sequential, 17), (.concurrent, 30)] {
            let db = try dir.copyDatabase(to: "int-\(mode)-\(stopAfter).sqlite")
            let flag = InterruptFlag()
            let stopped = try runImport(dir.path("bounces.csv"), db: db, smallOptions(mode), interrupt: flag) { p in
                if p.batchesCommitted == stopAfter { flag.raise() }
            }
            XCTAssertTrue(stopped.interrupted, "\(mode) \(stopAfter)")
            XCTAssertFalse(stopped.completed)
            XCTAssertEqual(stopped.batchesCommitted, stopAfter, "stops right after the batch in flight")
            // The counters are what this run really did: every line it read (the window it stopped
            // in was read whole), and the valid ones it did not apply yet counted apart.
            let c = stopped.counters
            XCTAssertEqual(c.linesRead, c.valid + c.malformed + c.blank, "\(mode) \(stopAfter)")
            XCTAssertEqual(c.valid, c.duplicates + c.newlySuppressed + c.alreadySuppressed + c.notSubscribed
                           + stopped.notYetApplied, "\(mode) \(stopAfter)")
            XCTAssertLessThanOrEqual(stopped.malformedSamples.count, c.malformed, "no sample of a line not counted")
            if let window = stopped.openWindow {
                stoppedInsideAWindow += 1
                XCTAssertGreaterThan(stopped.notYetApplied, 0, "\(mode) \(stopAfter)")
                XCTAssertEqual(c.linesRead, window.upperBound - 1, "the header, then every line through the open window")
                XCTAssertTrue(stopped.text.contains("stopped inside the window of lines \(ImportReport.grouped(window.lowerBound))–"),
                              stopped.text)
            } else {
                XCTAssertEqual(stopped.notYetApplied, 0, "\(mode) \(stopAfter)")
                XCTAssertEqual(c.linesRead, stopped.nextLine - 2, "the header, then every line before the next")
            }
            var resume = smallOptions(mode == .sequential ? .concurrent : .sequential)
            resume.resume = true
            let resumed = try runImport(dir.path("bounces.csv"), db: db, resume)
            XCTAssertTrue(resumed.completed)
            XCTAssertEqual(resumed.counters, cleanReport.counters, "\(mode) \(stopAfter)")
            XCTAssertEqual(try StoreDump.tables(db), try StoreDump.tables(clean), "\(mode) \(stopAfter)")
        }
        XCTAssertGreaterThan(stoppedInsideAWindow, 0, "no stop fell inside a window: the counters of one were not checked")
    }

    func testResumingAChangedFileIsRefused() throws {
        let dir = try TestDirectory()
        try dir.makeSample(subscribers: 200, bounces: 400)
        let db = dir.path("subscriptions.sqlite")
        let flag = InterruptFlag()
        _ = try runImport(dir.path("bounces.csv"), db: db, smallOptions(.sequential), interrupt: flag) { _ in flag.raise() }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dir.path("bounces.csv")))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("late@x.io,550 gone,2026-11-20T00:00:00Z\n".utf8))
        try handle.close()
        var resume = smallOptions(.sequential)
        resume.resume = true
        XCTAssertThrowsError(try runImport(dir.path("bounces.csv"), db: db, resume)) { error in
            XCTAssertTrue("\(error)".contains("changed since"), "\(error)")
        }
    }
}
