import XCTest
@testable import RcomNotify

/// SMS parts: GSM-7 (extension characters take two septets) or UCS-2 (UTF-16 units), 160/70 in
/// one message, 153/67 per concatenated part, never splitting an escape or surrogate pair.
final class SMSSegmentsTests: XCTestCase {
    func check(_ body: String, _ encoding: SMSSegments.Encoding, units: Int, parts: Int, file: StaticString = #filePath, line: UInt = #line) {
        let s = SMSSegments(body)
        XCTAssertEqual(s.encoding, encoding, file: file, line: line)
        XCTAssertEqual(s.units, units, file: file, line: line)
        XCTAssertEqual(s.count, parts, file: file, line: line)
    }

    func a(_ n: Int) -> String { String(repeating: "a", count: n) }

    func testGSM7() {
        check("", .gsm7, units: 0, parts: 1)
        check(a(160), .gsm7, units: 160, parts: 1)
        check(a(161), .gsm7, units: 161, parts: 2)
        check(a(306), .gsm7, units: 306, parts: 2)
        check(a(307), .gsm7, units: 307, parts: 3)
        check("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ!#¤%&'()*+,-./:;<=>?¡ÄÖÑÜ§¿äöñüà\n", .gsm7, units: 62, parts: 1)
    }

    func testExtensionCharactersCountTwoAndAreNotSplit() {
        check(String(repeating: "€", count: 80), .gsm7, units: 160, parts: 1)
        check(String(repeating: "€", count: 80) + "a", .gsm7, units: 161, parts: 2)
        check("{}[]~^|\\", .gsm7, units: 16, parts: 1)
        // 306 septets would be two parts of 153, but the € would straddle them.
        check(a(152) + "€" + a(152), .gsm7, units: 306, parts: 3)
    }

    func testUCS2() {
        check("ç", .ucs2, units: 1, parts: 1)  // only upper-case Ç is in the GSM alphabet
        check(String(repeating: "ж", count: 70), .ucs2, units: 70, parts: 1)
        check(String(repeating: "ж", count: 71), .ucs2, units: 71, parts: 2)
        check(String(repeating: "ж", count: 134), .ucs2, units: 134, parts: 2)
        check(String(repeating: "😀", count: 35), .ucs2, units: 70, parts: 1)
        // 134 units would be two parts of 67, but the emoji's surrogate pair would straddle them.
        check(String(repeating: "ж", count: 66) + "😀" + String(repeating: "ж", count: 66), .ucs2, units: 134, parts: 3)
        check(a(150) + "😀", .ucs2, units: 152, parts: 3)
    }

    func testAnSMSOverOnePartIsWarnedAbout() {
        let sms = SMSChannel(settings: ChannelSettings())
        let n = Deliver.notification("sms", "+15059045845", String(repeating: "é€", count: 60))
        XCTAssertEqual(sms.warnings(for: n), ["the SMS body is 222 GSM-7 septets: it goes as 2 concatenated parts of at most 153 (billed as 2 messages)"])
        XCTAssertEqual(sms.warnings(for: Deliver.notification("sms", "+15059045845", "short", id: "n0123456789abcdef")), [])
    }
}
