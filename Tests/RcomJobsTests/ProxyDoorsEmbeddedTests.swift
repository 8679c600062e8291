import Foundation
import XCTest
import RcomCore
@testable import RcomJobs

/// The proxy's doors on a virtual clock, no sockets: request and idle timeouts, the drain, and
/// the ambiguity grace. Each scenario ends with `finish()`: nothing armed, open or untaken.
final class ProxyDoorsEmbeddedTests: XCTestCase {
    private let ms: UInt64 = 1_000_000

    private func harness(finishedTokensMax: Int = 200_000) -> EmbeddedHarness<ProxyPipeline> {
        var config = ProxyConfig(upstream: HTTPURL(host: "127.0.0.1", port: 9000), publicURL: HTTPURL(host: "127.0.0.1", port: 8080))
        config.clientTimeouts = HTTPServerTimeouts(request_ms: 1_000, idle_ms: 5_000)
        config.drainTimeout_ms = 3_000
        config.ambiguityGrace_ms = 2_000
        config.callbackTimeout_ms = 30_000
        config.finishedTokensMax = finishedTokensMax
        return EmbeddedHarness(ProxyPipeline(config: config, entropy: SeededEntropy(seed: 1)))
    }

    private func text(_ effects: [ReactorEffect], to id: ConnectionID) -> String {
        effects.compactMap { if case .write(id, let b) = $0 { String(decoding: b, as: UTF8.self) } else { nil } }.joined()
    }

    private let jobRequest = "POST /start HTTP/1.1\r\nHost: p\r\nContent-Length: 29\r\n\r\n{\"account\":\"a\",\"wait\":true}  "

    /// A client whose job was started: returns the client, the upstream connection and the callback path.
    private func waitingClient(_ h: inout EmbeddedHarness<ProxyPipeline>, client: UInt64, answerStart: Bool) -> (ConnectionID, ConnectionID, String) {
        let c = ConnectionID(raw: client)
        h.feed(.accepted(c, listener: 0))
        let effects = h.feed(.received(c, Array(jobRequest.utf8)))
        guard let up = effects.compactMap({ if case .connect(let id, _, _) = $0 { id } else { nil } }).first else {
            XCTFail("no upstream connection: \(effects)")
            return (c, c, "")
        }
        let sent = text(h.feed(.connected(up)), to: up)
        let callback = sent.range(of: #"/callback/[^"]+"#, options: .regularExpression).map { String(sent[$0]) } ?? ""
        XCTAssertFalse(callback.isEmpty, sent)
        if answerStart {
            let body = #"{"id":"1","state":"running"}"#
            h.feed(.received(up, Array("HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)))
        }
        return (c, up, callback)
    }

    private func postCallback(_ h: inout EmbeddedHarness<ProxyPipeline>, _ path: String, from raw: UInt64) -> [ReactorEffect] {
        let cb = ConnectionID(raw: raw)
        h.feed(.accepted(cb, listener: 0))
        let body = #"{"id":"1","state":"completed","proof":"P"}"#
        var effects = h.feed(.received(cb, Array("POST \(path) HTTP/1.1\r\nHost: p\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)".utf8)))
        effects += h.feed(.closed(cb, reason: "test"))
        return effects
    }

    func testAHalfSentRequestGets408AndAnIdleClientIsClosed() {
        var h = harness()
        let slow = ConnectionID(raw: 1), idle = ConnectionID(raw: 2)
        h.feed(.accepted(slow, listener: 0))
        h.feed(.accepted(idle, listener: 0))
        h.feed(.received(slow, Array("POST /start HTTP/1.1\r\nHo".utf8)))
        h.advance(by: 1_500 * ms)
        let first = h.drainEffects()
        XCTAssertTrue(text(first, to: slow).hasPrefix("HTTP/1.1 408 "))
        XCTAssertTrue(first.contains(.close(slow)))
        XCTAssertFalse(first.contains(.close(idle)), "idle for 1.5 s of 5")
        h.feed(.closed(slow, reason: "closed locally"))
        h.advance(by: 5_000 * ms)
        XCTAssertTrue(h.drainEffects().contains(.close(idle)))
        h.feed(.closed(idle, reason: "closed locally"))
        XCTAssertTrue(h.finish().isClean, "\(h.finish())")
        XCTAssertEqual(h.pipeline.serverCounters.requestTimeouts, 1)
        XCTAssertEqual(h.pipeline.serverCounters.idleTimeouts, 1)
    }

    func testDrainKeepsTheWaitingClientUntilItsCallbackThenStops0() {
        var h = harness()
        let (client, up, callback) = waitingClient(&h, client: 1, answerStart: true)
        h.feed(.shutdown)
        XCTAssertNil(h.stopCode)
        // A probe on a new connection: 503, so a balancer stops sending.
        let probe = ConnectionID(raw: 5)
        h.feed(.accepted(probe, listener: 0))
        XCTAssertTrue(text(h.feed(.received(probe, Array("GET /healthz HTTP/1.1\r\nHost: p\r\n\r\n".utf8))), to: probe).hasPrefix("HTTP/1.1 503 "))
        h.feed(.closed(probe, reason: "closed locally"))
        h.advance(by: 500 * ms)
        let answered = postCallback(&h, callback, from: 9)
        XCTAssertTrue(text(answered, to: client).hasPrefix("HTTP/1.1 200 "))
        XCTAssertTrue(answered.contains(.close(client)), "closes after its last answer while draining")
        XCTAssertEqual(h.stopCode, 0)
        h.feed(.closed(client, reason: "closed locally"))
        h.feed(.closed(up, reason: "stopped"))
        _ = h.drainEffects()
        XCTAssertTrue(h.finish().isClean, "\(h.finish())")
    }

    func testDrainTimeoutAnswers503AndStops() {
        var h = harness()
        let (client, up, _) = waitingClient(&h, client: 1, answerStart: true)
        h.feed(.shutdown)
        h.advance(by: 3_100 * ms)
        let effects = h.drainEffects()
        XCTAssertTrue(text(effects, to: client).hasPrefix("HTTP/1.1 503 "))
        XCTAssertTrue(text(effects, to: client).contains("drain timeout"))
        XCTAssertEqual(h.stopCode, 0)
        h.feed(.closed(client, reason: "closed locally"))
        h.feed(.closed(up, reason: "stopped"))
        _ = h.drainEffects()
        XCTAssertTrue(h.finish().isClean, "\(h.finish())")
    }

    func testAnAmbiguousStartWaitsTheGraceForItsCallback() {
        var h = harness()
        // The start was written, then the connection broke before its answer.
        let (client, up, callback) = waitingClient(&h, client: 1, answerStart: false)
        h.feed(.closed(up, reason: "reset by peer"))
        h.advance(by: 1_000 * ms)
        XCTAssertEqual(text(h.drainEffects(), to: client), "", "still waiting: the job may be running")
        let answered = postCallback(&h, callback, from: 9)
        XCTAssertTrue(text(answered, to: client).hasPrefix("HTTP/1.1 200 "), "its callback completes it")
        XCTAssertEqual(h.pipeline.stats.upstreamAmbiguous, 1)
        h.feed(.closed(client, reason: "test"))
        _ = h.drainEffects()
        XCTAssertTrue(h.finish().isClean, "\(h.finish())")
    }

    func testAnAmbiguousStartWithNoCallbackGets502NamingTheAmbiguity() {
        var h = harness()
        let (client, up, _) = waitingClient(&h, client: 1, answerStart: false)
        h.feed(.closed(up, reason: "reset by peer"))
        h.advance(by: 2_100 * ms)
        let answer = text(h.drainEffects(), to: client)
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 502 "), answer)
        XCTAssertTrue(answer.contains("may or may not"), answer)
        XCTAssertEqual(h.pipeline.stats.ambiguousUnresolved, 1)
        h.feed(.closed(client, reason: "test"))
        _ = h.drainEffects()
        XCTAssertTrue(h.finish().isClean, "\(h.finish())")
    }

    func testTheMemoryOfFinishedTokensHoldsExactlyItsBound() {
        var h = harness(finishedTokensMax: 3)
        let (first, up, firstCallback) = waitingClient(&h, client: 1, answerStart: true)
        XCTAssertTrue(text(postCallback(&h, firstCallback, from: 101), to: first).hasPrefix("HTTP/1.1 200 "))
        var callbacks = [firstCallback]
        // The next four go out on the same keep-alive upstream connection.
        for n in 2...5 {
            let client = ConnectionID(raw: UInt64(n))
            h.feed(.accepted(client, listener: 0))
            let sent = text(h.feed(.received(client, Array(jobRequest.utf8))), to: up)
            guard let range = sent.range(of: #"/callback/[^"]+"#, options: .regularExpression) else { return XCTFail(sent) }
            let body = #"{"id":"1","state":"running"}"#
            h.feed(.received(up, Array("HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)))
            XCTAssertTrue(text(postCallback(&h, String(sent[range]), from: UInt64(100 + n)), to: client).hasPrefix("HTTP/1.1 200 "))
            callbacks.append(String(sent[range]))
        }
        XCTAssertTrue(h.pipeline.statsJSON.contains("\"finished_tokens_remembered\":3"), h.pipeline.statsJSON)
        // The two oldest are forgotten (404); the newest three are remembered (a repeat is a duplicate).
        XCTAssertTrue(text(postCallback(&h, callbacks[0], from: 200), to: ConnectionID(raw: 200)).hasPrefix("HTTP/1.1 404 "))
        XCTAssertTrue(text(postCallback(&h, callbacks[2], from: 201), to: ConnectionID(raw: 201)).hasPrefix("HTTP/1.1 200 "))
        XCTAssertEqual(h.pipeline.stats.callbacksDuplicate, 1)
    }
}
