import Foundation
import XCTest
import RcomCore
@testable import RcomNotify

/// The adapters against real HTTP servers on loopback standing in for Slack, Twilio and a
/// webhook receiver: the exact bytes each received.
final class ProviderWireTests: XCTestCase {
    func notification(_ channel: String, _ target: String, _ message: String, link: Bool = false) -> RcomNotify.Notification {
        RcomNotify.Notification(id: "n0123456789abcdef", channel: channel, target: target, message: message,
                                trackingURL: link ? "http://t.example/e/n0123456789abcdef" : "", createdAt_ms: 1_700_000_000_000)
    }

    func deliver(_ channel: any Channel, _ n: RcomNotify.Notification, to server: CapturingHTTPServer) throws -> (DeliveryResult?, String) {
        let sink = Deliver.one(channel, n)
        server.stop()
        XCTAssertEqual(server.requests.count, 1)
        return (sink.outcomes.first?.result, try XCTUnwrap(server.requests.first).text)
    }

    func testSlackEscapesMarkupSendsNoChannelAndKeepsItsLinkMarkup() throws {
        let server = try CapturingHTTPServer(body: "ok")
        let hook = "http://127.0.0.1:\(server.port)/services/T000/B000/XXXXXXXX"
        let slack = SlackChannel(settings: ChannelSettings(values: ["RCOM_SLACK_WEBHOOK_URL": hook]))
        let target = try slack.normalise(target: "C012AB3CD").get()
        XCTAssertEqual(target, "C012AB3CD", "channel ids keep their case")
        let (result, raw) = try deliver(slack, notification("slack", target, "<b>disk</b> & \"db\" > 80%", link: true), to: server)
        XCTAssertEqual(result, .delivered(providerID: "ok"))
        let body = #"{"text":"&lt;b&gt;disk&lt;/b&gt; &amp; \"db\" &gt; 80%\n<http://t.example/e/n0123456789abcdef>"}"#
        XCTAssertEqual(raw, "POST /services/T000/B000/XXXXXXXX HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\nContent-Type: application/json\r\n"
                       + "Connection: close\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
    }

    func testSlackTemplateRoutesTheTargetIncludingAUser() throws {
        let server = try CapturingHTTPServer(body: "ok")
        let slack = SlackChannel(settings: ChannelSettings(values: ["RCOM_SLACK_WEBHOOK_URL": "http://127.0.0.1:\(server.port)/route/{target}"]))
        let target = try slack.normalise(target: "T0123ABCD/@Ana").get()
        XCTAssertEqual(target, "T0123ABCD/@ana")
        let (result, raw) = try deliver(slack, notification("slack", target, "hi"), to: server)
        XCTAssertEqual(result, .delivered(providerID: "ok"))
        XCTAssertTrue(raw.hasPrefix("POST /route/T0123ABCD/@ana HTTP/1.1\r\n"), raw)
        XCTAssertTrue(raw.hasSuffix("\r\n\r\n{\"text\":\"hi\"}"), raw)
    }

    func testSlackTargets() {
        let slack = SlackChannel(settings: ChannelSettings())
        func n(_ t: String) -> String? { try? slack.normalise(target: t).get() }
        XCTAssertEqual(n("C3245/#Databases"), "c3245/databases")
        XCTAssertEqual(n("#Ops"), "ops")
        XCTAssertEqual(n("C012AB3CD"), "C012AB3CD")
        XCTAssertEqual(n("@ana.b"), "@ana.b")
        XCTAssertEqual(n("ops-alerts"), "ops-alerts")
        XCTAssertNil(n("@ana/ops"), "a user is never the workspace")
        XCTAssertNil(n("@"))
        XCTAssertNil(n("a/b/c"))
        XCTAssertNil(n("ops alerts"))
    }

    func testSMSIsATwilioFormPostWithTheConfiguredCredentials() throws {
        let server = try CapturingHTTPServer(status: 201, contentType: "application/json",
                                             body: #"{"sid":"SM0123456789abcdef0123456789abcdef","status":"queued"}"#)
        let sms = SMSChannel(settings: ChannelSettings(values: [
            "RCOM_SMS_URL": "http://127.0.0.1:\(server.port)", "RCOM_SMS_ACCOUNT_SID": "AC0001", "RCOM_SMS_AUTH_TOKEN": "tok-1",
            "RCOM_SMS_FROM": "+15550001111",
        ]))
        let (result, raw) = try deliver(sms, notification("sms", "+15059045845", "a & b"), to: server)
        XCTAssertEqual(result, .delivered(providerID: "SM0123456789abcdef0123456789abcdef"))
        let body = "To=%2B15059045845&From=%2B15550001111&Body=a+%26+b"
        XCTAssertEqual(raw, "POST /2010-04-01/Accounts/AC0001/Messages.json HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\n"
                       + "Authorization: Basic \(Data("AC0001:tok-1".utf8).base64EncodedString())\r\n"
                       + "Content-Type: application/x-www-form-urlencoded\r\nAccept: application/json\r\nConnection: close\r\n"
                       + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)")
    }

    func testSMSMessagingServiceSIDGoesInsteadOfFrom() throws {
        let server = try CapturingHTTPServer(status: 201, contentType: "application/json", body: #"{"sid":"SM1","status":"accepted"}"#)
        let service = "MG" + String(repeating: "0a", count: 16)
        let sms = SMSChannel(settings: ChannelSettings(values: [
            "RCOM_SMS_URL": "http://127.0.0.1:\(server.port)/", "RCOM_SMS_ACCOUNT_SID": "AC0001", "RCOM_SMS_AUTH_TOKEN": "t",
            "RCOM_SMS_FROM": service,
        ]))
        let (result, raw) = try deliver(sms, notification("sms", "+15059045845", "hi"), to: server)
        XCTAssertEqual(result, .delivered(providerID: "SM1"))
        XCTAssertTrue(raw.hasSuffix("\r\n\r\nTo=%2B15059045845&MessagingServiceSid=\(service)&Body=hi"), raw)
        XCTAssertFalse(raw.contains("From="), raw)
    }

    func testSMSCredentialsAreRequiredOutsideTheSimulatorOnly() {
        XCTAssertEqual(SMSChannel.missingSettings(ChannelSettings()), [])
        XCTAssertEqual(SMSChannel.missingSettings(ChannelSettings(values: ["RCOM_SMS_URL": "https://api.twilio.com"])),
                       ["RCOM_SMS_ACCOUNT_SID", "RCOM_SMS_AUTH_TOKEN", "RCOM_SMS_FROM"])
        XCTAssertEqual(SMSChannel.missingSettings(ChannelSettings(values: [
            "RCOM_SMS_URL": "https://api.twilio.com", "RCOM_SMS_ACCOUNT_SID": "AC1", "RCOM_SMS_AUTH_TOKEN": "", "RCOM_SMS_FROM": "+15550001111",
        ])), ["RCOM_SMS_AUTH_TOKEN"], "empty is unset")
        // Nothing of the simulator's leaks into a real request.
        let real = SMSChannel(settings: ChannelSettings(values: ["RCOM_SMS_URL": "https://api.twilio.com"]))
        guard case .http(_, let r) = real.request(for: notification("sms", "+15059045845", "hi")) else { return XCTFail() }
        XCTAssertFalse(String(decoding: r.body, as: UTF8.self).contains("15550100000"))
        XCTAssertFalse(r.target.contains("ACsimulated"))
    }

    func testWebhookPostsToAnHTTPTargetWithoutALinkWhenTrackingIsOff() throws {
        let server = try CapturingHTTPServer(contentType: "application/json", body: #"{"id":"evt-7"}"#)
        let webhook = WebhookChannel(settings: ChannelSettings(values: ["RCOM_WEBHOOK_URL": "http://127.0.0.1:\(server.port)/hooks/"]))
        let target = try webhook.normalise(target: "ops").get()
        XCTAssertEqual(target, "ops", "a name is resolved against the base when the request is built")
        let (result, raw) = try deliver(webhook, notification("webhook", target, "deploy \"done\""), to: server)
        XCTAssertEqual(result, .delivered(providerID: "evt-7"))
        let body = #"{"id":"n0123456789abcdef","message":"deploy \"done\""}"#
        XCTAssertEqual(raw, "POST /hooks/ops HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\nContent-Type: application/json\r\n"
                       + "Connection: close\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
    }

    func testWebhookAcceptsHTTPSTargets() throws {
        let webhook = WebhookChannel(settings: ChannelSettings())
        XCTAssertEqual(try webhook.normalise(target: "https://hooks.example.com/ops").get(), "https://hooks.example.com/ops")
        XCTAssertThrowsError(try webhook.normalise(target: "ftp://hooks.example.com/ops").get())
    }

    func testSecretsAreScrubbedFromText() {
        let settings = ChannelSettings(values: ["RCOM_SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T000/B000/XXXXSECRET",
                                                "RCOM_SMS_AUTH_TOKEN": "tok-secret-1"])
        let secrets = SecretText(settings: settings)
        XCTAssertEqual(secrets.scrub("POST https://hooks.slack.com/services/T000/B000/XXXXSECRET HTTP/1.1 with tok-secret-1"),
                       "POST https://hooks.slack.com/[redacted] HTTP/1.1 with [redacted]")
        let templated = SecretText(settings: ChannelSettings(values: ["RCOM_SLACK_WEBHOOK_URL": "https://router.example/k/SECRETKEY/{target}?sig=abc123"]))
        XCTAssertEqual(templated.scrub("https://router.example/k/SECRETKEY/ops?sig=abc123"), "https://router.example/[redacted]ops[redacted]")
    }
}
