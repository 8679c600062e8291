import Foundation
import XCTest
@testable import RcomNotify

/// The client's state machine with STARTTLS and AUTH, fed a relay's replies as bytes (no
/// socket, no TLS: `.startTLS` is answered by calling `tlsEstablished()` as the transport does).
final class SMTPClientSessionTests: XCTestCase {
    let envelope = SMTPEnvelope(heloName: "rcom.test", mailFrom: "noreply@acme.test", rcptTo: "bob@example.com",
                                message: Array("Subject: hi\r\n\r\nhello\r\n".utf8))
    let alice = SMTPCredentials(user: "alice", password: "p@ss:wörd")

    /// The text of every write in `steps`, and the other steps as they are.
    private func lines(_ steps: [SMTPClientSession.Step]) -> [String] {
        steps.map {
            switch $0 {
            case .write(let b): return String(decoding: b, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "⏎")
            case .startTLS: return "<starttls>"
            case .done(let o): return "<done \(o)>"
            }
        }
    }

    private func feed(_ s: inout SMTPClientSession, _ text: String) -> [String] { lines(s.receive(Array(text.utf8))) }

    func testStartTLSThenAuthPlainThenTheMessage() {
        var s = SMTPClientSession(envelope: envelope, security: .startTLSIfOffered, credentials: alice, relayName: "relay:587")
        XCTAssertEqual(feed(&s, "220 relay ESMTP\r\n"), ["EHLO rcom.test⏎"])
        // Plaintext: AUTH is offered but must not be used before TLS.
        XCTAssertEqual(feed(&s, "250-relay\r\n250-AUTH PLAIN LOGIN\r\n250 STARTTLS\r\n"), ["STARTTLS⏎"])
        XCTAssertEqual(feed(&s, "220 2.0.0 Ready to start TLS\r\n"), ["<starttls>"])
        XCTAssertEqual(s.phase, .tlsHandshake)
        XCTAssertEqual(lines(s.tlsEstablished()), ["EHLO rcom.test⏎"])
        let token = Data([0] + Array("alice".utf8) + [0] + Array("p@ss:wörd".utf8)).base64EncodedString()
        XCTAssertEqual(feed(&s, "250-relay\r\n250-AUTH LOGIN PLAIN\r\n250 SIZE 1000\r\n"), ["AUTH PLAIN \(token)⏎"])
        XCTAssertEqual(feed(&s, "235 2.7.0 ok\r\n"), ["MAIL FROM:<noreply@acme.test> SIZE=\(envelope.message.count)⏎"])
        XCTAssertEqual(feed(&s, "250 ok\r\n"), ["RCPT TO:<bob@example.com>⏎"])
        XCTAssertEqual(feed(&s, "250 ok\r\n"), ["DATA⏎"])
        XCTAssertEqual(feed(&s, "354 go\r\n"), ["Subject: hi⏎⏎hello⏎.⏎"])
        XCTAssertEqual(feed(&s, "250 queued as X1\r\n"), ["<done accepted(250 queued as X1)>", "QUIT⏎"])
    }

    func testAuthLoginWhenPlainIsNotOffered() {
        var s = SMTPClientSession(envelope: envelope, security: .implicitTLS, credentials: alice)
        XCTAssertTrue(s.tlsActive)
        _ = feed(&s, "220 relay\r\n")
        XCTAssertEqual(feed(&s, "250-relay\r\n250 AUTH=LOGIN\r\n"), ["AUTH LOGIN⏎"])
        XCTAssertEqual(feed(&s, "334 VXNlcm5hbWU6\r\n"), [Data("alice".utf8).base64EncodedString() + "⏎"])
        XCTAssertEqual(feed(&s, "334 UGFzc3dvcmQ6\r\n"), [Data("p@ss:wörd".utf8).base64EncodedString() + "⏎"])
        XCTAssertEqual(s.receive(Array("535 5.7.8 bad\r\n".utf8)),
                       [.done(.refused(SMTPReply(code: 535, lines: ["5.7.8 bad"]), during: .auth)), .write(Array("QUIT\r\n".utf8))])
    }

    func testNoPasswordInClear() {
        var s = SMTPClientSession(envelope: envelope, security: .startTLSIfOffered, credentials: alice, relayName: "relay:25")
        _ = feed(&s, "220 relay\r\n")
        let out = feed(&s, "250-relay\r\n250 AUTH PLAIN\r\n")
        XCTAssertEqual(out.count, 2)
        XCTAssertTrue(out[0].contains("does not offer STARTTLS: the password would be sent in clear"), out[0])
        XCTAssertFalse(out.joined().contains("AUTH"))
    }

    func testStartTLSRequiredButNotOffered() {
        var s = SMTPClientSession(envelope: envelope, security: .startTLSRequired)
        _ = feed(&s, "220 relay\r\n")
        let out = feed(&s, "250-relay\r\n250 8BITMIME\r\n")
        XCTAssertTrue(out[0].contains("does not offer STARTTLS, which smtp+starttls:// requires"), out[0])
    }

    func testPlaintextWithoutCredentialsWhenNoSTARTTLS() {
        var s = SMTPClientSession(envelope: envelope)
        _ = feed(&s, "220 relay\r\n")
        XCTAssertEqual(feed(&s, "250 relay\r\n"), ["MAIL FROM:<noreply@acme.test>⏎"])
        XCTAssertFalse(s.tlsActive)
    }

    func testBytesAfterTheSTARTTLSReplyAreRefused() {
        // A man in the middle appends a reply to the 220 so that it is read as if it came over TLS.
        var s = SMTPClientSession(envelope: envelope)
        _ = feed(&s, "220 relay\r\n")
        _ = feed(&s, "250-relay\r\n250 STARTTLS\r\n")
        let out = feed(&s, "220 go ahead\r\n250-relay\r\n")
        XCTAssertEqual(out.count, 1)
        XCTAssertTrue(out[0].contains("protocolError") && out[0].contains("after its STARTTLS reply"), out[0])
    }

    func testSMTPUTF8AndEightBitParameters() {
        let utf8 = SMTPEnvelope(heloName: "h", mailFrom: "a@acme.test", rcptTo: "jöhn@exämple.com", message: Array("To: jöhn@exämple.com\r\n\r\nx\r\n".utf8))
        var s = SMTPClientSession(envelope: utf8)
        _ = feed(&s, "220 relay\r\n")
        XCTAssertEqual(feed(&s, "250-relay\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"), ["MAIL FROM:<a@acme.test> BODY=8BITMIME SMTPUTF8⏎"])
        var refused = SMTPClientSession(envelope: utf8, relayName: "relay:25")
        _ = feed(&refused, "220 relay\r\n")
        let out = feed(&refused, "250-relay\r\n250 8BITMIME\r\n")
        XCTAssertTrue(out[0].contains("does not offer SMTPUTF8, which the address jöhn@exämple.com needs"), out[0])
    }

    func testALineOver998OctetsIsNeverSent() {
        let long = SMTPEnvelope(heloName: "h", mailFrom: "a@acme.test", rcptTo: "b@example.com",
                                message: Array(("Subject: x\r\n\r\n" + String(repeating: "y", count: 999) + "\r\n").utf8))
        var s = SMTPClientSession(envelope: long)
        _ = feed(&s, "220 relay\r\n")
        let out = feed(&s, "250 relay\r\n")
        XCTAssertTrue(out[0].contains("a line of 999 octets"), out[0])
    }

    func testEndpointURLs() throws {
        let e = try SMTPEndpoint.parse("smtp+starttls://alice%40acme:p%40ss%3Aw%25rd@smtp.example.com").get()
        XCTAssertEqual(e.security, .startTLSRequired)
        XCTAssertEqual(e.port, 587)
        XCTAssertEqual(e.credentials, SMTPCredentials(user: "alice@acme", password: "p@ss:w%rd"))
        XCTAssertEqual(e.description, "smtp+starttls://alice@acme:****@smtp.example.com:587")
        XCTAssertFalse(String(reflecting: e).contains("p@ss"))
        var dumped = ""
        dump(e, to: &dumped)
        XCTAssertFalse(dumped.contains("p@ss"), dumped)
        XCTAssertEqual(try SMTPEndpoint.parse("smtps://mail.example.com").get().port, 465)
        XCTAssertEqual(try SMTPEndpoint.parse("SMTP://[::1]:2525/").get().host, "::1")
        XCTAssertEqual(try SMTPEndpoint.parse("smtp://relay").get().port, 25)
        for bad in ["smtp://u:s3cret@h:0", "smtp://u:s3cret%zz@h", "http://u:s3cret@h", "smtp://u:s3cret@h/path", "smtp://u:s3cret@"] {
            guard case .failure(let why) = SMTPEndpoint.parse(bad) else { return XCTFail("accepted \(bad)") }
            XCTAssertFalse(why.message.contains("s3cret"), why.message)
        }
        let settings = ChannelSettings(values: ["RCOM_SMTP_URL": "smtps://h", "RCOM_SMTP_USER": "u", "RCOM_SMTP_PASSWORD": "pw", "RCOM_CA_FILE": "/ca.pem"])
        let configured = try XCTUnwrap(SMTPEndpoint.configured(settings)).get()
        XCTAssertEqual(configured.credentials, SMTPCredentials(user: "u", password: "pw"))
        XCTAssertEqual(configured.caFile, "/ca.pem")
        guard case .failure? = SMTPEndpoint.configured(ChannelSettings(values: ["RCOM_SMTP_URL": "smtps://h", "RCOM_SMTP_USER": "u"])) else {
            return XCTFail("a user without a password was accepted")
        }
    }

    func testWhichRefusalsSuppressTheAddress() {
        let r = { (line: String) in SMTPReply(code: Int(line.prefix(3))!, lines: [String(line.dropFirst(4))]) }
        XCTAssertTrue(EmailChannel.refusesAddress(r("550 5.1.1 no such user"), during: .rcptTo))
        XCTAssertTrue(EmailChannel.refusesAddress(r("550 5.1.1 no such user"), during: .message))
        XCTAssertTrue(EmailChannel.refusesAddress(r("550 5.2.1 mailbox disabled"), during: .rcptTo))
        XCTAssertFalse(EmailChannel.refusesAddress(r("554 5.7.1 relay access denied"), during: .rcptTo))
        XCTAssertFalse(EmailChannel.refusesAddress(r("553 5.1.8 bad sender domain"), during: .rcptTo))
        XCTAssertFalse(EmailChannel.refusesAddress(r("550 no such user"), during: .rcptTo))
        XCTAssertFalse(EmailChannel.refusesAddress(r("550 5.1.1 no such user"), during: .mailFrom))
        XCTAssertFalse(EmailChannel.refusesAddress(r("450 4.1.1 try later"), during: .rcptTo))
    }

    func testPendingSchedule() {
        let s = PendingSchedule()
        let t0: Int64 = 1_700_000_000_000
        XCTAssertEqual(s.nextAttempt_ms(deferrals: 0, createdAt_ms: t0, now_ms: t0), t0 + 5 * 60_000)
        XCTAssertEqual(s.nextAttempt_ms(deferrals: 1, createdAt_ms: t0, now_ms: t0 + 1), t0 + 1 + 15 * 60_000)
        XCTAssertEqual(s.nextAttempt_ms(deferrals: 7, createdAt_ms: t0, now_ms: t0 + 2), t0 + 2 + 60 * 60_000)
        XCTAssertNil(s.nextAttempt_ms(deferrals: 9, createdAt_ms: t0, now_ms: t0 + 23 * 3_600_000 + 1))
    }
}
