import Foundation
import XCTest
@testable import RcomNotify

/// `rcom send` as a child process against real servers on loopback: what reached the provider,
/// what the person sees, and that credentials never show.
final class SendProcessTests: XCTestCase {
    func send(_ args: [String], env: [String: String], db: String) throws -> RcomProcess.Output {
        try RcomProcess.run(["send"] + args + ["--db", db, "--backoff", "10ms"], environment: env)
    }

    func assertNoSecret(_ out: RcomProcess.Output, _ secrets: [String], file: StaticString = #filePath, line: UInt = #line) {
        for s in secrets {
            XCTAssertFalse(out.all.contains(s), "\(s) shown in:\n\(out.all)", file: file, line: line)
        }
    }

    func testTheSlackWebhookURLIsNeverShown() throws {
        let db = makeTemporaryDirectory() + "/db.sqlite"
        let server = try CapturingHTTPServer(body: "ok")
        let path = "/services/T0SECRET1/B0SECRET2/XXSECRET3XX"
        let secrets = ["T0SECRET1", "B0SECRET2", "XXSECRET3XX"]
        let env = ["RCOM_SLACK_WEBHOOK_URL": "http://127.0.0.1:\(server.port)\(path)"]

        let sent = try send(["-t", "C012AB3CD", "-m", "<b>disk</b> & more", "-c", "slack", "-v"], env: env, db: db)
        XCTAssertEqual(sent.status, 0, sent.all)
        assertNoSecret(sent, secrets)
        XCTAssertTrue(sent.stdout.hasSuffix(" slack C012AB3CD delivered ok\n"), sent.stdout)
        XCTAssertTrue(sent.stderr.contains("(sent to http://127.0.0.1:\(server.port)/[redacted])"), sent.stderr)
        XCTAssertFalse(sent.stderr.contains("simulator"), sent.stderr)

        let dry = try send(["-t", "ops", "-m", "hi", "-c", "slack", "--dry-run", "--track"], env: env, db: db)
        XCTAssertEqual(dry.status, 0, dry.all)
        assertNoSecret(dry, secrets)
        XCTAssertTrue(dry.stderr.contains("POST http://127.0.0.1:\(server.port)/[redacted] HTTP/1.1"), dry.stderr)

        let bad = try send(["-t", "ops", "-m", "hi", "-c", "slack"],
                           env: ["RCOM_SLACK_WEBHOOK_URL": "http://127.0.0.1:99999\(path)"], db: db)
        XCTAssertEqual(bad.status, 2, bad.all)
        assertNoSecret(bad, secrets)
        XCTAssertTrue(bad.stderr.contains("RCOM_SLACK_WEBHOOK_URL (value not shown: it is a credential)"), bad.stderr)

        server.stop()
        XCTAssertEqual(server.requests.count, 1, "the dry run and the refused URL sent nothing")
        let received = try XCTUnwrap(server.requests.first)
        XCTAssertEqual(received.request.target, path)
        XCTAssertEqual(String(decoding: received.request.body, as: UTF8.self), #"{"text":"&lt;b&gt;disk&lt;/b&gt; &amp; more"}"#)

        // Nothing listens there now: the failure is reported, the URL still not.
        let down = try send(["-t", "ops", "-m", "hi", "-c", "slack", "--attempts", "1", "-v"], env: env, db: db)
        XCTAssertEqual(down.status, 1, down.all)
        assertNoSecret(down, secrets)
        XCTAssertTrue(down.stderr.hasSuffix("(not delivered to http://127.0.0.1:\(server.port)/[redacted])\n"), down.stderr)
    }

    func testSMSRefusesToRunOnDefaultCredentialsAgainstARealEndpoint() throws {
        let db = makeTemporaryDirectory() + "/db.sqlite"
        let server = try CapturingHTTPServer(status: 201, contentType: "application/json", body: #"{"sid":"SM1","status":"queued"}"#)
        let none = try send(["-t", "505-9045845", "-m", "hi", "-c", "sms"], env: ["RCOM_SMS_URL": "http://127.0.0.1:\(server.port)"], db: db)
        XCTAssertEqual(none.status, 2)
        XCTAssertEqual(none.stdout, "")
        XCTAssertTrue(none.stderr.contains("RCOM_SMS_URL is set, so sms needs RCOM_SMS_ACCOUNT_SID, RCOM_SMS_AUTH_TOKEN, RCOM_SMS_FROM"), none.stderr)
        let noSender = try send(["-t", "505-9045845", "-m", "hi", "-c", "sms"],
                                env: ["RCOM_SMS_URL": "http://127.0.0.1:\(server.port)", "RCOM_SMS_ACCOUNT_SID": "AC1", "RCOM_SMS_AUTH_TOKEN": "t"], db: db)
        XCTAssertEqual(noSender.status, 2)
        XCTAssertTrue(noSender.stderr.contains("needs RCOM_SMS_FROM (unset or empty)"), noSender.stderr)
        // A batch refuses the same way, before reading a line.
        let csv = makeTemporaryDirectory() + "/b.csv"
        try "sms,505-9045845,hi\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let batch = try RcomProcess.run(["send", "--batch", csv, "--db", db], environment: ["RCOM_SMS_URL": "http://127.0.0.1:\(server.port)"])
        XCTAssertEqual(batch.status, 2, batch.all)
        server.stop()
        XCTAssertEqual(server.requests.count, 0, "nothing was sent with the simulator's account")
    }

    func testTheSMSAuthTokenIsNeverShown() throws {
        let db = makeTemporaryDirectory() + "/db.sqlite"
        let server = try CapturingHTTPServer(status: 201, contentType: "application/json", body: #"{"sid":"SM42","status":"queued"}"#)
        let token = "tok-SECRET-42"
        let basic = Data("AC0001:\(token)".utf8).base64EncodedString()
        let env = ["RCOM_SMS_URL": "http://127.0.0.1:\(server.port)", "RCOM_SMS_ACCOUNT_SID": "AC0001", "RCOM_SMS_AUTH_TOKEN": token,
                   "RCOM_SMS_FROM": "+15550001111"]
        let sent = try send(["-t", "505-9045845", "-m", "hi", "-c", "sms", "-v"], env: env, db: db)
        XCTAssertEqual(sent.status, 0, sent.all)
        XCTAssertTrue(sent.stdout.hasSuffix(" sms +15059045845 delivered SM42\n"), sent.stdout)
        XCTAssertTrue(sent.stderr.contains("Authorization: Basic ****"), sent.stderr)
        assertNoSecret(sent, [token, basic])
        let dry = try send(["-t", "505-9045845", "-m", "hi", "-c", "sms", "--dry-run"], env: env, db: db)
        assertNoSecret(dry, [token, basic])
        server.stop()
        XCTAssertEqual(server.requests.first?.request.headers["authorization"], "Basic \(basic)")
    }

    func testTheOutputSaysWhereTheMessageWent() throws {
        let db = makeTemporaryDirectory() + "/db.sqlite"
        let server = try CapturingHTTPServer(contentType: "application/json", body: #"{"id":"evt-1"}"#)
        let base = "http://127.0.0.1:\(server.port)/in"
        let named = try send(["-t", "ops", "-m", "one", "-c", "webhook"], env: ["RCOM_WEBHOOK_URL": base], db: db)
        XCTAssertEqual(named.status, 0, named.all)
        XCTAssertEqual(named.stderr, "(sent to \(base)/ops)\n")
        let direct = try send(["-t", "\(base)/direct", "-m", "two", "-c", "webhook"], env: [:], db: db)
        XCTAssertEqual(direct.status, 0, direct.all)
        XCTAssertEqual(direct.stderr, "(sent to \(base)/direct)\n", "a URL target goes where it says, configured base or not")
        let simulated = try send(["-t", "ops", "-m", "three", "-c", "webhook"], env: [:], db: db)
        XCTAssertEqual(simulated.status, 0, simulated.all)
        XCTAssertTrue(simulated.stderr.hasPrefix("(no RCOM_WEBHOOK_URL set: sent to the in-process provider simulator)\nPOST /webhook/ops HTTP/1.1\n"),
                      simulated.stderr)
        server.stop()
        XCTAssertEqual(server.requests.map(\.request.target), ["/in/ops", "/in/direct"])
    }

    func testATrackingLinkIsAddedOnlyWhenAskedForAndSaidSo() throws {
        let db = makeTemporaryDirectory() + "/db.sqlite"
        let server = try CapturingHTTPServer(contentType: "application/json", body: "{}")
        let target = "http://127.0.0.1:\(server.port)/hook"
        let plain = try send(["-t", target, "-m", "plain", "-c", "webhook"], env: [:], db: db)
        XCTAssertEqual(plain.status, 0, plain.all)
        XCTAssertFalse(plain.all.contains("tracking"), plain.all)
        let tracked = try send(["-t", target, "-m", "tracked", "-c", "webhook", "--public-url", "https://t.example/"], env: [:], db: db)
        XCTAssertEqual(tracked.status, 0, tracked.all)
        let id = try XCTUnwrap(tracked.stdout.split(separator: " ").first.map(String.init))
        XCTAssertTrue(tracked.stderr.hasPrefix("tracking link added: https://t.example/e/\(id)\n"), tracked.stderr)
        let json = try send(["-t", target, "-m", "json", "-c", "webhook", "--json"], env: [:], db: db)
        XCTAssertTrue(json.stdout.contains("\"tracking_url\":null"), json.stdout)
        server.stop()
        let bodies = server.requests.map { String(decoding: $0.request.body, as: UTF8.self) }
        XCTAssertEqual(bodies.count, 3)
        XCTAssertFalse(bodies[0].contains("link"), bodies[0])
        XCTAssertTrue(bodies[1].hasSuffix(#","message":"tracked","link":"https://t.example/e/\#(id)"}"#), bodies[1])
    }

    func testABatchWithAnUnclosedQuoteStillSendsTheRowsAfterIt() throws {
        let dir = makeTemporaryDirectory()
        let server = try CapturingHTTPServer(contentType: "application/json", body: "{}")
        let csv = dir + "/b.csv"
        try "channel,target,message\nwebhook,a,first\nwebhook,b,\"never closed\nwebhook,c,\"third, quoted\"\n\nwebhook,d,fourth"
            .write(toFile: csv, atomically: true, encoding: .utf8)
        let out = try RcomProcess.run(["send", "--batch", csv, "--db", dir + "/db.sqlite", "--json"],
                                      environment: ["RCOM_WEBHOOK_URL": "http://127.0.0.1:\(server.port)"])
        XCTAssertEqual(out.status, 2, "an invalid line, nothing failed: \(out.all)")
        XCTAssertTrue(out.stderr.contains("rcom: line 3: column 11: the quote opened here is not closed on this line"), out.stderr)
        XCTAssertTrue(out.stdout.contains(#""lines":4,"delivered":3,"failed":0,"suppressed":0,"invalid":1"#), out.stdout)
        server.stop()
        let messages = server.requests.compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.request.body))) as? [String: Any]
        }.compactMap { $0["message"] as? String }
        XCTAssertEqual(messages.sorted(), ["first", "fourth", "third, quoted"])
        XCTAssertFalse(out.stderr.contains("simulator"), "every row went to the configured endpoint: \(out.stderr)")

        try "slack,team/ops,hi\nwebhook,ops,hi\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let simulated = try RcomProcess.run(["send", "--batch", csv, "--db", dir + "/db.sqlite"])
        XCTAssertEqual(simulated.status, 0, simulated.all)
        XCTAssertTrue(simulated.stderr.hasSuffix("(sent to the in-process provider simulator: slack 1 (no RCOM_SLACK_WEBHOOK_URL), webhook 1 (no RCOM_WEBHOOK_URL))\n"),
                      simulated.stderr)
    }
}
