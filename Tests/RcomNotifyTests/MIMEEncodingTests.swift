import Foundation
import XCTest
@testable import RcomNotify

/// The encoders that keep a message 7-bit and its lines short, checked against their RFCs'
/// rules (lengths, alphabets) and by decoding what they produce.
final class MIMEEncodingTests: XCTestCase {
    /// Undoes quoted-printable soft breaks only (`=` CRLF), which is all the ASCII cases need.
    private func joinSoftBreaks(_ qp: String) -> String { qp.replacingOccurrences(of: "=\r\n", with: "") }

    func testQuotedPrintableEncodesWhatIsNotPrintableASCII() {
        XCTAssertEqual(MIMEEncoding.quotedPrintable("Café = 1\n"), "Caf=C3=A9 =3D 1\r\n")
        // Trailing white space is encoded (a transport may strip it), inner white space is not.
        XCTAssertEqual(MIMEEncoding.quotedPrintable("a b \nc\t"), "a b=20\r\nc=09\r\n")
        // Every line ending becomes CRLF; a lone CR ends a line too.
        XCTAssertEqual(MIMEEncoding.quotedPrintable("1\r\n2\r3\n"), "1\r\n2\r\n3\r\n")
    }

    func testQuotedPrintableSoftWrapsALongLineWithin76() {
        let line = String(repeating: "x", count: 2_500)
        let qp = MIMEEncoding.quotedPrintable(line)
        let lines = qp.components(separatedBy: "\r\n").dropLast()
        XCTAssertGreaterThan(lines.count, 30)
        XCTAssertTrue(lines.allSatisfy { $0.utf8.count <= 76 }, "\(lines.map(\.count).max()!)")
        XCTAssertTrue(lines.dropLast().allSatisfy { $0.hasSuffix("=") })
        XCTAssertEqual(joinSoftBreaks(qp), line + "\r\n")
    }

    func testQuotedPrintableNeverSplitsAnEscape() {
        // 'é' is =C3=A9: six characters that must stay on one line at every offset.
        for prefix in 0..<8 {
            let text = String(repeating: "a", count: prefix) + String(repeating: "é", count: 40)
            let lines = MIMEEncoding.quotedPrintable(text).components(separatedBy: "\r\n").dropLast()
            for l in lines {
                XCTAssertLessThanOrEqual(l.utf8.count, 76)
                let body = l.hasSuffix("=") ? String(l.dropLast()) : l
                // Whole escapes only: after removing them, no '=' is left.
                let stripped = body.replacingOccurrences(of: "=C3", with: "").replacingOccurrences(of: "=A9", with: "")
                XCTAssertFalse(stripped.contains("="), "prefix \(prefix): \(l)")
            }
        }
    }

    func testSevenBitSafeOnlyForShortASCIILines() {
        XCTAssertTrue(MIMEEncoding.isSevenBitSafe("plain\nascii\ttext"))
        XCTAssertFalse(MIMEEncoding.isSevenBitSafe("café"))
        XCTAssertFalse(MIMEEncoding.isSevenBitSafe(String(repeating: "x", count: 999)))
        XCTAssertTrue(MIMEEncoding.isSevenBitSafe(String(repeating: "x", count: 998)))
        XCTAssertFalse(MIMEEncoding.isSevenBitSafe("bell\u{07}"))
    }

    /// Decodes `=?UTF-8?B?...?=` words (the only form the encoder writes).
    private func decodeWords(_ value: String) -> String? {
        var bytes: [UInt8] = []
        for word in value.components(separatedBy: "\r\n ").flatMap({ $0.split(separator: " ") }) {
            guard word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?="),
                  let d = Data(base64Encoded: String(word.dropFirst(10).dropLast(2))) else { return nil }
            bytes += d
        }
        return String(bytes: bytes, encoding: .utf8)
    }

    func testSubjectIsPlainWhenShortPrintableASCII() {
        XCTAssertEqual(MIMEEncoding.header("Subject", "Your account was approved"), "Subject: Your account was approved")
    }

    func testNonASCIISubjectBecomesEncodedWordsWithin75AndFoldedWithin78() {
        let subject = "Votre compte a été approuvé — bienvenue ! 🎉 Ceci est un sujet assez long pour être plié en plusieurs lignes"
        let header = MIMEEncoding.header("Subject", subject)
        let lines = header.components(separatedBy: "\r\n")
        XCTAssertGreaterThan(lines.count, 1)
        XCTAssertTrue(lines.allSatisfy { $0.utf8.count <= 78 }, "\(lines)")
        XCTAssertTrue(lines.dropFirst().allSatisfy { $0.hasPrefix(" =?UTF-8?B?") })
        let value = String(header.dropFirst("Subject: ".count))
        for word in value.components(separatedBy: "\r\n ") { XCTAssertLessThanOrEqual(word.utf8.count, 75) }
        XCTAssertTrue(header.utf8.allSatisfy { $0 < 128 })
        // Each word decodes on its own (whole characters per word, RFC 2047 §5).
        for word in value.components(separatedBy: "\r\n ") { XCTAssertNotNil(decodeWords(word), word) }
        XCTAssertEqual(decodeWords(value), subject)
    }

    func testAHeaderValueCannotStartAnotherHeader() {
        let header = MIMEEncoding.header("Subject", "hi\r\nBcc: victim@example.com")
        XCTAssertFalse(header.contains("\r\nBcc"), header)
        XCTAssertEqual(header, "Subject: hi  Bcc: victim@example.com")
        // Text that looks like an encoded-word is itself encoded, so it reads back as written.
        XCTAssertEqual(decodeWords(String(MIMEEncoding.header("Subject", "=?x?=").dropFirst(9))), "=?x?=")
    }

    func testDisplayNames() throws {
        XCTAssertEqual(try Mailbox.parse("Acme Alerts <noreply@acme.test>").get(), Mailbox(displayName: "Acme Alerts", address: "noreply@acme.test"))
        XCTAssertEqual(try Mailbox.parse("Acme Alerts <noreply@acme.test>").get().headerValue, "\"Acme Alerts\" <noreply@acme.test>")
        XCTAssertEqual(try Mailbox.parse("\"Acme, \\\"Inc\\\"\" <a@acme.test>").get().headerValue, "\"Acme, \\\"Inc\\\"\" <a@acme.test>")
        XCTAssertEqual(try Mailbox.parse("noreply@Acme.TEST").get(), Mailbox(displayName: nil, address: "noreply@acme.test"))
        let accented = try Mailbox.parse("Acmé Alerts <noreply@acme.test>").get().headerValue
        XCTAssertTrue(accented.hasSuffix(" <noreply@acme.test>"), accented)
        XCTAssertEqual(decodeWords(String(accented.dropLast(" <noreply@acme.test>".count))), "Acmé Alerts")
        XCTAssertThrowsError(try Mailbox.parse("Acme <noreply@acme.test").get())
        XCTAssertThrowsError(try Mailbox.parse("Acme <not an address>").get())
    }

    func testUTF8AddressesAreAcceptedButNotInvisibleCharacters() {
        XCTAssertEqual(try EmailAddress.normalise("jöhn@Exämple.COM").get(), "jöhn@exämple.com")
        XCTAssertThrowsError(try EmailAddress.normalise("jo\u{00A0}hn@example.com").get())
        XCTAssertThrowsError(try EmailAddress.normalise("john@exa\u{200B}mple.com").get())
    }
}
