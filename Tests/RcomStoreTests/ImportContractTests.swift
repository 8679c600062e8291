import Foundation
import XCTest
import RcomStore
@testable import RcomBlacklist

/// `rcom blacklist` end to end on each backend: the importer's totals are the generator's, both
/// modes and both backends end with the same tables, and a `kill -9` at any commit followed by
/// `--resume` ends exactly like an uninterrupted run (a real `rcom` child process).
final class ImportContractTests: XCTestCase {
    static let deadline_s = 60.0

    func options(_ mode: ImportOptions.Mode) -> ImportOptions {
        var options = ImportOptions(importStartedAt_s: 1_795_000_000)
        options.mode = mode
        options.batchLines = 50
        options.windowLines = 300
        options.workers = 3
        options.writers = 3
        options.partAddresses = 120
        return options
    }

    func testBothModesOnBothBackendsMatchTheGeneratorAndEachOther() throws {
        var dumps: [String: [String]] = [:]
        try onEachBackend { first in
            for mode in ImportOptions.Mode.allCases {
                let b = mode == .sequential ? first : try BackendUnderTest(first.kind)
                let expected = try b.makeSample(subscribers: 3_000, bounces: 2_500)
                let store = try b.location.openSuppressionStore()
                let report = try SuppressionImporter(store: store, options: options(mode)).run(path: b.path("bounces.csv"))
                let c = report.counters
                XCTAssertTrue(report.completed)
                XCTAssertEqual(c.linesRead, expected.lines, "\(b.kind) \(mode)")
                XCTAssertEqual(c.malformed, expected.malformed, "\(b.kind) \(mode)")
                XCTAssertEqual(c.duplicates, expected.duplicates, "\(b.kind) \(mode)")
                XCTAssertEqual(c.notSubscribed, expected.notSubscribed, "\(b.kind) \(mode)")
                XCTAssertEqual(c.newlySuppressed, expected.subscribersBounced, "\(b.kind) \(mode)")
                XCTAssertEqual(c.alreadySuppressed, 0)
                XCTAssertEqual(try b.int("SELECT count(*) FROM import_batches"), 0, "no batch left in the log")
                dumps["\(b.kind) \(mode)"] = try b.dump()
                // A rerun changes nothing and counts every subscriber as already suppressed.
                let again = try SuppressionImporter(store: store, options: options(mode)).run(path: b.path("bounces.csv"))
                XCTAssertEqual(again.counters.newlySuppressed, 0)
                XCTAssertEqual(again.counters.alreadySuppressed, expected.subscribersBounced)
            }
        }
        let reference = try XCTUnwrap(dumps["sqlite sequential"])
        XCTAssertGreaterThan(reference.count, 3_000)
        for (name, dump) in dumps where name != "sqlite sequential" {
            XCTAssertEqual(dump.count, reference.count, name)
            XCTAssertEqual(dump.filter { !$0.hasPrefix("checkpoint") }, reference.filter { !$0.hasPrefix("checkpoint") }, name)
        }
    }

    // MARK: kill -9 and resume, with the real binary

    func start(_ arguments: [String], output: FileHandle = .nullDevice) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = try rcomBinaryURL()
        process.arguments = arguments
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        return (process, errors)
    }

    /// Runs to completion; the exit status, the `counters` of its `--json` report, its stderr.
    func runToEnd(_ arguments: [String]) throws -> (status: Int32, counters: ImportCounters?, stderr: String) {
        let out = Pipe()
        let (process, errors) = try start(arguments, output: out.fileHandleForWriting)
        try out.fileHandleForWriting.close()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        struct Report: Decodable { var counters: ImportCounters }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return (process.terminationStatus, try? decoder.decode(Report.self, from: data).counters, stderr)
    }

    /// Polls the store until `batches` are committed; false if the child finished first.
    func waitForCommits(_ b: BackendUnderTest, batches: Int, of process: Process) -> Bool {
        let deadline = Date().addingTimeInterval(Self.deadline_s)
        while Date() < deadline {
            if b.batchesCommitted() >= batches { return true }
            if !process.isRunning { return b.batchesCommitted() >= batches }
            usleep(2_000)  // a polling interval, not a wait for the condition
        }
        XCTFail("no \(batches) committed batches within \(Self.deadline_s) s")
        return false
    }

    func importArguments(_ b: BackendUnderTest, extra: [String] = []) -> [String] {
        ["blacklist", b.path("bounces.csv"), "--db", b.dbArgument, "--batch", "25", "--window", "400", "--json"] + extra
    }

    func testKillNineAtSeveralPointsThenResumeEndsLikeACleanRun() throws {
        try onEachBackend { clean in
            try clean.makeSample(subscribers: 3_000, bounces: 2_000)
            let cleanRun = try runToEnd(importArguments(clean))
            XCTAssertEqual(cleanRun.status, 0, cleanRun.stderr)
            XCTAssertNotNil(cleanRun.counters)
            let expected = try clean.dump()

            let points: [(batches: Int, mode: String, pause: String)] = [
                (1, "sequential", "3"), (9, "concurrent", "3"), (37, "sequential", "3"), (23, "concurrent", "2"), (30, "concurrent", "0"),
            ]
            for point in points {
                let b = try BackendUnderTest(clean.kind)
                try b.makeSample(subscribers: 3_000, bounces: 2_000)
                let (child, _) = try start(importArguments(b, extra: ["-m", point.mode, "--pause-ms", point.pause, "--writers", "4"]))
                let reached = waitForCommits(b, batches: point.batches, of: child)
                kill(child.processIdentifier, SIGKILL)
                child.waitUntilExit()
                if point.pause != "0" {
                    XCTAssertTrue(reached)
                    XCTAssertEqual(child.terminationReason, .uncaughtSignal, "killed before it finished: \(b.kind) \(point)")
                }
                let resumed = try runToEnd(importArguments(b, extra: ["--resume", "-m", point.mode, "--writers", "4"]))
                XCTAssertEqual(resumed.status, 0, "\(b.kind) \(point): \(resumed.stderr)")
                XCTAssertEqual(try b.dump(), expected, "\(b.kind) \(point)")
                XCTAssertEqual(resumed.counters, cleanRun.counters, "resumed totals differ: \(b.kind) \(point)")
                XCTAssertEqual(try b.int("SELECT count(*) FROM import_batches"), 0, "the batch log is folded at the end")
            }
        }
    }
}
