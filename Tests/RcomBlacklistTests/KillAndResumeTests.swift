import XCTest
import RcomStore
@testable import RcomBlacklist

/// Runs the real `rcom` binary as a child, kills it with SIGKILL (or SIGINT) once it has
/// committed a given number of batches, resumes, and compares with an uninterrupted run.
final class KillAndResumeTests: XCTestCase {
    static let deadline_s = 60.0

    func rcomBinary() throws -> URL { try rcomBinaryURL() }

    func start(_ arguments: [String], output: FileHandle = .nullDevice) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = try rcomBinary()
        process.arguments = arguments
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        return (process, errors)
    }

    /// Runs to completion and returns the `counters` of its `--json` report.
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

    /// Polls the checkpoint until `batches` are committed; false if the child finished first.
    func waitForCommits(_ db: String, batches: Int, of process: Process) -> Bool {
        let deadline = Date().addingTimeInterval(Self.deadline_s)
        while Date() < deadline {
            if StoreDump.batchesCommitted(db) >= batches { return true }
            if !process.isRunning { return StoreDump.batchesCommitted(db) >= batches }
            usleep(1_000)  // a polling interval, not a wait for the condition
        }
        XCTFail("no \(batches) committed batches within \(Self.deadline_s) s")
        return false
    }

    func importArguments(_ dir: TestDirectory, db: String, extra: [String] = []) -> [String] {
        ["blacklist", dir.path("bounces.csv"), "--db", db, "--batch", "25", "--window", "400", "--json"] + extra
    }

    func testKillNineAtSeveralPointsThenResumeEndsLikeACleanRun() throws {
        let dir = try TestDirectory()
        try dir.makeSample(subscribers: 4_000, bounces: 3_000)
        let clean = try dir.copyDatabase(to: "clean.sqlite")
        let cleanRun = try runToEnd(importArguments(dir, db: clean))
        XCTAssertEqual(cleanRun.status, 0, cleanRun.stderr)
        XCTAssertNotNil(cleanRun.counters)
        let expected = try StoreDump.tables(clean)

        // Paused runs are killed mid-file for certain; unpaused ones wherever they happen to be.
        let points: [(batches: Int, mode: String, pause: String)] = [
            (1, "sequential", "3"), (9, "concurrent", "3"), (40, "sequential", "3"),
            (77, "concurrent", "3"), (20, "sequential", "0"), (50, "concurrent", "0"),
        ]
        for point in points {
            let db = try dir.copyDatabase(to: "kill-\(point.batches)-\(point.mode).sqlite")
            let (child, _) = try start(importArguments(dir, db: db, extra: ["-m", point.mode, "--pause-ms", point.pause]))
            let reached = waitForCommits(db, batches: point.batches, of: child)
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            if point.pause != "0" {
                XCTAssertTrue(reached)
                XCTAssertEqual(child.terminationReason, .uncaughtSignal, "killed before it finished: \(point)")
            }
            let resumed = try runToEnd(importArguments(dir, db: db, extra: ["--resume", "-m", point.mode]))
            XCTAssertEqual(resumed.status, 0, "\(point): \(resumed.stderr)")
            XCTAssertEqual(try StoreDump.tables(db), expected, "\(point)")
            XCTAssertEqual(resumed.counters, cleanRun.counters, "resumed totals differ: \(point)")
        }
    }

    func testSigintFinishesTheBatchPrintsTheResumeLineAndExits130() throws {
        let dir = try TestDirectory()
        try dir.makeSample(subscribers: 3_000, bounces: 2_000)
        let clean = try dir.copyDatabase(to: "clean.sqlite")
        let (cleanRun, _) = try start(importArguments(dir, db: clean))
        cleanRun.waitUntilExit()
        let db = try dir.copyDatabase(to: "int.sqlite")
        let (child, errors) = try start(importArguments(dir, db: db, extra: ["--pause-ms", "5"]))
        XCTAssertTrue(waitForCommits(db, batches: 3, of: child))
        kill(child.processIdentifier, SIGINT)
        child.waitUntilExit()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(child.terminationStatus, BlacklistCommand.interruptedExitCode, stderr)
        XCTAssertTrue(stderr.contains("--resume"), stderr)
        let store = try SQLiteSuppressionStore(path: db)
        let checkpoint = try XCTUnwrap(store.checkpoint(fingerprint: try XCTUnwrap(
            store.latestCheckpoint(sourcePath: URL(fileURLWithPath: dir.path("bounces.csv")).standardizedFileURL.path))
            .fingerprint))
        XCTAssertFalse(checkpoint.completed)
        let (resumed, _) = try start(importArguments(dir, db: db, extra: ["--resume"]))
        resumed.waitUntilExit()
        XCTAssertEqual(resumed.terminationStatus, 0)
        XCTAssertEqual(try StoreDump.subscriptions(db), try StoreDump.subscriptions(clean))
    }

    func testAFileWithoutADatabaseIsRefusedWithoutCreatingOne() throws {
        let dir = try TestDirectory()
        let db = dir.path("data/subscriptions.sqlite")
        let missing = Process()
        missing.executableURL = try rcomBinary()
        missing.arguments = ["blacklist", "/nonexistent.csv", "--db", db]
        missing.standardError = FileHandle.nullDevice
        try missing.run()
        missing.waitUntilExit()
        XCTAssertEqual(missing.terminationStatus, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: db), "an import must not create an empty database")
    }
}
