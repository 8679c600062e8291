import XCTest
import RcomCore
@testable import RcomBlacklist

final class WindowSortTests: XCTestCase {
    /// Random addresses (many sharing their first 16 bytes or their first two, some repeated)
    /// come out exactly as a stable sort by address puts them: repeats in index order.
    func testOrderEqualsAStableSortByAddress() {
        var rng = SplitMix64(seed: 42)
        for round in 0..<50 {
            let count = Int(rng.next() % 300)
            let addresses: [[UInt8]] = (0..<count).map { _ in
                let prefix: String
                switch rng.next() % 4 {
                case 0: prefix = "same.sixteen.byte.prefix"
                case 1: prefix = "jo\(rng.next() % 7)"
                case 2: prefix = ""
                default: prefix = "p\(rng.next() % 50)"
                }
                return Array("\(prefix)\(rng.next() % 30)@x.io".utf8)
            }
            let keys = addresses.map { a in a.withUnsafeBufferPointer { SortKey($0) } }
            let order = WindowSort.order(keys) { a, b in
                addresses[a].lexicographicallyPrecedes(addresses[b]) ? -1
                    : (addresses[b].lexicographicallyPrecedes(addresses[a]) ? 1 : 0)
            }
            let expected = addresses.indices.sorted { a, b in
                addresses[a] != addresses[b] ? addresses[a].lexicographicallyPrecedes(addresses[b]) : a < b
            }
            XCTAssertEqual(order.map { Int($0.index) }, expected, "round \(round)")
            XCTAssertEqual(order.map(\.key), expected.map { keys[$0] }, "round \(round): each index keeps its key")
        }
    }

    func testNoKeysIsNoOrder() {
        XCTAssertTrue(WindowSort.order([]) { _, _ in 0 }.isEmpty)
    }
}
