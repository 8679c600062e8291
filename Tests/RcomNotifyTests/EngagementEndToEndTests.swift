import Foundation
import Glibc
import XCTest
import RcomCLI
import RcomCore
import RcomReactor
@testable import RcomNotify

/// Simulated recipients click with a known probability per channel; `rcom stats` must recover
/// those rates within its intervals. Real sockets throughout: send → providers → clicks → track.
final class EngagementEndToEndTests: XCTestCase {
    func testStatsRecoverTheSimulatedClickRates() throws {
        let dir = makeTemporaryDirectory()
        let db = dir + "/subscriptions.sqlite"
        let rates = ["email": 0.2, "sms": 0.35, "slack": 0.5]
        let f = try SimulatorFixture(faults: "sms:500=0.05", engage: "email=0.2,sms=0.35,slack=0.5", seed: 11)
        let trackStore = try SQLiteNotificationStore(path: db)
        let track = try TrackFixture(store: trackStore, redirect: "https://example.com/")

        let csv = dir + "/batch.csv"
        var lines = ["channel,target,message"]
        for i in 0..<900 { lines.append("random,email:u\(i)@example.com|sms:+1505\(String(format: "%07d", i))|slack:team/u\(i),\"hello, \(i)\"") }
        try (lines.joined(separator: "\n") + "\n").write(toFile: csv, atomically: true, encoding: .utf8)

        // A configured SMS endpoint takes its credentials from the environment, never by default.
        let env = ["RCOM_SMTP_URL": "smtp://127.0.0.1:\(f.smtpPort)", "RCOM_SMS_URL": "http://127.0.0.1:\(f.httpPort)",
                   "RCOM_SMS_ACCOUNT_SID": "ACsimulated", "RCOM_SMS_AUTH_TOKEN": "simulated-token", "RCOM_SMS_FROM": "+15550100000",
                   "RCOM_SLACK_WEBHOOK_URL": "http://127.0.0.1:\(f.httpPort)/slack/{target}"]
        let args = ["--batch", csv, "--db", db, "--public-url", "http://127.0.0.1:\(track.ports[0])", "--seed", "5", "--backoff", "10ms"]
        guard case .parsed(let parsed) = try ArgumentParser.parse(args, spec: SendCommand.spec) else { return XCTFail() }
        XCTAssertEqual(SendCommand.run(parsed, environment: env), 0)

        // Clicks are made after delivery: wait until the simulator has none pending.
        XCTAssertTrue(try eventually(within: 20) {
            let r = try SimpleHTTP.get(port: f.httpPort, path: "/_sim/stats")
            let json = try JSONSerialization.jsonObject(with: Data(r)) as? [String: Any]
            return (json?["clicks_pending"] as? Int) == 0 && (json?["clicks_queued"] as? Int ?? 0) > 0
        })
        let sim = f.stop()
        let tracked = track.stop()
        XCTAssertEqual(tracked.counts.first, sim.stats.clicksAnswered)
        XCTAssertEqual(tracked.counts.unknown, 0)

        let report = EngagementReport(counts: try SQLiteNotificationStore(path: db).channelCounts(assignment: .random), population: "random")
        XCTAssertEqual(report.rows.map(\.counts.channel), ["email", "slack", "sms"])
        XCTAssertEqual(report.rows.reduce(0) { $0 + $1.counts.delivered }, 900)
        for row in report.rows {
            let p = rates[row.counts.channel]!
            XCTAssertGreaterThan(row.counts.delivered, 200)
            // Notification ids (and so which links get clicked) are random per run: a 95 %
            // interval would miss one of three channels in ~14 % of runs. Check with z = 4
            // (a chance miss about once in 5,000 runs); the report itself keeps its 95 % interval.
            let wide = ProportionStats.wilson(successes: row.counts.engaged, trials: row.counts.delivered, z: 4)
            XCTAssertTrue(wide.low <= p && p <= wide.high,
                          "\(row.counts.channel): \(p) outside \(wide) (\(row.counts.engaged)/\(row.counts.delivered))")
            XCTAssertLessThan(row.interval.high - row.interval.low, wide.high - wide.low, "the report's 95 % interval is the narrower one")
        }
        XCTAssertEqual(report.lead?.leader, "slack")
    }
}

/// A blocking one-shot GET for tests, with a receive timeout.
enum SimpleHTTP {
    struct Failure: Error {}
    /// A connected loopback socket with a 5 s receive timeout; the caller closes it.
    static func connected(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else {
            close(fd)
            throw Failure()
        }
        return fd
    }

    static func get(port: Int, path: String) throws -> [UInt8] {
        let fd = try connected(port: port)
        defer { close(fd) }
        let req = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        _ = req.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var decoder = HTTPResponseDecoder()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            switch decoder.next() {
            case .message(let r): return r.body
            case .error, .closed: throw Failure()
            case .needData, .expectContinue: break
            }
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { decoder.receive(buf[0..<n]) } else if n == 0 { decoder.receiveEOF() } else { throw Failure() }
        }
    }
}
