import XCTest
@testable import RcomCore

/// The verdict table (design/http-verdicts.md) checked case by case. A failure names each
/// disagreeing case with its input, what the table expects and what the decoder did.
final class ConformanceRequestTests: XCTestCase {
    func testEveryRequestCaseGetsItsVerdict() {
        let cases = Conformance.requestCases
        XCTAssertGreaterThanOrEqual(cases.count, 200)
        let report = Conformance.checkRequests(cases)
        print("Conformance requests: \(report.summary)")
        for d in report.disagreements { XCTFail(d.text) }
    }

    func testRequestCasesAreWellFormed() {
        assertUnique(Conformance.requestCases.map { "\($0.cls.rawValue): \($0.name)" })
        let classes = Set(Conformance.requestCases.map(\.cls))
        for cls in [Conformance.Cls.lineEnding, .notHTTP, .requestLine, .method, .target, .version, .fieldLine,
                    .fieldValue, .headerSection, .host, .contentLength, .transferEncoding, .chunkSize, .chunkExt,
                    .chunkLine, .chunkData, .trailers, .expect, .eof] {
            XCTAssertTrue(classes.contains(cls), "no request case for \(cls.rawValue)")
        }
        // "Rejected before any line end": past the skipped leading CRLFs those inputs have no LF.
        for c in Conformance.notHTTPCases {
            var rest = c.input[...]
            while rest.starts(with: [13, 10]) { rest = rest.dropFirst(2) }
            XCTAssertFalse(rest.contains(10), c.name)
        }
    }
}

final class ConformanceResponseTests: XCTestCase {
    func testEveryResponseCaseGetsItsVerdict() {
        let cases = Conformance.responseCases
        XCTAssertGreaterThanOrEqual(cases.count, 80)
        let report = Conformance.checkResponses(cases)
        print("Conformance responses: \(report.summary)")
        for d in report.disagreements { XCTFail(d.text) }
    }

    func testResponseCasesAreWellFormed() {
        assertUnique(Conformance.responseCases.map { "\($0.cls.rawValue): \($0.name)" })
    }
}

func assertUnique(_ names: [String], file: StaticString = #filePath, line: UInt = #line) {
    var seen = Set<String>()
    for n in names where !seen.insert(n).inserted { XCTFail("duplicate case \(n)", file: file, line: line) }
}
