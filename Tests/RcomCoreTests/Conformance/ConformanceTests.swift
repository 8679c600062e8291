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

/// `Expect: 100-continue`: the client waits for `100 Continue` before it sends the body, so the
/// decoder must ask for it once the head is in and the body is not (RFC 9110 §10.1.1).
final class ConformanceExpectTests: XCTestCase {
    func testContinueIsAskedForBeforeTheBody() {
        var checked = 0
        for c in Conformance.expectCases {
            guard case .accept(let e) = c.verdict, !e.body.isEmpty else { continue }
            let headEnd = c.input.indices.first { c.input[$0...].starts(with: [13, 10, 13, 10]) }.map { $0 + 4 }
            guard let headEnd else { XCTFail("\(c.name): no head end"); continue }
            for feeding in Feeding.allCases {
                var d = HTTPRequestDecoder(limits: c.limits)
                let first = drive(&d, Array(c.input[..<headEnd]), feeding, eof: false)
                XCTAssertEqual(first, [.expectContinue], "\(c.name) \(feeding): head alone")
                let rest = drive(&d, Array(c.input[headEnd...]), feeding, eof: false)
                guard case .message(let r)? = rest.first, rest.count == 1, Conformance.same(r, e) else {
                    XCTFail("\(c.name) \(feeding): then \(Conformance.describe(rest))")
                    continue
                }
            }
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 4)
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
