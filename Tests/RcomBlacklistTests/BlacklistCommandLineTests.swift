import Foundation
import XCTest
import RcomCore
import RcomStore
@testable import RcomBlacklist

/// `rcom blacklist` as a new user meets it, run as a child process: the sample without FILE,
/// `generate` next to a database with data in it, files that are not bounce exports, paths
/// whose directory is missing.
final class BlacklistCommandLineTests: XCTestCase {
    struct Run {
        var status: Int32
        var stdout: [UInt8]
        var stderr: [UInt8]
        var text: String { String(decoding: stdout + stderr, as: UTF8.self) }
    }

    func rcom(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = try rcomBinaryURL()
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // stderr is read on another thread so that neither pipe can fill up and stall the child.
        let errors = ErrorsReader(err.fileHandleForReading)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: Array(stdout), stderr: errors.wait())
    }

    /// A database `rcom send` has written to: notifications, no subscriptions.
    func sendDatabase(_ dir: TestDirectory) throws -> String {
        let db = dir.path("subscriptions.sqlite")
        let store = try SQLiteSuppressionStore(path: db)
        try store.database.execute("""
            INSERT INTO notifications (id, channel, target, message, assignment, created_at_ms)
            VALUES ('n0000000000000001', 'email', 'someone@example.com', 'hi', 'chosen', 1)
            """)
        return db
    }

    func testWithoutFileEachModeImportsAFreshCopyOfTheSampleAndTheDatabaseIsLeftAlone() throws {
        let dir = try TestDirectory()
        let db = try sendDatabase(dir)
        let before = try Data(contentsOf: URL(fileURLWithPath: db))
        // The sample in place, small (the default one is generated on first use: 1M subscribers).
        try FileManager.default.createDirectory(atPath: dir.path("sample"), withIntermediateDirectories: false)
        var generator = SampleDataGenerator()
        (generator.subscribers, generator.bounces, generator.seed) = (2_000, 1_500, 3)
        let expected = try generator.generate(databasePath: dir.path("sample/subscriptions.sqlite"),
                                              csvPath: dir.path("sample/bounces.csv"), listPath: dir.path("sample/bounces.txt"))
        let pristine = try StoreDump.tables(dir.path("sample/subscriptions.sqlite"))

        // The README's order, then each mode again: every run does the whole import.
        for mode in ["sequential", "concurrent", "sequential", "concurrent"] {
            let run = try rcom(["blacklist", "--db", db, "-m", mode, "--json"])
            XCTAssertEqual(run.status, 0, run.text)
            struct Report: Decodable { var database: String; var counters: ImportCounters }
            let report = try JSONDecoder.snakeCase.decode(Report.self, from: Data(run.stdout))
            XCTAssertEqual(report.database, dir.path("sample/\(mode).sqlite"))
            XCTAssertEqual(report.counters.newlySuppressed, expected.subscribersBounced, "\(mode): \(run.text)")
            XCTAssertEqual(report.counters.alreadySuppressed, 0, mode)
            XCTAssertEqual(report.counters.malformed, expected.malformed, mode)
        }
        XCTAssertEqual(try StoreDump.tables(dir.path("sample/sequential.sqlite")),
                       try StoreDump.tables(dir.path("sample/concurrent.sqlite")), "both modes, the same end state")
        XCTAssertEqual(try StoreDump.tables(dir.path("sample/subscriptions.sqlite")), pristine, "the sample itself is never imported into")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: db)), before, "the user's database is not touched")
    }

    func testGenerateReplacesADatabaseOnlyWithReplace() throws {
        let dir = try TestDirectory()
        let db = try sendDatabase(dir)
        let before = try Data(contentsOf: URL(fileURLWithPath: db))
        let refused = try rcom(["blacklist", "generate", "--out", dir.url.path, "--subscribers", "50", "--bounces", "20"])
        XCTAssertEqual(refused.status, 1, refused.text)
        XCTAssertTrue(refused.text.contains("1 notification)") && refused.text.contains("--replace"), refused.text)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: db)), before)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("bounces.csv")))

        let replaced = try rcom(["blacklist", "generate", "--out", dir.url.path, "--subscribers", "50", "--bounces", "20", "--replace"])
        XCTAssertEqual(replaced.status, 0, replaced.text)
        XCTAssertEqual(try StoreDump.subscriptions(db).count, 50)
    }

    /// A random-bytes file (no format it could be: exit 2, the formats tried named) and a crafted
    /// CSV (not one valid address: exit 1 with a message); no byte of either reaches the terminal
    /// as a control character.
    func testAFileWithoutAValidAddressFailsAndIsEchoedEscaped() throws {
        let dir = try TestDirectory()
        try dir.makeSample(subscribers: 100, bounces: 50)
        var junk = SplitMix64(seed: 42)
        let random = (0..<4_096).map { _ in UInt8(truncatingIfNeeded: junk.next()) }
        try Data(random).write(to: URL(fileURLWithPath: dir.path("random.bin")))
        let crafted = try dir.write("crafted.csv", "email,reason\n\u{1b}]0;owned\u{07}x@\u{1b}[31mevil.com,\u{1b}[2Jbad\u{9b}1m\n")
        for file in [dir.path("random.bin"), crafted] {
            let run = try rcom(["blacklist", file, "--db", dir.path("subscriptions.sqlite")])
            if file == crafted {
                XCTAssertEqual(run.status, 1, run.text)
                XCTAssertTrue(run.text.contains("holds no valid address"), run.text)
            } else {
                XCTAssertEqual(run.status, 2, run.text)
                XCTAssertTrue(run.text.contains("cannot tell the format") && run.text.contains("tried sendgrid, mailgun"), run.text)
            }
            let controls = (run.stdout + run.stderr).filter { ($0 < 0x20 && $0 != 0x0A) || $0 == 0x7F }
            XCTAssertEqual(controls, [], "control bytes reached the terminal: \(run.text)")
            XCTAssertFalse(run.text.unicodeScalars.contains { (0x80...0x9F).contains($0.value) }, "a C1 control got through")
        }
        let shown = try rcom(["blacklist", crafted, "--db", dir.path("subscriptions.sqlite")]).text
        XCTAssertTrue(shown.contains("\\x1B]0;owned\\x07x@\\x1B[31mevil.com"), shown)
    }

    func testAPathInAMissingDirectoryIsAnErrorNamingItAndNothingIsCreated() throws {
        let dir = try TestDirectory()
        try dir.makeSample(subscribers: 100, bounces: 50)
        let missing = dir.path("missing/deeper")
        for arguments in [["blacklist", "--db", missing + "/x.sqlite"],
                          ["blacklist", "generate", "--out", missing, "--subscribers", "10", "--bounces", "5"]] {
            let run = try rcom(arguments)
            XCTAssertEqual(run.status, 1, run.text)
            XCTAssertTrue(run.text.contains("the directory \(missing) does not exist"), run.text)
        }
        let imported = try rcom(["blacklist", dir.path("bounces.csv"), "--db", missing + "/x.sqlite"])
        XCTAssertEqual(imported.status, 1, imported.text)
        XCTAssertTrue(imported.text.contains("no database at \(missing)/x.sqlite"), imported.text)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path("missing")), "a directory was created")
    }
}

/// Reads a pipe to its end on a thread of its own.
final class ErrorsReader: @unchecked Sendable {
    // @unchecked: `bytes` is written by the reading thread before `done` is signalled, and read
    // only after waiting for it.
    private var bytes: [UInt8] = []
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            bytes = Array(handle.readDataToEndOfFile())
            done.signal()
        }
    }

    func wait() -> [UInt8] {
        done.wait()
        return bytes
    }
}

extension JSONDecoder {
    static var snakeCase: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }
}
