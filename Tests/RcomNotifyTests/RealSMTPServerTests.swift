import Foundation
import XCTest
import RcomStore
@testable import RcomNotify

/// `rcom send` (a real child process) against a real SMTP server (aiosmtpd, started by the
/// test) with STARTTLS or implicit TLS, AUTH, and a private CA made for the test.
final class RealSMTPServerTests: XCTestCase {
    nonisolated(unsafe) static var certDir = ""
    nonisolated(unsafe) static var certs: TestCertificates?

    override class func setUp() {
        super.setUp()
        certDir = NSTemporaryDirectory() + "rcom-smtp-certs-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: certDir, withIntermediateDirectories: true)
        certs = try? TestCertificates(dir: certDir)
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: certDir)
        super.tearDown()
    }

    var dir = ""
    var servers: [RealSMTPServer] = []

    override func setUpWithError() throws {
        dir = makeTemporaryDirectory()
        guard Self.certs != nil else { throw SetupFailure("could not make the test certificates with /usr/bin/openssl") }
    }

    override func tearDown() {
        for s in servers { s.stop() }
        servers = []
        super.tearDown()
    }

    var certs: TestCertificates { Self.certs! }

    func server(_ tls: String = "starttls", cert: String? = nil, key: String? = nil, _ extra: [String] = []) throws -> RealSMTPServer {
        let s = try RealSMTPServer(dir: dir, ["--tls", tls, "--cert", cert ?? certs.serverCert, "--key", key ?? certs.serverKey] + extra)
        servers.append(s)
        return s
    }

    func send(_ env: [String: String], to target: String = "bob@example.com", message: String = "your account was approved",
              _ extra: [String] = []) throws -> RcomRun {
        try RcomRun.run(["send", "-t", target, "-m", message, "-c", "email", "--db", dir + "/db.sqlite"] + extra,
                        environment: env, dir: dir)
    }

    func database() throws -> SQLiteDatabase { try SQLiteDatabase(path: dir + "/db.sqlite") }

    // MARK: - TLS and AUTH

    func testStartTLSWithAuthPlainAndPercentEncodedCredentials() throws {
        let s = try server("starttls", ["--auth", "alice@acme:p@ss:w%rd", "--require-starttls"])
        let run = try send(["RCOM_SMTP_URL": "smtp://alice%40acme:p%40ss%3Aw%25rd@localhost:\(s.port)", "RCOM_CA_FILE": certs.caFile])
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertTrue(run.stdout.contains(" email bob@example.com delivered T0001"), run.stdout)
        let m = try XCTUnwrap(s.messages.first)
        XCTAssertEqual(m.user, "alice@acme")
        XCTAssertTrue(m.tls)
        XCTAssertEqual(m.recipients, ["bob@example.com"])
    }

    func testImplicitTLSWithAuthLoginAndCredentialsFromTheEnvironmentAndSSLCertFile() throws {
        let s = try server("implicit", ["--auth", "alice:secret-465", "--no-plain"])
        let run = try send(["RCOM_SMTP_URL": "smtps://localhost:\(s.port)", "RCOM_SMTP_USER": "alice", "RCOM_SMTP_PASSWORD": "secret-465",
                            "SSL_CERT_FILE": certs.caFile])
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertEqual(s.messages.first?.user, "alice")
        XCTAssertEqual(s.messages.first?.tls, true)
    }

    func testAnUntrustedCertificateIsRefusedWithAClearMessage() throws {
        let s = try server("starttls", cert: certs.untrustedCert, key: certs.untrustedKey, ["--auth", "alice:pw"])
        let run = try send(["RCOM_SMTP_URL": "smtp+starttls://alice:pw@127.0.0.1:\(s.port)", "RCOM_CA_FILE": certs.caFile], ["-v"])
        XCTAssertEqual(run.status, 1, run.output)
        XCTAssertTrue(run.stdout.contains("failed TLS: the certificate of 127.0.0.1 is not trusted"), run.stdout)
        XCTAssertTrue(run.stdout.contains("RCOM_CA_FILE or SSL_CERT_FILE"), run.stdout)
        // Permanent: one attempt, and nothing reached the server.
        XCTAssertEqual(run.stderr.components(separatedBy: "attempt ").count - 1, 1, run.stderr)
        XCTAssertTrue(s.messages.isEmpty)
    }

    func testTheHostNameIsChecked() throws {
        // Signed by the trusted CA, but for mail.example.test, reached as localhost and as 127.0.0.1.
        let s = try server("implicit", cert: certs.otherNameCert, key: certs.otherNameKey)
        for host in ["localhost", "127.0.0.1"] {
            let run = try send(["RCOM_SMTP_URL": "smtps://\(host):\(s.port)", "RCOM_CA_FILE": certs.caFile])
            XCTAssertEqual(run.status, 1, run.output)
            XCTAssertTrue(run.stdout.contains("the certificate of \(host) is not trusted (hostname mismatch)")
                          || run.stdout.contains("the certificate of \(host) is not trusted (IP address mismatch)"), run.stdout)
        }
        XCTAssertTrue(s.messages.isEmpty)
    }

    func testPlainSMTPToAnImplicitTLSPortFailsFast() throws {
        let s = try server("implicit")
        let run = try send(["RCOM_SMTP_URL": "smtp://localhost:\(s.port)", "RCOM_CA_FILE": certs.caFile])
        XCTAssertEqual(run.status, 1, run.output)
        XCTAssertTrue(run.stdout.contains("no SMTP greeting"), run.stdout)
        XCTAssertTrue(run.stdout.contains("use smtps://localhost:\(s.port)/"), run.stdout)
        // The 5 s greeting wait, once (it was 4 attempts x 10 s).
        XCTAssertLessThan(run.seconds, 9, run.output)
    }

    func testSMTPSToAPlaintextPortSaysSo() throws {
        let s = try server("none")
        let run = try send(["RCOM_SMTP_URL": "smtps://localhost:\(s.port)", "RCOM_CA_FILE": certs.caFile])
        XCTAssertEqual(run.status, 1, run.output)
        XCTAssertTrue(run.stdout.contains("answered in plaintext SMTP"), run.stdout)
        XCTAssertTrue(run.stdout.contains("use smtp:// (STARTTLS)"), run.stdout)
    }

    func testAuthRequiredWithoutCredentialsSaysWhatToSet() throws {
        let s = try server("starttls", ["--auth", "alice:pw"])
        let run = try send(["RCOM_SMTP_URL": "smtp://localhost:\(s.port)", "RCOM_CA_FILE": certs.caFile])
        XCTAssertEqual(run.status, 1, run.output)
        XCTAssertTrue(run.stdout.contains("530"), run.stdout)
        XCTAssertTrue(run.stdout.contains("set RCOM_SMTP_USER and RCOM_SMTP_PASSWORD"), run.stdout)
    }

    func testThePasswordNeverAppearsInAnyOutput() throws {
        let password = "Hunter2-Secret!"
        let encoded = "Hunter2-Secret%21"
        let forms = [password, Data(password.utf8).base64EncodedString(), Data("\u{0}alice\u{0}\(password)".utf8).base64EncodedString(), encoded]
        let s = try server("starttls", ["--auth", "alice:\(password)"])
        let good = ["RCOM_SMTP_URL": "smtp://alice:\(encoded)@localhost:\(s.port)", "RCOM_CA_FILE": certs.caFile]
        var runs = [try send(good, ["-v"]), try send(good, ["--dry-run"]), try send(good, ["--json", "-v"])]
        // A wrong password (535), a refused URL (exit 2) and a relay that would need it in clear.
        runs.append(try send(["RCOM_SMTP_URL": "smtp://alice:\(encoded)x@localhost:\(s.port)", "RCOM_CA_FILE": certs.caFile], ["-v"]))
        runs.append(try send(["RCOM_SMTP_URL": "smtp://alice:\(encoded)@localhost:99999"], ["-v"]))
        runs.append(try send(["RCOM_SMTP_URL": "smtp://alice:\(encoded)%zz@localhost:1"], ["-v"]))
        let plain = try server("none")
        runs.append(try send(["RCOM_SMTP_URL": "smtp://alice:\(encoded)@localhost:\(plain.port)"], ["-v"]))
        XCTAssertEqual(runs.map(\.status), [0, 0, 0, 1, 2, 2, 1], runs.map(\.output).joined(separator: "\n---\n"))
        XCTAssertTrue(runs[1].stderr.contains("smtp://alice:****@localhost"), runs[1].stderr)
        XCTAssertTrue(runs[3].stdout.contains("535"), runs[3].stdout)
        XCTAssertTrue(runs[6].stdout.contains("the password would be sent in clear"), runs[6].stdout)
        for run in runs {
            for form in forms { XCTAssertFalse(run.output.contains(form), "\(form) in: \(run.output)") }
        }
    }

    // MARK: - The message

    func testHeadersAndBodyAsAMailReaderDecodesThem() throws {
        let s = try server("starttls")
        let subject = "Votre compte a été approuvé — bienvenue chez Acmé, c'est un sujet long qui doit être plié 🎉"
        let longLine = String(repeating: "0123456789", count: 250)
        let message = "Bonjour Zoë,\n\(longLine)\n.a line starting with a dot\nfin"
        let run = try send(["RCOM_SMTP_URL": "smtp+starttls://localhost:\(s.port)", "RCOM_CA_FILE": certs.caFile,
                            "RCOM_MAIL_FROM": "Acmé Alerts <noreply@acme.test>", "RCOM_MAIL_SUBJECT": subject],
                           message: message, ["--track"])
        XCTAssertEqual(run.status, 0, run.output)
        let m = try XCTUnwrap(s.messages.first)
        XCTAssertEqual(m.mailFrom, "noreply@acme.test")
        XCTAssertEqual(m.subject, subject)
        XCTAssertEqual(m.from, "Acmé Alerts <noreply@acme.test>")
        XCTAssertEqual(m.defects, [])
        let id = String(run.stdout.prefix(17))
        XCTAssertEqual(m.body, "Bonjour Zoë,\n\(longLine)\n.a line starting with a dot\nfin\nhttp://127.0.0.1:8081/e/\(id)\n")
        // On the wire: 7-bit, no line over 78 (headers) or 76 (quoted-printable body).
        XCTAssertTrue(m.raw.allSatisfy { $0 < 128 })
        let text = String(decoding: m.raw, as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        XCTAssertLessThanOrEqual(lines.map(\.utf8.count).max() ?? 0, 78, text)
        for header in ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: quoted-printable",
                       "Message-ID: <\(id)@acme.test>", "To: bob@example.com"] {
            XCTAssertTrue(lines.contains(header), header)
        }
        XCTAssertTrue(lines.contains { $0.hasPrefix("Date: ") && $0.hasSuffix(" +0000") })
        XCTAssertFalse(m.mailOptions.contains("BODY=8BITMIME"), "\(m.mailOptions)")
    }

    func testInternationalAddressesNeedSMTPUTF8() throws {
        let with = try server("starttls", ["--smtputf8"])
        let run = try send(["RCOM_SMTP_URL": "smtp://localhost:\(with.port)", "RCOM_CA_FILE": certs.caFile], to: "zoë@exämple.com")
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertEqual(with.messages.first?.recipients, ["zoë@exämple.com"])
        XCTAssertTrue(with.messages.first?.mailOptions.contains("SMTPUTF8") ?? false)
        let without = try server("starttls")
        let refused = try send(["RCOM_SMTP_URL": "smtp://localhost:\(without.port)", "RCOM_CA_FILE": certs.caFile], to: "zoë@exämple.com")
        XCTAssertEqual(refused.status, 1, refused.output)
        XCTAssertTrue(refused.stdout.contains("does not offer SMTPUTF8, which the address zoë@exämple.com needs"), refused.stdout)
        XCTAssertTrue(without.messages.isEmpty)
    }

    // MARK: - Temporary and permanent refusals

    func testTemporaryFailuresLeaveItPendingAndRetryPendingDeliversIt() throws {
        let s = try server("starttls", ["--defer", "2"])
        let env = ["RCOM_SMTP_URL": "smtp://localhost:\(s.port)", "RCOM_CA_FILE": certs.caFile]
        let first = try send(env, ["--attempts", "2", "--backoff", "1ms", "--track"])
        XCTAssertEqual(first.status, 75, first.output)
        XCTAssertTrue(first.stdout.contains(" pending 451 4.3.0"), first.stdout)
        XCTAssertTrue(first.stdout.contains("(rcom send --retry-pending)"), first.stdout)
        let id = String(first.stdout.prefix(17))
        let db = try database()
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM notifications WHERE id = '\(id)' AND outcome = 'pending' AND deferrals = 1 AND attempts = 2"), 1)
        // Due in 5 minutes (the schedule's first wait), give or take the run's own time.
        let due = try XCTUnwrap(try db.scalarInt("SELECT next_attempt_at_ms - created_at_ms FROM notifications WHERE id = '\(id)'"))
        let fiveMinutes_ms = 300_000
        XCTAssertTrue((fiveMinutes_ms - 1_000...fiveMinutes_ms + 30_000).contains(Int(due)), "\(due)")

        // Not due yet: a cron run takes nothing and sends nothing.
        let early = try RcomRun.run(["send", "--retry-pending", "--db", dir + "/db.sqlite"], environment: env, dir: dir)
        XCTAssertEqual(early.status, 0, early.output)
        XCTAssertTrue(early.stderr.contains("nothing due"), early.stderr)
        XCTAssertTrue(s.messages.isEmpty)

        // --all-pending takes it now; the relay takes it this time.
        let retry = try RcomRun.run(["send", "--retry-pending", "--all-pending", "--track", "--db", dir + "/db.sqlite"], environment: env, dir: dir)
        XCTAssertEqual(retry.status, 0, retry.output)
        XCTAssertTrue(retry.stdout.hasPrefix("\(id) email bob@example.com delivered T0001"), retry.stdout)
        XCTAssertTrue(retry.stderr.contains("1 taken: 1 delivered"), retry.stderr)
        XCTAssertEqual(s.messages.count, 1)
        // The same notification: same id and link, its attempts numbered on.
        XCTAssertTrue(s.messages[0].body.contains("/e/\(id)"))
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM notifications WHERE id = '\(id)' AND outcome = 'delivered' AND attempts = 3 AND next_attempt_at_ms IS NULL"), 1)
        XCTAssertEqual(try db.scalarInt("SELECT group_concat(attempt || result, ',') = '1transient,2transient,3delivered' FROM (SELECT * FROM delivery_attempts WHERE notification_id = '\(id)' ORDER BY attempt)"), 1)
    }

    func testNoSuchMailboxSuppressesTheAddress() throws {
        let s = try server("starttls", ["--reject", "gone@example.com"])
        let env = ["RCOM_SMTP_URL": "smtp://localhost:\(s.port)", "RCOM_CA_FILE": certs.caFile]
        let first = try send(env, to: "Gone@Example.com")
        XCTAssertEqual(first.status, 1, first.output)
        XCTAssertTrue(first.stdout.contains("550 5.1.1"), first.stdout)
        XCTAssertTrue(first.stdout.contains("the address is now on the suppression list"), first.stdout)
        let store = try SQLiteSuppressionStore(path: dir + "/db.sqlite")
        let suppression = try XCTUnwrap(try store.suppression(email: "gone@example.com"))
        XCTAssertTrue(suppression.reason.hasPrefix("hard bounce: 550 5.1.1"), suppression.reason)
        // The next send to it is not attempted (exit 3), and another address still goes.
        let again = try send(env, to: "gone@example.com")
        XCTAssertEqual(again.status, 3, again.output)
        XCTAssertEqual(try send(env, to: "ok@example.com").status, 0)
        XCTAssertEqual(s.messages.map(\.recipients), [["ok@example.com"]])
    }
}
