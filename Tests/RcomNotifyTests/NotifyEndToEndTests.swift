import Foundation
import XCTest
import RcomStore
@testable import RcomNotify

/// `rcom clients apply` and `rcom notify` as child processes against the real SMTP server and
/// capturing HTTP servers: each mode, held, urgent, mute, suppression, unrouted, an unknown
/// client, and a bad file that changes nothing.
final class NotifyEndToEndTests: XCTestCase {
    var dir = ""
    var smtp: RealSMTPServer!
    var slack: CapturingHTTPServer!, sms: CapturingHTTPServer!, hook: CapturingHTTPServer!
    var env: [String: String] = [:]

    override func setUpWithError() throws {
        dir = makeTemporaryDirectory()
        smtp = try RealSMTPServer(dir: dir, ["--tls", "none"])
        slack = try CapturingHTTPServer(status: 500, body: "down")  // a failing Slack
        sms = try CapturingHTTPServer(status: 201, contentType: "application/json", body: #"{"sid":"SM1","status":"queued"}"#)
        hook = try CapturingHTTPServer(status: 200, body: "ok")
        env = ["RCOM_SMTP_URL": "smtp://127.0.0.1:\(smtp.port)", "RCOM_MAIL_FROM": "alerts@rcom.test",
               "RCOM_SLACK_WEBHOOK_URL": "http://127.0.0.1:\(slack.port)/hook",
               "RCOM_SMS_URL": "http://127.0.0.1:\(sms.port)", "RCOM_SMS_ACCOUNT_SID": "AC0001", "RCOM_SMS_AUTH_TOKEN": "tok-1",
               "RCOM_SMS_FROM": "+15550001111"]
        // Quiet hours around now (UTC), so that a non-urgent event is certainly held.
        let hour = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date()).hour!
        let from = String(format: "%02d:00", (hour + 23) % 24), to = String(format: "%02d:00", (hour + 2) % 24)
        try write("clients.json", """
            {"clients": [
              {"id": "acme", "name": "Acme", "timezone": "UTC",
               "contacts": {"email": ["ops@acme.test", "gone@acme.test"], "sms": ["505-9045845"], "slack": ["c3245/databases"], "webhook": ["http://127.0.0.1:\(hook.port)/in"]},
               "quiet_hours": {"from": "\(from)", "to": "\(to)"},
               "mute": ["marketing.*"],
               "rules": [
                 {"event": "db.*", "channels": ["slack", "sms"], "mode": "fallback"},
                 {"event": "report.*", "channels": ["email", "webhook"], "mode": "all"},
                 {"event": "incident.*", "channels": ["webhook", "email"], "mode": "escalate", "after": "10m"}]},
              {"id": "acme-eu", "timezone": "Europe/Berlin", "contacts": {"email": ["eu@acme.test"]}, "rules": []}
            ]}
            """)
        try SQLiteDatabase(path: db).execute("SELECT 1")
        XCTAssertEqual(try rcom(["clients", "apply", dir + "/clients.json"]).status, 0)
    }

    override func tearDown() {
        smtp?.stop()
        for s in [slack, sms, hook] { s?.stop() }
        super.tearDown()
    }

    var db: String { dir + "/db.sqlite" }

    func write(_ name: String, _ text: String) throws { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }

    func rcom(_ args: [String]) throws -> RcomRun {
        try RcomRun.run(args + ["--db", db], environment: env, dir: dir)
    }

    func notify(_ client: String, _ event: String, _ extra: [String] = []) throws -> RcomRun {
        try rcom(["notify", client, event, "-m", "disk 91%", "--backoff", "5ms", "--attempts", "2"] + extra)
    }

    func rows(_ sql: String) throws -> [String] {
        let s = try SQLiteDatabase(path: db).prepare(sql)
        var out: [String] = []
        while try s.step() { out.append((0..<s.columnCount).map { s.text($0) ?? "∅" }.joined(separator: "|")) }
        return out
    }

    func testFallbackMovesOnFromAFailingSlackAndAllSendsEveryChannel() throws {
        let fb = try notify("acme", "db.disk_high", ["--urgent"])
        XCTAssertEqual(fb.status, 0, fb.output)
        XCTAssertTrue(fb.stdout.contains(" slack c3245/databases failed 500"), fb.stdout)
        XCTAssertTrue(fb.stdout.contains(" sms +15059045845 delivered SM1"), fb.stdout)
        XCTAssertEqual(slack.requests.count, 2, "two attempts on slack")
        XCTAssertEqual(sms.requests.count, 1)
        XCTAssertTrue(sms.requests[0].text.contains("disk+91%25"), sms.requests[0].text)

        let all = try notify("acme", "report.weekly", ["--urgent", "--json"])
        XCTAssertEqual(all.status, 0, all.output)
        XCTAssertTrue(all.stdout.contains(#""status":"delivered""#), all.stdout)
        XCTAssertEqual(Set(smtp.messages.flatMap(\.recipients)), ["ops@acme.test", "gone@acme.test"])
        XCTAssertEqual(hook.requests.count, 1)
        XCTAssertEqual(try rows("SELECT e.event_type, e.status, d.step, n.channel, n.outcome FROM events e JOIN event_deliveries d ON d.event_id = e.id JOIN notifications n ON n.id = d.notification_id ORDER BY e.created_at_ms, d.step, n.channel, n.target"), [
            "db.disk_high|delivered|0|slack|failed", "db.disk_high|delivered|1|sms|delivered",
            "report.weekly|delivered|0|email|delivered", "report.weekly|delivered|0|email|delivered", "report.weekly|delivered|1|webhook|delivered",
        ])
    }

    func testEscalateSendsTheFirstChannelAndRecordsTheNext() throws {
        let run = try notify("acme", "incident.down", ["--urgent"])
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertEqual(hook.requests.count, 1)
        XCTAssertTrue(smtp.messages.isEmpty, "email waits for a missing acknowledgement")
        XCTAssertEqual(try rows("SELECT status, mode FROM events"), ["escalating|escalate"])
        XCTAssertTrue(run.stdout.contains("escalating: email at "), run.stdout)
    }

    func testHeldUrgentMutedSuppressedUnroutedAndUnknown() throws {
        let held = try notify("acme", "db.slow")
        XCTAssertEqual(held.status, 0, held.output)
        XCTAssertTrue(held.stdout.contains(" held until "), held.stdout)
        XCTAssertEqual(slack.requests.count + sms.requests.count, 0, "held: nothing sent now")

        let muted = try notify("acme", "marketing.promo", ["--urgent"])
        XCTAssertEqual(muted.status, 0, muted.output)
        XCTAssertTrue(muted.stdout.contains("muted: the client muted marketing.*"), muted.stdout)

        let unrouted = try notify("acme", "billing.paid", ["--urgent"])
        XCTAssertEqual(unrouted.status, 4, unrouted.output)
        XCTAssertTrue(unrouted.stderr.contains("no rule of client acme matches billing.paid"), unrouted.stderr)

        let unknown = try notify("acme-us", "db.slow")
        XCTAssertEqual(unknown.status, 2, unknown.output)
        XCTAssertTrue(unknown.stderr.contains("unknown client 'acme-us'; nearest: acme-eu, acme"), unknown.stderr)

        // Both email addresses suppressed: escalate's first step is webhook; report.* sends email
        // to neither, and says so.
        try SQLiteDatabase(path: db).execute("INSERT INTO suppressions (email, reason_id, suppressed_at) VALUES ('ops@acme.test', NULL, 1), ('gone@acme.test', NULL, 1)")
        let sup = try notify("acme", "report.weekly", ["--urgent"])
        XCTAssertEqual(sup.status, 0, "the webhook was still delivered: \(sup.output)")
        XCTAssertEqual(sup.stdout.components(separatedBy: " suppressed on the suppression list").count - 1, 2, sup.stdout)
        XCTAssertTrue(smtp.messages.isEmpty)
        XCTAssertEqual(try rows("SELECT event_type, status FROM events ORDER BY created_at_ms"),
                       ["db.slow|held", "marketing.promo|muted", "billing.paid|unrouted", "report.weekly|delivered"])
    }

    func testABadFileChangesNothingAndExportAppliesBackUnchanged() throws {
        let before = try rcom(["clients", "export"])
        XCTAssertEqual(before.status, 0, before.output)
        try write("bad.json", """
            {"clients": [
              {"id": "acme", "timezone": "UTC", "contacts": {"email": ["new@acme.test"]}, "rules": []},
              {"id": "new", "timezone": "Europe/Berlim", "contacts": {"sms": ["12"]}, "rules": []}
            ]}
            """)
        let bad = try rcom(["clients", "apply", dir + "/bad.json", "--prune"])
        XCTAssertEqual(bad.status, 2, bad.output)
        XCTAssertTrue(bad.stderr.contains("line 3: $.clients[1].timezone: unknown time zone 'Europe/Berlim'"), bad.stderr)
        XCTAssertTrue(bad.stderr.contains("line 3: $.clients[1].contacts.sms[0]"), bad.stderr)
        XCTAssertTrue(bad.stderr.contains("nothing applied: 2 errors"), bad.stderr)
        XCTAssertEqual(try rcom(["clients", "export"]).stdout, before.stdout)
        try write("export.json", before.stdout)
        let again = try rcom(["clients", "apply", dir + "/export.json", "--json"])
        XCTAssertEqual(again.stdout, #"{"dry_run":false,"created":0,"updated":0,"unchanged":2,"removed":0}"# + "\n", again.output)
    }

    func testABatchRoutesEveryRowAndFallsBackInTheSameRun() throws {
        try write("events.csv", """
            client,event,message,urgent,key
            acme,db.disk_high,disk 91%,true,k1
            acme,db.disk_high,disk 91%,true,k1
            acme,report.weekly,"weekly, as usual",1,
            acme,db.slow,slow,false,
            acme,billing.paid,paid,true,
            acme-us,db.x,who,true,
            """)
        let run = try rcom(["notify", "--batch", dir + "/events.csv", "--json", "--backoff", "5ms", "--attempts", "2"])
        XCTAssertEqual(run.status, 2, "unknown client and unrouted rows: \(run.output)")
        for field in [#""rows":6"#, #""events":4"#, #""delivered":2"#, #""held":1"#, #""unrouted":1"#, #""already_notified":1"#, #""unknown_client":1"#,
                      #""notifications_delivered":4"#, #""notifications_failed":1"#] {
            XCTAssertTrue(run.stdout.contains(field), "\(field) in \(run.stdout)")
        }
        XCTAssertTrue(run.stderr.contains("line 7: unknown client 'acme-us'; nearest: acme-eu, acme"), run.stderr)
        XCTAssertEqual(slack.requests.count, 2, "k1 once, two attempts")
        XCTAssertEqual(sms.requests.count, 1, "the fallback step")
        XCTAssertEqual(Set(smtp.messages.flatMap(\.recipients)), ["ops@acme.test", "gone@acme.test"])
        XCTAssertEqual(hook.requests.count, 1)
        XCTAssertEqual(try rows("SELECT e.event_type, d.step, n.channel, n.outcome FROM events e JOIN event_deliveries d ON d.event_id = e.id JOIN notifications n ON n.id = d.notification_id WHERE e.event_type = 'db.disk_high' ORDER BY d.step"),
                       ["db.disk_high|0|slack|failed", "db.disk_high|1|sms|delivered"])
    }

    func testABatchDryRunPrintsEachPlanAndNeitherRecordsNorSends() throws {
        try write("events.csv", """
            client,event,message,urgent,key
            acme,db.disk_high,disk 91%,true,k1
            acme,report.weekly,weekly,1,
            acme,db.slow,slow,false,
            acme,marketing.news,news,true,
            acme,billing.paid,paid,true,
            acme-us,db.x,who,true,
            """)
        let counts = "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM notifications), (SELECT count(*) FROM event_deliveries)"
        let text = try rcom(["notify", "--batch", dir + "/events.csv", "--dry-run"])
        XCTAssertEqual(text.status, 2, "an unknown client: \(text.output)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 6, text.stdout)
        XCTAssertTrue(lines[0].hasPrefix("line 2 acme db.disk_high: fallback (rule db.*): slack → c3245/databases; sms → +15059045845"), lines[0])
        XCTAssertTrue(lines[1].hasPrefix("line 3 acme report.weekly: all (rule report.*): email → "), lines[1])
        XCTAssertTrue(lines[2].contains("(held until "), lines[2])
        XCTAssertTrue(lines[3].hasPrefix("line 5 acme marketing.news: muted"), lines[3])
        XCTAssertTrue(lines[4].hasPrefix("line 6 acme billing.paid: unrouted"), lines[4])
        XCTAssertEqual(lines[5], "dry run: 6 rows, 2 deliver, 1 held, 1 muted, 1 unrouted, 1 unknown client, 0 invalid; nothing sent or recorded")
        XCTAssertTrue(text.stderr.contains("line 7: unknown client 'acme-us'"), text.stderr)

        let json = try rcom(["notify", "--batch", dir + "/events.csv", "--dry-run", "--json"])
        XCTAssertEqual(json.status, 2, json.output)
        let objects = try json.stdout.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(objects.count, 6, json.stdout)
        XCTAssertEqual(objects.prefix(5).map { $0["status"] as? String }, ["deliver", "deliver", "held", "muted", "unrouted"])
        XCTAssertEqual(objects[0]["key"] as? String, "k1")
        let plan = objects[0]["plan"] as? [String: Any], steps = plan?["steps"] as? [[String: Any]]
        XCTAssertEqual(steps?.map { $0["channel"] as? String }, ["slack", "sms"], json.stdout)
        XCTAssertEqual(objects[5]["dry_run"] as? Bool, true)
        XCTAssertEqual(objects[5]["deliver"] as? Int, 2)

        XCTAssertEqual(try rows(counts), ["0|0|0"], "nothing recorded")
        XCTAssertEqual(slack.requests.count + sms.requests.count + hook.requests.count, 0, "no HTTP request")
        XCTAssertTrue(smtp.messages.isEmpty, "no mail")
        // The same file for real records and sends: the dry runs above were no accident of the setup.
        let real = try rcom(["notify", "--batch", dir + "/events.csv", "--backoff", "5ms", "--attempts", "2"])
        XCTAssertEqual(real.status, 2, real.output)
        XCTAssertEqual(try rows("SELECT count(*) FROM events"), ["5"])
        XCTAssertEqual(sms.requests.count, 1, "the fallback from the failing Slack")
    }
}
