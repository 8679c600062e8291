import Foundation
import XCTest
@testable import RcomNotify

/// The routing stage, table-driven: (definition, event, urgent, now, suppression) → plan.
final class RoutingStageTests: XCTestCase {
    let acme = try! ClientFileParser(registry: ChannelRegistry(settings: ChannelSettings())).parseClient(Array("""
        {"id": "acme", "timezone": "Europe/Berlin",
         "contacts": {"email": ["ops@acme.test", "cto@acme.test"], "sms": ["+15059045845"], "slack": ["c3245/databases"], "webhook": ["https://h.acme.test/x"]},
         "quiet_hours": {"from": "22:00", "to": "07:00"},
         "mute": ["marketing.*", "channel:webhook"],
         "rules": [
           {"event": "*", "channels": ["email"]},
           {"event": "db.*", "channels": ["slack", "sms"], "mode": "fallback"},
           {"event": "db.disk.*", "channels": ["sms"], "mode": "fallback"},
           {"event": "db.disk_full", "channels": ["sms", "email"], "mode": "all"},
           {"event": "hooks.x", "channels": ["webhook"]},
           {"event": "incident.*", "channels": ["slack", "sms", "email"], "mode": "escalate", "after": "5m"},
           {"event": "account.*", "channels": ["email", "slack", "sms"], "mode": "fallback", "experiment": "account-channel"}]}
        """.utf8)).get()

    /// 2026-03-28 12:00 UTC: a Saturday afternoon in Berlin (CET, UTC+1), outside quiet hours.
    static let noon_ms: Int64 = 1_774_699_200_000

    func testTheMostSpecificRuleWins() {
        let table: [(String, String?, [String], RoutePlan.Status)] = [
            ("db.disk_full", "db.disk_full", ["sms", "email"], .deliver),
            ("db.disk.low", "db.disk.*", ["sms"], .deliver),
            ("db.slow", "db.*", ["slack", "sms"], .deliver),
            ("db", "*", ["email"], .deliver),                  // db.* is for events under db.
            ("billing.paid", "*", ["email"], .deliver),
            ("marketing.promo", nil, [], .muted),
            ("hooks.x", "hooks.x", [], .muted),                // its only channel is muted
            ("Not An Event", nil, [], .unrouted),
        ]
        for (event, rule, channels, status) in table {
            let p = RoutingStage.plan(.init(client: acme, event: event, urgent: false, now_ms: Self.noon_ms))
            XCTAssertEqual(p.status, status, event)
            XCTAssertEqual(p.rule?.event.description, rule, event)
            XCTAssertEqual(p.steps.map(\.channel), channels, event)
        }
    }

    func testNoMatchingRuleIsUnroutedWithTheReason() {
        var c = acme
        c.rules.removeAll { $0.event == .any }
        let p = RoutingStage.plan(.init(client: c, event: "billing.paid", urgent: false, now_ms: Self.noon_ms))
        XCTAssertEqual(p.status, .unrouted)
        XCTAssertTrue(p.reason!.contains("no rule of client acme matches billing.paid"), p.reason!)
    }

    func testEscalationStepsAreSpacedByAfterAndSuppressedTargetsLeftOut() {
        let p = RoutingStage.plan(.init(client: acme, event: "incident.down", urgent: true, now_ms: Self.noon_ms,
                                        suppressed: [ChannelTarget("email", "cto@acme.test")]))
        XCTAssertEqual(p.mode, .escalate)
        XCTAssertEqual(p.steps.map(\.delay_ms), [0, 300_000, 600_000])
        XCTAssertEqual(p.steps[2].targets, ["ops@acme.test"])
        XCTAssertEqual(p.steps[2].suppressed, ["cto@acme.test"])
    }

    func testQuietHoursAcrossTheSpringForwardInBerlin() {
        let hour: Int64 = 3_600_000
        // (UTC ms, urgent, held until UTC ms). Berlin moves from CET (+1) to CEST (+2) at
        // 2026-03-29 01:00 UTC; 07:00 local on the 29th is 05:00 UTC, on the 28th 06:00 UTC.
        let midnight28 = Self.noon_ms - 12 * hour                   // 2026-03-28 00:00 UTC = 01:00 CET
        let table: [(Int64, Bool, Int64?)] = [
            (Self.noon_ms, false, nil),                               // 13:00 CET: not quiet
            (midnight28, false, midnight28 + 6 * hour),               // 01:00 CET → 07:00 CET = 06:00 UTC
            (Self.noon_ms + 9 * hour + hour / 2, false, midnight28 + 29 * hour), // 22:30 CET on the 28th → 07:00 CEST = 05:00 UTC on the 29th
            (midnight28 + 28 * hour, false, midnight28 + 29 * hour),  // 06:00 CEST on the 29th → an hour later
            (midnight28 + 29 * hour, false, nil),                     // 07:00 CEST: over
            (Self.noon_ms + 10 * hour, true, nil),                    // urgent ignores quiet hours
        ]
        for (now, urgent, until) in table {
            let p = RoutingStage.plan(.init(client: acme, event: "db.slow", urgent: urgent, now_ms: now))
            XCTAssertEqual(p.heldUntil_ms, until, "now \(now)")
            XCTAssertEqual(p.status, until == nil ? .deliver : .held, "now \(now)")
        }
    }

    func testAQuietEndInsideTheDaylightSavingGapIsTheFirstInstantAfterIt() {
        // Quiet 23:00–02:30 Berlin: 02:30 does not exist on 2026-03-29; the hold ends at 03:00 CEST = 01:00 UTC.
        var c = acme
        c.quietHours = QuietHours(fromMinute: 23 * 60, toMinute: 2 * 60 + 30)
        let now: Int64 = 1_774_738_800_000 // 2026-03-28 23:00 UTC = 2026-03-29 00:00 CET
        XCTAssertEqual(RoutingStage.plan(.init(client: c, event: "db.slow", urgent: false, now_ms: now)).heldUntil_ms, 1_774_746_000_000)
    }

    func testTheExperimentsDrawIsStablePerClientAndEventTypeAndSpreads() {
        var firsts: [String: Int] = [:]
        for i in 0..<300 {
            var c = acme
            c.id = "client\(i)"
            let a = RoutingStage.plan(.init(client: c, event: "account.created", urgent: true, now_ms: 0))
            let b = RoutingStage.plan(.init(client: c, event: "account.created", urgent: true, now_ms: 99))
            XCTAssertEqual(a.steps.map(\.channel), b.steps.map(\.channel))
            XCTAssertEqual(Set(a.steps.map(\.channel)), ["email", "slack", "sms"])
            XCTAssertEqual(a.experiment, "account-channel")
            firsts[a.steps[0].channel, default: 0] += 1
        }
        // 300 draws over 3 channels: each near 100 (binomial sd ≈ 8.2; 60 is ~5 sd off).
        for (channel, n) in firsts { XCTAssertGreaterThan(n, 60, channel) }
    }
}
