import Foundation
import XCTest
@testable import RcomNotify

/// The routing stage's trace: what `rcom notify --record` writes replays identical through
/// `rcom replay`, and a changed input shows as a divergence naming the line.
final class RoutingTraceTests: XCTestCase {
    func testARecordedBatchReplaysAndATamperedOneDiverges() throws {
        let dir = makeTemporaryDirectory()
        let env = ["HOME": dir]
        let sample = RealSMTPServer.root.appendingPathComponent("design/clients.sample.json").path
        XCTAssertEqual(try RcomRun.run(["clients", "apply", sample, "--db", dir + "/db.sqlite"], environment: env, dir: dir).status, 0)
        try "acme,db.slow,a,true,\nacme,account.x,b,false,\nacme,marketing.y,c,true,\nacme,other,d,true\n"
            .write(toFile: dir + "/b.csv", atomically: true, encoding: .utf8)
        let run = try RcomRun.run(["notify", "--batch", dir + "/b.csv", "--db", dir + "/db.sqlite", "--record", dir + "/t.jsonl",
                                   "--at", "2026-03-28T22:30:00Z"], environment: env, dir: dir)
        XCTAssertEqual(run.status, 4, "one row unrouted: \(run.output)")
        let replay = try RcomRun.run(["replay", dir + "/t.jsonl"], environment: env, dir: dir)
        XCTAssertEqual(replay.status, 0, replay.output)
        XCTAssertTrue(replay.stdout.contains("identical: 4 events replayed"), replay.stdout)

        // The second line's plan held account.x until 07:00 Berlin (05:00 UTC after the switch):
        // record a different hold and the replay names that line.
        var lines = try String(contentsOfFile: dir + "/t.jsonl", encoding: .utf8).components(separatedBy: "\n")
        XCTAssertTrue(lines[2].contains(#"\"held_until_ms\":1774760400000"#), lines[2])
        lines[2] = lines[2].replacingOccurrences(of: "1774760400000", with: "1774764000000")
        try lines.joined(separator: "\n").write(toFile: dir + "/t.jsonl", atomically: true, encoding: .utf8)
        let tampered = try RcomRun.run(["replay", dir + "/t.jsonl"], environment: env, dir: dir)
        XCTAssertEqual(tampered.status, 1, tampered.output)
        XCTAssertTrue(tampered.stdout.contains("diverged at seq 2"), tampered.stdout)
    }
}
