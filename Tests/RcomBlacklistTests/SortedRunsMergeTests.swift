import XCTest
@testable import RcomBlacklist

final class SortedRunsMergeTests: XCTestCase {
    /// Random runs of random addresses (many sharing their first 16 bytes, some repeated across
    /// runs) merge into exactly the order a stable sort gives: by address, repeats by index.
    func testMergeEqualsAStableSortOfTheRuns() {
        var rng = SplitMix64(seed: 42)
        for round in 0..<50 {
            var addresses: [[UInt8]] = []
            var runEnds: [Int] = []
            let runCount = Int(rng.next() % 12)
            for _ in 0..<runCount {
                let length = Int(rng.next() % 40)  // empty runs too
                var run: [[UInt8]] = (0..<length).map { _ in
                    let prefix = rng.next() % 3 == 0 ? "same.sixteen.byte.prefix" : "p\(rng.next() % 50)"
                    return Array("\(prefix)\(rng.next() % 30)@x.io".utf8)
                }
                run.sort { $0.lexicographicallyPrecedes($1) }
                addresses += run
                runEnds.append(addresses.count)
            }
            let keys = addresses.map { a in a.withUnsafeBufferPointer { SortKey($0) } }
            var merged: [Int] = []
            keys.withUnsafeBufferPointer { k in
                SortedRunsMerge.merge(keys: k, runEnds: runEnds, tieBreak: { a, b in
                    addresses[a].lexicographicallyPrecedes(addresses[b]) ? -1
                        : (addresses[b].lexicographicallyPrecedes(addresses[a]) ? 1 : 0)
                }) { merged.append($0) }
            }
            let expected = addresses.indices.sorted { a, b in
                addresses[a] != addresses[b] ? addresses[a].lexicographicallyPrecedes(addresses[b]) : a < b
            }
            XCTAssertEqual(merged, expected, "round \(round)")
        }
    }
}
