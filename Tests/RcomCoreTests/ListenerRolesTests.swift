import XCTest
import RcomCore

/// A listener's roles survive a trace header, and a header that names no known role is refused.
final class ListenerRolesTests: XCTestCase {
    func testRolesRoundTripThroughATraceHeader() {
        let roles: [ListenerRoles] = [.clients, [.callbacks, .admin], .proxy, .links]
        let value = ListenerRoles.traceValue(roles)
        XCTAssertEqual(value, "clients,callbacks+admin,clients+callbacks+admin,links")
        XCTAssertEqual(ListenerRoles.fromTrace(value, everything: .proxy), roles)
        XCTAssertEqual(ListenerRoles.fromTrace(nil, everything: .track), [.track], "a trace from before roles: one listener, everything")
        XCTAssertNil(ListenerRoles.fromTrace("clients,public", everything: .proxy))
        XCTAssertNil(ListenerRoles.fromTrace("", everything: .proxy))
    }

    func testAConnectionOfAnUnknownListenerMayAskForNothing() {
        XCTAssertEqual(ListenerRoles.of(listener: 1, in: [.clients, .admin]), .admin)
        XCTAssertEqual(ListenerRoles.of(listener: 2, in: [.clients, .admin]), [])
        XCTAssertEqual(ListenerRoles.of(listener: nil, in: [.proxy]), [])
        XCTAssertTrue(ListenerRoles.proxy.exposure.contains("job starts on any account"))
    }
}
