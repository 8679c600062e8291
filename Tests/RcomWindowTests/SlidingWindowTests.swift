import XCTest
@testable import RcomWindow

@available(macOS 15, *)
final class SlidingWindowTests: XCTestCase {
    func testFillingThenWrappingKeepsTheLastKInOrder() {
        var window = SlidingWindow(k: 3)
        var copy: [Int128] = []
        window.push(1)
        window.push(2)
        XCTAssertFalse(window.isFull)
        XCTAssertEqual(window.sum, 3)
        window.copyValues(into: &copy)
        XCTAssertEqual(copy, [1, 2])
        for v in 3...7 { window.push(Int128(v)) }
        XCTAssertTrue(window.isFull)
        XCTAssertEqual(window.count, 7)
        XCTAssertEqual(window.sum, 18)
        window.copyValues(into: &copy)
        XCTAssertEqual(copy, [5, 6, 7])
        window.push(-100)
        window.copyValues(into: &copy)
        XCTAssertEqual(copy, [6, 7, -100], "oldest first across the wrap point")
        XCTAssertEqual(window.sum, -87)
    }

    func testSizeOneHoldsOnlyTheNewest() {
        var window = SlidingWindow(k: 1)
        for v: Int128 in [4, -9, 2] { window.push(v) }
        XCTAssertEqual(window.sum, 2)
    }
}
