import Foundation
import XCTest

/// Classic mistakes, made with the real binary: each message says what is wrong, not something
/// near it ("cannot read trace" for both a missing file and a garbage one, "expects a whole
/// number" for one that is only too large, a raw SQL error for a repeated --seed).
final class MistakeMessagesTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("rcom-mistakes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: false)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: scratch)
    }

    func path(_ name: String) -> String { scratch.appendingPathComponent(name).path }

    func testEachMistakeGetsItsOwnMessage() throws {
        try Data([0xFF, 0xFE, 0x00, 0x1B]).write(to: URL(fileURLWithPath: path("binary.trace")))
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: path("text.trace")))
        let missing = path("missing/nothing")
        let cases: [([String], Int32, String)] = [
            (["replay", missing], 2, "cannot read the trace \(missing): No such file or directory"),
            (["replay", scratch.path], 2, "cannot read the trace \(scratch.path): it is a directory"),
            (["replay", path("binary.trace")], 2, "is not a trace: it is not UTF-8 text"),
            (["replay", path("text.trace")], 2, "is not a trace that can be replayed: trace line 1: not a JSON object"),
            (["jobserver", "verify", missing], 2, "cannot read the proof file \(missing): No such file or directory"),
            (["jobclient", "--url", "http://127.0.0.1:99999/start"], 2, "the port 99999 is out of range (1 to 65535)"),
            (["max", "-k", "99999999999999999999"], 2, "-k '99999999999999999999' is too large: the most it takes is 10000000"),
            (["stats", "--svg", missing + "/chart.svg"], 1,
             "--svg \(missing)/chart.svg: the directory \(missing) does not exist; create it first"),
            (["send", "-t", "a@example.com", "-m", "hi", "-c", "email", "--db", missing + "/x.sqlite"], 1,
             "--db \(missing)/x.sqlite: the directory \(missing) does not exist"),
        ]
        for (arguments, status, message) in cases {
            let out = try RcomBinary.run(arguments)
            XCTAssertEqual(out.status, status, "\(arguments): \(out.stderr)")
            XCTAssertTrue(out.stderr.contains(message), "\(arguments): \(out.stderr)")
            XCTAssertEqual(out.stderr.split(separator: "\n").count, 1, "one message: \(out.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("missing")), "a directory was created")
    }

    /// `--seed` makes ids reproducible; the same command twice on one database once failed with
    /// "UNIQUE constraint failed: notifications.id". Now the second run draws other ids.
    func testTheSameSeededSendTwiceOnOneDatabaseSendsTwice() throws {
        let db = path("seeded.sqlite")
        var ids: [String] = []
        for _ in 0..<2 {
            let out = try RcomBinary.run(["send", "-t", "a@example.com", "-m", "hi", "-c", "email", "--seed", "5", "--db", db])
            XCTAssertEqual(out.status, 0, out.stderr)
            ids.append(String(out.stdout.prefix { $0 != " " }))
        }
        XCTAssertNotEqual(ids[0], ids[1])
        let fresh = try RcomBinary.run(["send", "-t", "a@example.com", "-m", "hi", "-c", "email", "--seed", "5",
                                        "--db", path("fresh.sqlite")])
        XCTAssertEqual(String(fresh.stdout.prefix { $0 != " " }), ids[0], "same seed, same database state: same id")
    }
}
