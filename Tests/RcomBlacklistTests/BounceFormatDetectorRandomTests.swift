import XCTest
import RcomCore
@testable import RcomBlacklist

/// A file of random bytes is of no format: never taken for a list of addresses because its
/// first line happens to hold an '@' and no separator (scripts/newcomer met one such file).
final class BounceFormatDetectorRandomTests: XCTestCase {
    func testRandomBytesAreNeverAList() {
        var junk = SplitMix64(seed: 7)
        var lists = 0
        for _ in 0..<3_000 {
            let bytes = (0..<1_024).map { _ in UInt8(truncatingIfNeeded: junk.next()) }
            if case .success(.addressList) = BounceFormatDetector.detect(prefix: bytes, forced: nil) { lists += 1 }
        }
        XCTAssertEqual(lists, 0)
    }

    func testAnAddressLineIsStillAList() {
        for line in ["ops@acme.test", "  Ops@Acme.test \r", "jörg@bücher.example", "not-an-address@"] {
            let result = BounceFormatDetector.detect(prefix: Array((line + "\nnext@x.test\n").utf8), forced: nil)
            guard case .success(.addressList) = result else { return XCTFail("\(line): \(result)") }
        }
    }

    func testAFirstLineWithAControlByteIsNoList() {
        let result = BounceFormatDetector.detect(prefix: Array("x@y.test\u{01}\n".utf8), forced: nil)
        if case .success(.addressList) = result { XCTFail("taken for a list") }
    }
}
