import Foundation
import XCTest
import RcomCore
@testable import RcomJobs

/// Recorded traces (scripts/record-traces) replayed on a virtual clock: the pipelines must
/// produce the recorded effects byte for byte, and an edited trace must be caught.
final class TraceReplayTests: XCTestCase {
    static let fixtures = ["proxy-pass", "jobserver-pass", "proxy-faults"]

    func lines(_ name: String) throws -> [String] {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "jsonl"), "fixture \(name)")
        return try String(contentsOf: url, encoding: .utf8).components(separatedBy: "\n")
    }

    func testEveryRecordedTraceReplaysIdentically() throws {
        for name in Self.fixtures {
            let outcome = try TraceReplay.replay(lines: try lines(name)).get()
            guard case .identical(let n) = outcome else { return XCTFail("\(name): \(outcome)") }
            XCTAssertGreaterThan(n, 100, name)
        }
    }

    func testEditingOneReceivedByteIsNoticed() throws {
        var trace = try lines("proxy-pass")
        // Change the account in the first client request: the upstream body must then differ.
        let index = try XCTUnwrap(trace.firstIndex { $0.contains("\"kind\":\"received\"") && !$0.contains("\"effects\":[]") })
        var line = trace[index]
        let dataStart = try XCTUnwrap(line.range(of: "\"data\":\""))
        let payloadRange = dataStart.upperBound..<line[dataStart.upperBound...].firstIndex(of: "\"")!
        let original = Data(base64Encoded: String(line[payloadRange]))!
        let edited = Data(String(decoding: original, as: UTF8.self).replacingOccurrences(of: "example", with: "exampl3").utf8)
        XCTAssertNotEqual(original, edited, "the fixture's request names the account 'example'")
        line.replaceSubrange(payloadRange, with: edited.base64EncodedString())
        trace[index] = line
        let outcome = try TraceReplay.replay(lines: trace).get()
        guard case .diverged(let seq, _, _, _) = outcome else { return XCTFail("edit went unnoticed") }
        // The first request's upstream bytes go out when the upstream connection is established,
        // so the difference shows at the edited event or just after it, never before.
        XCTAssertTrue((UInt64(index)...UInt64(index) + 3).contains(seq), "reported at seq \(seq), edited \(index)")
        XCTAssertTrue(outcome.description.contains("expected"), outcome.description)
    }

    func testDroppingARandomDrawIsNoticed() throws {
        var trace = try lines("proxy-pass")
        let index = try XCTUnwrap(trace.firstIndex { $0.contains("\"rand\":[\"") })
        trace[index] = trace[index].replacingOccurrences(of: #"\"rand\":\[[^\]]*\]"#, with: "\"rand\":[]", options: .regularExpression)
        guard case .diverged(_, _, _, let note) = try TraceReplay.replay(lines: trace).get() else { return XCTFail("unnoticed") }
        XCTAssertTrue(note.contains("more randomness"), note)
    }

    func testUnknownComponentIsRefused() {
        let header = TraceCodec.header(component: "toaster", config: [])
        guard case .failure(.unknownComponent("toaster", let known)) = TraceReplay.replay(lines: [header]) else { return XCTFail() }
        XCTAssertEqual(known, ["proxy", "jobserver"])
    }
}
