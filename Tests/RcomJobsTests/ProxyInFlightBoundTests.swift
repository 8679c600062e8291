import XCTest
import RcomCore
@testable import RcomJobs

/// wait:false starts are work in flight like waiting clients: they count toward
/// `waitingClientsMax` until the job server answers them.
final class ProxyInFlightBoundTests: XCTestCase {
    private func text(_ effects: [ReactorEffect], to id: ConnectionID) -> String {
        effects.compactMap { if case .write(id, let b) = $0 { String(decoding: b, as: UTF8.self) } else { nil } }.joined()
    }

    private func job(_ wait: Bool) -> [UInt8] {
        let body = #"{"account":"a","wait":\#(wait),"callback":"http://c/x"}"#
        return Array("POST /start HTTP/1.1\r\nHost: p\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
    }

    func testAWaitFalseStartHoldsASlotUntilItIsAnswered() {
        var config = ProxyConfig(upstream: HTTPURL(host: "127.0.0.1", port: 9000), publicURL: HTTPURL(host: "127.0.0.1", port: 8080))
        config.waitingClientsMax = 1
        var h = EmbeddedHarness(ProxyPipeline(config: config, entropy: SeededEntropy(seed: 1)))
        let first = ConnectionID(raw: 1), second = ConnectionID(raw: 2)
        h.feed(.accepted(first, listener: 0))
        h.feed(.accepted(second, listener: 0))
        let dispatched = h.feed(.received(first, job(false)))
        guard let up = dispatched.compactMap({ if case .connect(let id, _, _) = $0 { id } else { nil } }).first else {
            return XCTFail("the wait:false start was not sent upstream: \(dispatched)")
        }
        // The slot is taken: a second start, of either kind, is refused at once.
        let refused = text(h.feed(.received(second, job(true))), to: second)
        XCTAssertTrue(refused.hasPrefix("HTTP/1.1 503 "), refused)
        XCTAssertTrue(refused.contains("limit of 1 jobs in flight"), refused)
        // The job server answers the wait:false start: the slot is free again.
        h.feed(.connected(up))
        let body = #"{"id":"1","state":"running"}"#
        let answered = h.feed(.received(up, Array("HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)))
        XCTAssertTrue(text(answered, to: first).hasPrefix("HTTP/1.1 200 "))
        let again = text(h.feed(.received(second, job(false))), to: second)
        XCTAssertFalse(again.hasPrefix("HTTP/1.1 503 "), again)
        XCTAssertEqual(h.pipeline.stats.refusedOverload, 1)
    }
}
