import Foundation
import XCTest
import RcomStore
@testable import RcomNotify

/// An experiment end to end on each backend, with the real binary: 40 clients in one
/// experiment, the first channel drawn per client (both channels drawn), recorded as random
/// assignment, and `rcom stats --experiment` comparing first-channel engagement.
final class ExperimentStatsTests: XCTestCase {
    func testStatsComparesTheDrawnFirstChannels() throws {
        try onEachBackend { b in
            let clients = (0..<40).map { i in
                #"{"id": "c\#(i)", "timezone": "UTC", "contacts": {"email": ["u\#(i)@x.test"], "slack": ["t/c\#(i)"]}, "#
                    + #""rules": [{"event": "account.*", "channels": ["email", "slack"], "mode": "fallback", "experiment": "first"}]}"#
            }
            let file = b.path("clients.json")
            try ("{\"clients\": [" + clients.joined(separator: ",\n") + "]}").write(toFile: file, atomically: true, encoding: .utf8)
            XCTAssertEqual(finish(try startRcom(["clients", "apply", file, "--db", b.dbArgument])).status, 0)
            for i in 0..<40 {
                let r = finish(try startRcom(["notify", "c\(i)", "account.created", "-m", "welcome", "--urgent", "--db", b.dbArgument]))
                XCTAssertEqual(r.status, 0, r.stderr)
            }
            let firsts = try b.rows("SELECT n.channel, n.assignment, count(*) FROM notifications n JOIN event_deliveries d ON d.notification_id = n.id WHERE d.step = 0 GROUP BY n.channel, n.assignment ORDER BY n.channel")
            XCTAssertEqual(firsts.count, 2, "both channels drawn first: \(firsts)")
            XCTAssertTrue(firsts.allSatisfy { $0.contains("|random|") }, "\(firsts)")
            // Engagement on every slack notification, none on email.
            let store = try openNotificationStore(b.location)
            for id in try b.rows("SELECT id FROM notifications WHERE channel = 'slack'") {
                XCTAssertEqual(try store.recordClick(notificationID: id, kind: .click), .first)
            }
            let stats = finish(try startRcom(["stats", "--experiment", "first", "--json", "--db", b.dbArgument]))
            XCTAssertEqual(stats.status, 0, stats.stderr)
            XCTAssertTrue(stats.stdout.contains(#""population":"experiment first: first channels drawn at random"#), stats.stdout)
            XCTAssertTrue(stats.stdout.contains(#""leader":"slack""#), stats.stdout)
            XCTAssertTrue(stats.stdout.contains(#""significant":true"#), "\(b.kind): \(stats.stdout)")
            let byEvent = finish(try startRcom(["stats", "--by", "event", "--db", b.dbArgument]))
            XCTAssertEqual(byEvent.status, 0, byEvent.stderr)
            XCTAssertTrue(byEvent.stdout.hasPrefix("event "), byEvent.stdout)
            let row = byEvent.stdout.split(separator: "\n").first { $0.hasPrefix("account.created ") }?.split(separator: " ")
            XCTAssertEqual(row?.prefix(3).map(String.init), ["account.created", "40", "40"], byEvent.stdout)
            let byClient = finish(try startRcom(["stats", "--by", "client", "--json", "--db", b.dbArgument]))
            XCTAssertEqual(byClient.stdout.components(separatedBy: #""sent":1,"#).count - 1, 40, byClient.stdout)
            XCTAssertEqual(finish(try startRcom(["stats", "--by", "week", "--db", b.dbArgument])).status, 2)
            let total = firsts.compactMap { Int($0.split(separator: "|").last!) }.reduce(0, +)
            XCTAssertEqual(total, 40)
        }
    }
}
