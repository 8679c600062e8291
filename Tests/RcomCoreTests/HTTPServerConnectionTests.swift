import XCTest
@testable import RcomCore

/// The one server-side state machine: order, keep-alive, 100 Continue, HEAD, 501, errors.
final class HTTPServerConnectionTests: XCTestCase {
    private func read(_ c: inout HTTPServerConnection, _ s: String) -> [(UInt64, HTTPRequest)] {
        c.receive(Array(s.utf8))
        var out: [(UInt64, HTTPRequest)] = []
        while case .request(let seq, let r) = c.next() { out.append((seq, r)) }
        return out
    }

    private func text(_ o: HTTPServerConnection.Output) -> String { String(decoding: o.bytes, as: UTF8.self) }

    func testResponsesAreWrittenInRequestOrder() {
        var c = HTTPServerConnection(limits: .standard)
        let reqs = read(&c, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(reqs.map(\.0), [0, 1])
        c.respond(1, .json(200, Array("two".utf8)))
        XCTAssertEqual(c.takeOutput().bytes, [], "the second answer waits for the first")
        XCTAssertEqual(c.state, .awaitingResponse)
        c.respond(0, .json(200, Array("one".utf8)))
        let out = text(c.takeOutput())
        XCTAssertLessThan(out.range(of: "one")!.lowerBound, out.range(of: "two")!.lowerBound)
        XCTAssertEqual(c.state, .idle)
    }

    func testHeadGetsHeadersWithoutBody() {
        var c = HTTPServerConnection(limits: .standard)
        let reqs = read(&c, "HEAD /healthz HTTP/1.1\r\nHost: a\r\n\r\n")
        c.respond(reqs[0].0, .json(200, Array("{\"ok\":true}".utf8)))
        let out = text(c.takeOutput())
        XCTAssertTrue(out.contains("Content-Length: 11\r\n"), out)
        XCTAssertTrue(out.hasSuffix("\r\n\r\n"), out)
    }

    func testUnknownMethodIs501AndNotHandedOut() {
        var c = HTTPServerConnection(limits: .standard)
        XCTAssertTrue(read(&c, "BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n").isEmpty)
        XCTAssertTrue(text(c.takeOutput()).hasPrefix("HTTP/1.1 501 "))
    }

    func testParseErrorIsAnsweredAfterEarlierRequestsThenCloses() {
        var c = HTTPServerConnection(limits: .standard)
        let reqs = read(&c, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\nHost: a\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(reqs.count, 1, "nothing after the fault is read as a request")
        XCTAssertEqual(c.takeOutput(), HTTPServerConnection.Output(bytes: [], close: false))
        c.respond(0, .json(200, []))
        let out = c.takeOutput()
        XCTAssertTrue(out.close)
        let t = text(out)
        XCTAssertTrue(t.hasPrefix("HTTP/1.1 200 "))
        XCTAssertTrue(t.contains("HTTP/1.1 400 "))
        XCTAssertTrue(t.contains("Connection: close"))
        XCTAssertTrue(c.refusedByCodec)
        XCTAssertEqual(c.state, .closed)
    }

    func testContinueWaitsForTheEarlierResponse() {
        var c = HTTPServerConnection(limits: .standard)
        let reqs = read(&c, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
        XCTAssertEqual(reqs.count, 1)
        XCTAssertEqual(c.takeOutput().bytes, [], "no 100 ahead of the first answer")
        c.respond(0, .json(200, Array("one".utf8)))
        let out = text(c.takeOutput())
        XCTAssertTrue(out.hasSuffix("HTTP/1.1 100 Continue\r\n\r\n"), out)
    }

    func testHalfCloseIsStillAnsweredThenClosed() {
        var c = HTTPServerConnection(limits: .standard)
        let reqs = read(&c, "POST /start HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n")
        c.receiveEOF()
        XCTAssertEqual(c.next(), .readingDone)
        XCTAssertEqual(c.state, .mustClose)
        c.respond(reqs[0].0, .json(200, []))
        let out = c.takeOutput()
        XCTAssertTrue(out.close)
        XCTAssertTrue(text(out).contains("Connection: close"))
    }

    func testConnectionCloseInAResponseEndsTheConnection() {
        var c = HTTPServerConnection(limits: .standard)
        let reqs = read(&c, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n")
        c.respond(reqs[0].0, .error(503, "draining", keepAlive: false))
        XCTAssertTrue(c.takeOutput().close)
        XCTAssertEqual(c.next(), .readingDone)
    }
}

/// Timeouts, budget and drain of the table, on a virtual clock.
final class HTTPServerTableTests: XCTestCase {
    private let ms: UInt64 = 1_000_000
    private func id(_ n: UInt64) -> ConnectionID { ConnectionID(raw: n) }

    private func table(connectionsMax: Int = 100, overLimitMax: Int = 0) -> HTTPServerTable {
        HTTPServerTable(limits: .standard, timeouts: HTTPServerTimeouts(request_ms: 1_000, idle_ms: 5_000),
                        connectionsMax: connectionsMax, overLimitMax: overLimitMax, timerID: TimerID(raw: 99))
    }

    private func writes(_ effects: [ReactorEffect], to c: ConnectionID) -> String {
        effects.compactMap { if case .write(c, let b) = $0 { String(decoding: b, as: UTF8.self) } else { nil } }.joined()
    }

    func testHalfSentRequestGets408AfterTheRequestTimeout() {
        var t = table()
        var effects = t.accepted(id(1), now_ns: 0)
        XCTAssertTrue(effects.contains(.setTimer(TimerID(raw: 99), deadline_ns: 5_250 * ms)))
        effects = t.received(id(1), Array("GET / HTTP/1.1\r\nHo".utf8), now_ns: 100 * ms).effects
        XCTAssertTrue(effects.contains(.setTimer(TimerID(raw: 99), deadline_ns: 1_350 * ms)), "the earlier deadline moves the timer")
        XCTAssertEqual(t.timer(now_ns: 1_050 * ms).filter { if case .close = $0 { true } else { false } }, [], "not due yet")
        effects = t.timer(now_ns: 1_350 * ms)
        XCTAssertTrue(writes(effects, to: id(1)).hasPrefix("HTTP/1.1 408 "))
        XCTAssertTrue(effects.contains(.close(id(1))))
        XCTAssertEqual(t.counters.requestTimeouts, 1)
    }

    func testIdleConnectionIsClosedButAServedOneIsNot() {
        var t = table()
        _ = t.accepted(id(1), now_ns: 0)
        _ = t.accepted(id(2), now_ns: 0)
        let (reqs, _) = t.received(id(2), Array("POST /start HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n".utf8), now_ns: 10 * ms)
        XCTAssertEqual(reqs.count, 1)
        let effects = t.timer(now_ns: 60_000 * ms)
        XCTAssertTrue(effects.contains(.close(id(1))))
        XCTAssertFalse(effects.contains(.close(id(2))), "a connection waiting for its answer is never idle-timed out")
        XCTAssertEqual(t.counters.idleTimeouts, 1)
        XCTAssertEqual(t.outstanding, 1)
    }

    func testAtTheBudgetTheOldestUnservedConnectionMakesRoom() {
        var t = table(connectionsMax: 2)
        _ = t.accepted(id(1), now_ns: 0)
        _ = t.received(id(1), Array("POST /start HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n".utf8), now_ns: 1 * ms)
        _ = t.accepted(id(2), now_ns: 2 * ms)
        _ = t.received(id(2), Array("GET / HT".utf8), now_ns: 3 * ms)
        // A moment later the half-sent one is too young to close: its request may be on the way.
        XCTAssertTrue(t.accepted(id(4), now_ns: 5 * ms).contains { if case .write(id(4), _) = $0 { true } else { false } })
        let effects = t.accepted(id(3), now_ns: 1_100 * ms)
        XCTAssertTrue(effects.contains(.close(id(2))), "the half-sent one goes, not the one being served")
        XCTAssertFalse(effects.contains(.close(id(1))))
        XCTAssertEqual(t.counters.evicted, 1)
        XCTAssertTrue(t.knows(id(3)))
    }

    func testWhenEveryConnectionIsServedTheNewcomerGets503OrTheCallbackReserve() {
        var t = table(connectionsMax: 1, overLimitMax: 1)
        _ = t.accepted(id(1), now_ns: 0)
        _ = t.received(id(1), Array("POST /start HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n".utf8), now_ns: 1 * ms)
        XCTAssertFalse(t.accepted(id(2), now_ns: 2 * ms).contains { if case .write = $0 { true } else { false } })
        XCTAssertTrue(t.isOverLimit(id(2)))
        XCTAssertFalse(t.isOverLimit(id(1)))
        _ = t.received(id(2), Array("POST /callback/x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n".utf8), now_ns: 2 * ms)
        let refused = t.accepted(id(3), now_ns: 3 * ms)
        XCTAssertTrue(writes(refused, to: id(3)).contains("503"))
        XCTAssertTrue(writes(refused, to: id(3)).contains("connection limit"))
        XCTAssertEqual(t.counters.refusedAtLimit, 1)
    }

    func testDrainStopsReadingOnServedConnectionsAndLeavesIdleOnesOpen() {
        var t = table()
        _ = t.accepted(id(1), now_ns: 0)
        _ = t.accepted(id(2), now_ns: 0)
        let (reqs, _) = t.received(id(2), Array("POST /start HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n".utf8), now_ns: 0)
        let effects = t.stopReadingServed(now_ns: 1)
        XCTAssertFalse(effects.contains(.close(id(1))), "closing an idle one would race with a request on its way")
        XCTAssertEqual(t.state(id(2)), .mustClose)
        let answer = t.respond(reqs[0].0, .json(200, []), now_ns: 2)
        XCTAssertTrue(answer.contains(.close(id(2))), "closes after its last answer")
        XCTAssertEqual(t.outstanding, 0)
    }
}
