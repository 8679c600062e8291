import Foundation
import XCTest
import RcomCLI
import RcomCore
import RcomStore
@testable import RcomNotify

/// The service's checks, and `rcom send` run in-process against a simulator.
final class ServiceTests: XCTestCase {
    func testInvalidTargetsSayWhatIsExpected() {
        let r = ChannelRegistry(settings: ChannelSettings())
        let bad: [(String, String)] = [("email", "no-at-sign"), ("email", "a@b"), ("email", "a..b@example.com"), ("email", "a@exa mple.com"),
                                       ("sms", "505-904"), ("sms", "call me"), ("sms", "+0123456789"),
                                       ("slack", "a/b/c"), ("slack", "team/"), ("webhook", "ftp://x")]
        for (c, t) in bad {
            guard case .failure(let e) = r.channel(c)!.normalise(target: t) else { XCTFail("\(c) accepted \(t)"); continue }
            XCTAssertTrue(e.message.contains("expected"), e.message)
        }
        XCTAssertEqual(try r.channel("email")!.normalise(target: " Someone@EXAMPLE.com ").get(), "Someone@example.com")
        XCTAssertEqual(try r.channel("sms")!.normalise(target: "(505) 904-5845").get(), "+15059045845")
        XCTAssertEqual(try r.channel("sms")!.normalise(target: "1-505-904-5845").get(), "+15059045845")
        XCTAssertEqual(try r.channel("sms")!.normalise(target: "+44 20 7946 0958").get(), "+442079460958")
        let uk = SMSChannel(settings: ChannelSettings(values: ["RCOM_SMS_COUNTRY_CODE": "+44"]))
        XCTAssertEqual(try uk.normalise(target: "020 7946 0958").get(), "+442079460958")
    }

    func testUnknownChannelListsTheValidOnes() {
        let r = ChannelRegistry(settings: ChannelSettings())
        XCTAssertEqual(r.unknown("pigeon"), "unknown channel 'pigeon'; channels: email, sms, slack, webhook")
        let code = send(["-t", "x", "-m", "y", "-c", "pigeon"], db: makeTemporaryDirectory() + "/db.sqlite", env: [:])
        XCTAssertEqual(code, 2)
    }

    func testSuppressedEmailExits3AndNeverReachesTheProvider() throws {
        let dir = makeTemporaryDirectory()
        let db = dir + "/subscriptions.sqlite"
        let store = try SQLiteNotificationStore(path: db)
        try store.database.execute("""
            INSERT INTO subscriptions (email, id, subscribed_at, suppressed) VALUES ('blocked@example.com', 1, 0, 1);
            INSERT INTO subscriptions (email, id, subscribed_at, suppressed) VALUES ('fine@example.com', 2, 0, 0);
            """)
        let f = try SimulatorFixture()
        let env = ["RCOM_SMTP_URL": "smtp://127.0.0.1:\(f.smtpPort)"]
        XCTAssertEqual(send(["-t", "Blocked@Example.com", "-m", "hi", "-c", "email"], db: db, env: env), 3)
        XCTAssertEqual(send(["-t", "fine@example.com", "-m", "hi", "-c", "email"], db: db, env: env), 0)
        let sim = f.stop()
        XCTAssertEqual(sim.captured.map(\.target), ["fine@example.com"])
        let counts = try store.channelCounts(assignment: nil)
        XCTAssertEqual(counts.first?.suppressed, 1)
        XCTAssertEqual(counts.first?.delivered, 1)
    }

    func testExitCodesForUsageFailureAndSuccess() throws {
        let db = makeTemporaryDirectory() + "/db.sqlite"
        let f = try SimulatorFixture(faults: "sms:500=1")
        var env = ["RCOM_SMS_URL": "http://127.0.0.1:\(f.httpPort)"]
        // A configured SMS endpoint without credentials is a usage error, before anything is sent.
        XCTAssertEqual(send(["-t", "505-9045845", "-m", "hi", "-c", "sms"], db: db, env: env), 2)
        env.merge(["RCOM_SMS_ACCOUNT_SID": "ACsimulated", "RCOM_SMS_AUTH_TOKEN": "simulated-token", "RCOM_SMS_FROM": "+15550100000"]) { $1 }
        XCTAssertEqual(send(["-t", "505-9045845", "-m", "hi", "-c", "sms", "--attempts", "2", "--backoff", "10ms"], db: db, env: env), 1)
        XCTAssertEqual(send(["-t", "505", "-m", "hi", "-c", "sms"], db: db, env: env), 2)
        XCTAssertEqual(send(["-m", "hi", "-c", "sms"], db: db, env: env), 2)
        _ = f.stop()
        // No configuration at all: the in-process simulator answers.
        XCTAssertEqual(send(["-t", "c3245/databases", "-m", "your database is over 80%", "-c", "slack"], db: db, env: [:]), 0)
        let store = try SQLiteNotificationStore(path: db)
        let counts = try store.channelCounts(assignment: nil)
        XCTAssertEqual(counts.map(\.channel), ["slack", "sms"])
        XCTAssertEqual(counts[1].failed, 1)
        let attempts = try store.database.scalarInt("SELECT count(*) FROM delivery_attempts WHERE result = 'transient'")
        XCTAssertEqual(attempts, 2)
    }

    private func send(_ args: [String], db: String, env: [String: String]) -> Int32 {
        guard case .parsed(let parsed)? = try? ArgumentParser.parse(args + ["--db", db], spec: SendCommand.spec) else {
            XCTFail("bad args \(args)")
            return -1
        }
        return SendCommand.run(parsed, environment: env)
    }
}
