import XCTest
import RcomCore
@testable import RcomJobs

/// The job server's HTTP goes through `HTTPServerConnection`, driven here with reactor events
/// and a virtual clock: HEAD has no body, unknown methods are 501, pipelined requests are
/// answered in order (a start still waits for its job and for its account's handler).
final class JobServerHTTPTests: XCTestCase {
    static let a = ConnectionID(raw: 1)
    static let b = ConnectionID(raw: 2)

    static func wire(_ effects: [ReactorEffect], _ id: ConnectionID) -> (text: String, closed: Bool) {
        var bytes: [UInt8] = []
        var closed = false
        for e in effects {
            if case .write(id, let w) = e { bytes += w }
            if case .close(id) = e { closed = true }
        }
        return (String(decoding: bytes, as: UTF8.self), closed)
    }

    static func statuses(_ text: String) -> [Int] {
        text.components(separatedBy: "HTTP/1.1 ").dropFirst().compactMap { Int($0.prefix(3)) }
    }

    static func request(_ method: String, _ path: String, body: String = "", close: Bool = false) -> String {
        let length = body.isEmpty ? "" : "Content-Length: \(body.utf8.count)\r\n"
        return "\(method) \(path) HTTP/1.1\r\nHost: j\r\n\(length)\(close ? "Connection: close\r\n" : "")\r\n\(body)"
    }

    static let waitStart = #"{"account":"acc","wait":true}"#

    func harness(hold: HandlerHold = .request) -> EmbeddedHarness<JobServerPipeline> {
        var h = EmbeddedHarness(JobServerPipeline(config: Fixtures.jobServerConfig(job_ms: 100, hold: hold), entropy: SeededEntropy(seed: 3)))
        h.feed(.accepted(Self.a, listener: 0))
        h.feed(.accepted(Self.b, listener: 0))
        return h
    }

    func testHeadIsAnsweredWithoutBody() {
        var h = harness()
        h.feed(.received(Self.a, Array((Self.request("HEAD", "/healthz") + Self.request("GET", "/healthz")).utf8)))
        let w = Self.wire(h.drainEffects(), Self.a)
        XCTAssertEqual(Self.statuses(w.text), [200, 200], w.text)
        // The HEAD's head is followed straight by the GET's response: no body in between.
        XCTAssertTrue(w.text.contains("\r\n\r\nHTTP/1.1 200 "), w.text)
        XCTAssertFalse(w.closed)
    }

    func testUnknownMethodIs501InItsTurn() {
        var h = harness()
        h.feed(.received(Self.a, Array((Self.request("POST", "/start", body: Self.waitStart) + Self.request("BREW", "/start")
                                       + Self.request("GET", "/nowhere")).utf8)))
        XCTAssertEqual(Self.wire(h.drainEffects(), Self.a).text, "", "the 501 waits for the running job's answer")
        h.advance(by: 100_000_000)
        let w = Self.wire(h.drainEffects(), Self.a)
        XCTAssertEqual(Self.statuses(w.text), [200, 501, 404], w.text)
        XCTAssertFalse(w.closed)
    }

    func testPipelinedRequestsAreAnsweredInOrderOneAtATime() {
        var h = harness()
        let two = Self.request("POST", "/start", body: Self.waitStart) + Self.request("GET", "/healthz")
            + Self.request("POST", "/start", body: Self.waitStart) + Self.request("GET", "/stats", close: true)
            + Self.request("GET", "/healthz")
        h.feed(.received(Self.a, Array(two.utf8)))
        XCTAssertEqual(Self.wire(h.drainEffects(), Self.a).text, "")
        h.advance(by: 100_000_000)
        XCTAssertEqual(Self.statuses(Self.wire(h.drainEffects(), Self.a).text), [200, 200], "first job, then healthz; the second job runs")
        h.advance(by: 100_000_000)
        let w = Self.wire(h.drainEffects(), Self.a)
        XCTAssertEqual(Self.statuses(w.text), [200, 200], "nothing after Connection: close: \(w.text)")
        XCTAssertTrue(w.text.contains("\"jobs_started\":2"), w.text)
        XCTAssertTrue(w.closed)
        XCTAssertEqual(h.pipeline.stats.jobsStarted, 2)
    }

    func testStartWaitsForItsAccountsHandlerWithReadsPaused() {
        var h = harness(hold: .connection)
        h.feed(.received(Self.a, Array(Self.request("POST", "/start", body: Self.waitStart).utf8)))
        h.feed(.received(Self.b, Array((Self.request("POST", "/start", body: Self.waitStart) + Self.request("GET", "/healthz")).utf8)))
        XCTAssertTrue(h.drainEffects().contains(.pauseReading(Self.b)))
        h.advance(by: 100_000_000)
        XCTAssertEqual(Self.statuses(Self.wire(h.drainEffects(), Self.a).text), [200])
        h.advance(by: 1_000_000_000)
        XCTAssertEqual(Self.wire(h.drainEffects(), Self.b).text, "", "a still holds the handler (--hold connection)")
        h.feed(.closed(Self.a, reason: "closed"))
        XCTAssertTrue(h.drainEffects().contains(.resumeReading(Self.b)))
        h.advance(by: 100_000_000)
        XCTAssertEqual(Self.statuses(Self.wire(h.drainEffects(), Self.b).text), [200, 200])
        XCTAssertEqual(h.pipeline.stats.handlerWaits, 1)
    }

    func testParseErrorIsAnsweredAfterEarlierRequestsThenClosed() {
        var h = harness()
        h.feed(.received(Self.a, Array((Self.request("POST", "/start", body: Self.waitStart) + "GET / HTTP/9.9\r\n\r\n").utf8)))
        XCTAssertEqual(Self.wire(h.drainEffects(), Self.a).text, "")
        h.advance(by: 100_000_000)
        let w = Self.wire(h.drainEffects(), Self.a)
        XCTAssertEqual(Self.statuses(w.text), [200, 505], w.text)
        XCTAssertTrue(w.closed)
        XCTAssertEqual(h.pipeline.stats.badRequests, 1)
    }

    func testHalfClosedClientGetsItsAnswerThenTheClose() {
        var h = harness()
        h.feed(.received(Self.a, Array(Self.request("POST", "/start", body: Self.waitStart).utf8)))
        h.feed(.readClosed(Self.a))
        XCTAssertFalse(Self.wire(h.drainEffects(), Self.a).closed)
        h.advance(by: 100_000_000)
        let w = Self.wire(h.drainEffects(), Self.a)
        XCTAssertEqual(Self.statuses(w.text), [200])
        XCTAssertTrue(w.closed)
    }
}
