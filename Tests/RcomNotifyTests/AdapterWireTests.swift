import Foundation
import XCTest
import RcomCore
@testable import RcomNotify

/// Each adapter's request, as the simulated provider received it off a real socket.
final class AdapterWireTests: XCTestCase {
    func testEmailSpeaksSMTPWithHeadersAndDotStuffing() throws {
        let f = try SimulatorFixture()
        let email = EmailChannel(settings: f.settings)
        let message = "line one\n.starts with a dot\n..two dots\n.\nend"
        let sink = Deliver.one(email, Deliver.notification("email", "Someone@Example.com", message))
        let sim = f.stop()
        guard case .delivered(let id)? = sink.outcomes.first?.result else { return XCTFail("\(sink.reports)") }
        XCTAssertTrue(id.hasPrefix("SIM"), id)
        let c = try XCTUnwrap(sim.captured.first)
        // The simulator announces SIZE: the size goes with MAIL (RFC 1870), the message as sent before dot-stuffing.
        XCTAssertEqual(c.smtpCommands, ["EHLO rcom.invalid", "MAIL FROM:<notifications@rcom.invalid> SIZE=\(c.smtpMessage.count)",
                                        "RCPT TO:<Someone@Example.com>", "DATA"])
        let data = String(decoding: c.smtpMessage, as: UTF8.self)
        XCTAssertTrue(data.contains("To: Someone@Example.com\r\nSubject: Notification\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\n"), data)
        XCTAssertTrue(data.contains("Message-ID: <n0123456789abcdef@rcom.invalid>\r\n"))
        // After the relay undid the stuffing, the body is exactly the message (CRLF) and the link.
        XCTAssertTrue(data.hasSuffix("\r\n\r\nline one\r\n.starts with a dot\r\n..two dots\r\n.\r\nend\r\nhttp://127.0.0.1:8081/e/n0123456789abcdef\r\n"), data)
    }

    func testDotStuffingOnTheWire() {
        let wire = String(decoding: SMTPData.encode(Array("a\n.b\r\n..c\r.\nd".utf8)), as: UTF8.self)
        XCTAssertEqual(wire, "a\r\n..b\r\n...c\r\n..\r\nd\r\n.\r\n")
        XCTAssertEqual(String(decoding: SMTPData.encode(Array("x\r\n".utf8)), as: UTF8.self), "x\r\n.\r\n")
    }

    func testSMSIsATwilioFormPostWithBasicAuth() throws {
        let f = try SimulatorFixture()
        let sms = SMSChannel(settings: f.settings)
        let target = try sms.normalise(target: "505-9045845").get()
        XCTAssertEqual(target, "+15059045845")
        let sink = Deliver.one(sms, Deliver.notification("sms", target, "someone is waiting & 100% ok"))
        let sim = f.stop()
        guard case .delivered(let sid)? = sink.outcomes.first?.result else { return XCTFail("\(sink.reports)") }
        XCTAssertTrue(sid.hasPrefix("SM") && sid.count == 34, sid)
        let r = try XCTUnwrap(sim.captured.first?.http)
        XCTAssertEqual(r.method, "POST")
        XCTAssertEqual(r.target, "/2010-04-01/Accounts/ACsimulated/Messages.json")
        XCTAssertEqual(r.headers["authorization"], "Basic " + Data("ACsimulated:simulated-token".utf8).base64EncodedString())
        XCTAssertEqual(r.headers["content-type"], "application/x-www-form-urlencoded")
        XCTAssertEqual(String(decoding: r.body, as: UTF8.self),
                       "To=%2B15059045845&From=%2B15550100000&Body=someone+is+waiting+%26+100%25+ok%0Ahttp%3A%2F%2F127.0.0.1%3A8081%2Fe%2Fn0123456789abcdef")
        XCTAssertEqual(sim.captured.first?.answer, "201 Created")
    }

    func testSlackIsAnIncomingWebhookJSONPost() throws {
        let f = try SimulatorFixture()
        let slack = SlackChannel(settings: f.settings)
        let target = try slack.normalise(target: "C3245/#Databases").get()
        XCTAssertEqual(target, "c3245/databases")
        let sink = Deliver.one(slack, Deliver.notification("slack", target, "your database is over 80% \"now\""))
        let sim = f.stop()
        XCTAssertEqual(sink.outcomes.first?.result, .delivered(providerID: "ok"))
        let r = try XCTUnwrap(sim.captured.first?.http)
        XCTAssertEqual(r.target, "/slack/c3245/databases")
        XCTAssertEqual(r.headers["content-type"], "application/json")
        XCTAssertEqual(String(decoding: r.body, as: UTF8.self),
                       #"{"text":"your database is over 80% \"now\"\n<http://127.0.0.1:8081/e/n0123456789abcdef>"}"#)
    }

    func testWebhookChannelIsOneFileAndOneRegistrationLine() throws {
        XCTAssertEqual(ChannelRegistry.standard.map(\.name), ["email", "sms", "slack", "webhook"])
        let f = try SimulatorFixture()
        let registry = ChannelRegistry(settings: f.settings)
        let webhook = try XCTUnwrap(registry.channel("webhook"))
        let target = try webhook.normalise(target: "ops").get()
        XCTAssertEqual(target, "ops", "a name, resolved against the base when the request is built")
        let sink = Deliver.one(webhook, Deliver.notification("webhook", target, "deploy done"))
        let sim = f.stop()
        guard case .delivered(let id)? = sink.outcomes.first?.result else { return XCTFail("\(sink.reports)") }
        XCTAssertTrue(id.hasPrefix("wh"))
        XCTAssertEqual(String(decoding: try XCTUnwrap(sim.captured.first?.http).body, as: UTF8.self),
                       #"{"id":"n0123456789abcdef","message":"deploy done","link":"http://127.0.0.1:8081/e/n0123456789abcdef"}"#)
    }

    func testManyNotificationsAcrossChannelsAllArrive() throws {
        let f = try SimulatorFixture()
        let r = ChannelRegistry(settings: f.settings)
        var items: [(RcomNotify.Notification, any Channel)] = []
        for i in 0..<120 {
            let id = "n" + String(format: "%016x", i)
            let (c, t) = [("email", "u\(i)@example.com"), ("sms", "+1505555\(String(format: "%04d", i))"), ("slack", "ws/c\(i)")][i % 3]
            items.append((Deliver.notification(c, t, "m\(i)", id: id), r.channel(c)!))
        }
        let sink = Deliver.run(items)
        let sim = f.stop()
        XCTAssertEqual(sink.outcomes.count, 120)
        XCTAssertTrue(sink.outcomes.allSatisfy(\.delivered))
        XCTAssertEqual(sim.stats.accepted, ["email": 40, "sms": 40, "slack": 40])
    }
}
