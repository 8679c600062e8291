import XCTest
import RcomCore
@testable import RcomJobs

/// The proxy routes every event by its ids' bits alone; these are the id spaces the stages
/// allocate from, so a stage's ids must land on that stage.
final class ProxyOwnerTests: XCTestCase {
    func testConnectionsByDirection() {
        let inbound = ConnectionID(raw: 7), outbound = ConnectionID.outbound(7)
        XCTAssertEqual(ProxyOwner.of(.accepted(inbound, listener: 1)), .client(inbound))
        XCTAssertEqual(ProxyOwner.of(.received(inbound, [1])), .client(inbound))
        XCTAssertEqual(ProxyOwner.of(.closed(inbound, reason: "eof")), .client(inbound))
        XCTAssertEqual(ProxyOwner.of(.connected(outbound)), .upstream(outbound))
        XCTAssertEqual(ProxyOwner.of(.readClosed(outbound)), .upstream(outbound))
        XCTAssertEqual(ProxyOwner.of(.connectFailed(outbound, reason: "refused")), .upstream(outbound))
    }

    func testTimersByIDSpace() {
        let correlate = TimerID(raw: 1), upstream = TimerID(raw: ProxyOwner.upstreamTimerBit | 1)
        XCTAssertEqual(ProxyOwner.of(.timer(correlate)), .correlateTimer(correlate))
        XCTAssertEqual(ProxyOwner.of(.timer(upstream)), .upstreamTimer(upstream))
        XCTAssertEqual(ProxyOwner.of(.timer(ProxyPipeline.serverTimer)), .serverTimer)
        XCTAssertEqual(ProxyOwner.of(.timer(ProxyPipeline.drainTimer)), .drainTimer)
        XCTAssertEqual(ProxyOwner.of(.timer(TimerID(raw: ProxyOwner.ownTimerBit | 2))), ProxyOwner.none)
        XCTAssertEqual(ProxyOwner.of(.shutdown), .shutdown)
        XCTAssertEqual(ProxyOwner.of(.wakeup(tag: "x", payload: [])), ProxyOwner.none)
    }

    func testAdmissionDrainBeforeLimit() {
        let admission = ProxyAdmission(clientConnectionsMax: 10)
        XCTAssertEqual(admission.verdict(draining: false, overLimit: false), .admit)
        guard case .draining(let r) = admission.verdict(draining: true, overLimit: true) else { return XCTFail("drain first") }
        XCTAssertEqual(r.status, 503)
        guard case .overLimit(let o) = admission.verdict(draining: false, overLimit: true) else { return XCTFail("over the limit") }
        XCTAssertEqual(o.status, 503)
        XCTAssertTrue(String(decoding: o.body, as: UTF8.self).contains("10 clients"))
    }
}
