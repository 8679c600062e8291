import Foundation
import XCTest
import RcomCore
@testable import RcomNotify

/// Keeps the carried requests; the test answers them as URLSession would, through events.
final class CapturingCarrier: RequestCarrier {
    var requests: [CarriedRequest] = []
    func carry(_ request: CarriedRequest) { requests.append(request) }
}

/// A send pipeline on a virtual clock with one Slack notification to an https webhook, started.
func harness(_ carrier: CapturingCarrier, sink: RecordingSink, policy: DeliveryPolicy = Deliver.policy(),
             wall_ms: Int64 = 1_700_000_000_000) -> EmbeddedHarness<SendPipeline> {
    CarriedTransportTests.harness(carrier, sink: sink, policy: policy, wall_ms: wall_ms)
}

/// https endpoints: the stage hands the adapter's request to the carrier (URLSession) instead of
/// the reactor, and reads the answer, re-entering as a wakeup, like any other.
final class CarriedTransportTests: XCTestCase {
    static let hook = "https://hooks.slack.example/services/T0/B0/{target}"

    static func harness(_ carrier: CapturingCarrier, sink: RecordingSink, policy: DeliveryPolicy = Deliver.policy(),
                 wall_ms: Int64 = 1_700_000_000_000) -> EmbeddedHarness<SendPipeline> {
        let slack = SlackChannel(settings: ChannelSettings(values: ["RCOM_SLACK_WEBHOOK_URL": Self.hook]))
        let stage = DeliveryStage(policy: policy, entropy: SeededEntropy(seed: 1))
        let feed = ListFeed([(Deliver.notification("slack", "c3245/databases"), slack)])
        var h = EmbeddedHarness(SendPipeline(stage: stage, source: feed, sink: sink, carrier: carrier))
        h.feed(SendPipeline.startEvent(wall_ms: wall_ms))
        return h
    }

    func testHTTPSGoesToTheCarrierNotTheReactor() throws {
        let carrier = CapturingCarrier(), sink = RecordingSink()
        var h = RcomNotifyTests.harness(carrier, sink: sink)
        let effects = h.drainEffects()
        XCTAssertFalse(effects.contains { if case .connect = $0 { return true } else { return false } }, "\(effects)")
        let r = try XCTUnwrap(carrier.requests.first)
        XCTAssertEqual(carrier.requests.count, 1)
        XCTAssertEqual(r.url.description, "https://hooks.slack.example/services/T0/B0/c3245/databases")
        XCTAssertEqual(r.request.method, "POST")
        XCTAssertEqual(r.request.headers["content-type"], "application/json")
        XCTAssertEqual(String(decoding: r.request.body, as: UTF8.self),
                       "{\"text\":\"hello\\n<http://127.0.0.1:8081/e/n0123456789abcdef>\"}")
        // Slack's answer comes back through the wakeup; the adapter reads it as usual.
        h.feed(CarriedAnswer.response(r.exchange, SimulatedHTTPProviders.text(200, "ok")).event)
        XCTAssertEqual(sink.outcomes.map(\.result), [.delivered(providerID: "ok")])
        XCTAssertTrue(h.drainEffects().contains(ReactorEffect.stop(exitCode: 0)))
        XCTAssertEqual(h.armedTimers, 0)
    }

    func testCarriedTimeoutAndFailureAreRetriedAndLateAnswersDropped() throws {
        let carrier = CapturingCarrier(), sink = RecordingSink()
        var h = RcomNotifyTests.harness(carrier, sink: sink, policy: Deliver.policy(attempts: 3, timeout_ms: 1_000))
        let first = try XCTUnwrap(carrier.requests.first)
        h.advance(by: 1_000_000_000)
        XCTAssertEqual(sink.attempts.map(\.result.detail), ["no answer within 1000 ms"])
        h.advance(by: 200_000_000) // past the capped backoff: the second attempt is carried
        XCTAssertEqual(carrier.requests.count, 2)
        // The first attempt's answer arrives late: no exchange takes it.
        h.feed(CarriedAnswer.response(first.exchange, SimulatedHTTPProviders.text(200, "ok")).event)
        XCTAssertEqual(sink.attempts.count, 1)
        h.feed(CarriedAnswer.failed(carrier.requests[1].exchange, "https: certificate expired").event)
        XCTAssertEqual(sink.attempts.last?.result, .transient("https: certificate expired", retryAfter_ms: nil))
        h.advance(by: 200_000_000)
        h.feed(CarriedAnswer.response(carrier.requests[2].exchange, SimulatedHTTPProviders.text(200, "ok")).event)
        XCTAssertEqual(sink.outcomes.first?.attempts, 3)
        XCTAssertEqual(sink.outcomes.first?.delivered, true)
        XCTAssertEqual(h.armedTimers, 0)
    }

    func testAnswerPayloadRoundTrips() {
        let id = ConnectionID.outbound(0x0102_0304_0506)
        var r = HTTPResponse(status: 429, body: Array("rate_limited".utf8))
        r.headers.add("Retry-After", "3")
        guard case .response(let i, let back)? = CarriedAnswer.decode(CarriedAnswer.response(id, r).payload) else { return XCTFail() }
        XCTAssertEqual(i, id)
        XCTAssertEqual(back.status, 429)
        XCTAssertEqual(back.headers["retry-after"], "3")
        XCTAssertEqual(back.body, Array("rate_limited".utf8))
        XCTAssertEqual(CarriedAnswer.decode(CarriedAnswer.failed(id, "dns").payload), .failed(id, "dns"))
        XCTAssertNil(CarriedAnswer.decode([1, 2, 3]))
    }

    /// URLSession has undone chunking and gzip: the headers that described them must not reach
    /// the decoder, or it would look for chunk framing in a plain body.
    func testURLSessionResponseMappingDropsWireFraming() throws {
        let mapped = URLSessionCarrier.response(status: 200, headers: [
            "Transfer-Encoding": "chunked", "Content-Encoding": "gzip", "Content-Length": "31",
            "Connection": "keep-alive", "X-Slack-Req": "abc", "Date": "Sun, 06 Nov 1994 08:49:37 GMT",
        ], body: Data("ok".utf8))
        XCTAssertEqual(mapped.headers.map(\.name), ["Date", "X-Slack-Req"])
        let id = ConnectionID.outbound(9)
        guard case .response(_, let r)? = CarriedAnswer.decode(CarriedAnswer.response(id, mapped).payload) else { return XCTFail() }
        XCTAssertEqual(r.body, Array("ok".utf8))
        XCTAssertEqual(r.headers["content-length"], "2")
    }

    func testURLRequestCarriesTheAdaptersRequestLeavingFramingToURLSession() throws {
        var h = HTTPHeaders()
        h.add("Host", "api.example")
        h.add("Authorization", "Basic QUM6dG9rZW4=")
        h.add("Content-Type", "application/x-www-form-urlencoded")
        h.add("Connection", "close")
        let r = CarriedRequest(exchange: .outbound(1), url: HTTPURL("https://api.example/2010-04-01/Accounts/AC1/Messages.json")!,
                               request: HTTPRequest(method: "POST", target: "/2010-04-01/Accounts/AC1/Messages.json?x=1", headers: h,
                                                    body: Array("To=%2B1".utf8)),
                               timeout_ms: 2_500)
        let u = try XCTUnwrap(URLSessionCarrier.urlRequest(r))
        XCTAssertEqual(u.url?.absoluteString, "https://api.example/2010-04-01/Accounts/AC1/Messages.json?x=1")
        XCTAssertEqual(u.httpMethod, "POST")
        XCTAssertEqual(u.timeoutInterval, 2.5)
        XCTAssertEqual(u.value(forHTTPHeaderField: "Authorization"), "Basic QUM6dG9rZW4=")
        XCTAssertNil(u.value(forHTTPHeaderField: "Host"))
        XCTAssertNil(u.value(forHTTPHeaderField: "Connection"))
        XCTAssertEqual(u.httpBody, Data("To=%2B1".utf8))
    }

    /// The real plumbing: URLSession on its worker threads, the answer through the reactor's
    /// wakeup, the stage and adapter unchanged; http to the local simulator stands in for https.
    func testURLSessionRoundTripAgainstTheSimulator() throws {
        let f = try SimulatorFixture(faults: "slack:500=1x")
        var p = Deliver.policy()
        p.carriedSchemes = ["http", "https"]
        let sink = Deliver.one(SlackChannel(settings: f.settings), Deliver.notification("slack", "c3245/databases"), policy: p)
        let sim = f.stop()
        XCTAssertEqual(sink.attempts.map(\.result.kind), ["transient", "delivered"])
        XCTAssertTrue(sink.attempts[0].result.detail.hasPrefix("500"), sink.attempts[0].result.detail)
        XCTAssertEqual(sink.outcomes.first?.result, .delivered(providerID: "ok"))
        let r = try XCTUnwrap(sim.captured.last?.http)
        XCTAssertEqual(r.target, "/slack/c3245/databases")
        XCTAssertEqual(r.headers["content-type"], "application/json")
        XCTAssertEqual(String(decoding: r.body, as: UTF8.self), "{\"text\":\"hello\\n<http://127.0.0.1:8081/e/n0123456789abcdef>\"}")
        XCTAssertEqual(sim.stats.requests["slack"], 2)
    }
}
