import XCTest
import RcomStore

final class AddressNormalizerTests: XCTestCase {
    func ok(_ s: String) -> String? { try? AddressNormalizer.normalize(s).get() }
    func problem(_ s: String) -> AddressNormalizer.Problem? {
        if case .failure(let p) = AddressNormalizer.normalize(s) { return p }
        return nil
    }

    func testTrimsAndLowerCasesBothParts() {
        XCTAssertEqual(ok("  John.Smith+news@Example.COM\t"), "john.smith+news@example.com")
        XCTAssertEqual(ok("a@b.co\r"), "a@b.co")
        XCTAssertEqual(ok("o'brien@mail.example.org"), "o'brien@mail.example.org")
        XCTAssertEqual(ok("Ünïcode@example.com"), "Ünïcode@example.com", "non-ASCII local parts are kept as they are")
    }

    func testRejectsWhatCannotBeDeliveredTo() {
        XCTAssertEqual(problem("   "), .empty)
        XCTAssertEqual(problem("no-at.example.com"), .missingAt)
        XCTAssertEqual(problem("a@@example.com"), .severalAt)
        XCTAssertEqual(problem("@example.com"), .emptyLocalPart)
        XCTAssertEqual(problem("some one@example.com"), .badLocalPart)
        XCTAssertEqual(problem(".lead@example.com"), .badLocalPart)
        XCTAssertEqual(problem("a..b@example.com"), .badLocalPart)
        XCTAssertEqual(problem("<a@example.com>"), .badLocalPart)
        XCTAssertEqual(problem("a@localhost"), .badDomain)
        XCTAssertEqual(problem("a@example..com"), .badDomain)
        XCTAssertEqual(problem("a@-example.com"), .badDomain)
        XCTAssertEqual(problem("a@exa mple.com"), .badDomain)
        XCTAssertEqual(problem("a@"), .badDomain)
        XCTAssertEqual(problem(String(repeating: "x", count: 65) + "@example.com"), .localPartTooLong)
        XCTAssertEqual(problem("a@" + String(repeating: "x", count: 250) + ".com"), .tooLong)
    }

    func testTheSuppressionKeyIsTheImportersNormalFormForBothCommands() {
        XCTAssertEqual(AddressNormalizer.suppressionKey(" John@Example.COM "), "john@example.com")
        XCTAssertEqual(AddressNormalizer.suppressionKey("Ünïcode@Example.com"), "Ünïcode@example.com",
                       "ASCII folding only, as the importer stores it (String.lowercased() would not match)")
        XCTAssertEqual(AddressNormalizer.suppressionKey(" A@localhost "), "a@localhost", "rejected: folded all the same")
    }
}
