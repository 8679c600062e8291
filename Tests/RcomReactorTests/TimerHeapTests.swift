import XCTest
import RcomCore

final class TimerHeapTests: XCTestCase {
    func testOrderTiesCancelAndRearm() {
        var h = TimerHeap()
        h.schedule(TimerID(raw: 1), at: 50)
        h.schedule(TimerID(raw: 2), at: 10)
        h.schedule(TimerID(raw: 3), at: 10)   // tie: insertion order
        h.schedule(TimerID(raw: 4), at: 5)
        h.cancel(TimerID(raw: 4))
        h.schedule(TimerID(raw: 1), at: 7)    // re-armed earlier: only the new deadline counts
        XCTAssertEqual(h.nextDeadline(), 7)
        XCTAssertEqual(h.popDue(now_ns: 10), [TimerID(raw: 1), TimerID(raw: 2), TimerID(raw: 3)])
        XCTAssertEqual(h.popDue(now_ns: 100), [])
        XCTAssertTrue(h.isEmpty)
    }

    func testRandomScheduleMatchesSortedReference() {
        let seed = UInt64.random(in: 0...UInt64.max)
        let rng = SeededEntropy(seed: seed)
        var h = TimerHeap()
        var reference: [(UInt64, Int, UInt64)] = []
        for i in 0..<2000 {
            let d = rng.next64() % 500
            h.schedule(TimerID(raw: UInt64(i)), at: d)
            reference.append((d, i, UInt64(i)))
        }
        let expected = reference.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map { TimerID(raw: $0.2) }
        XCTAssertEqual(h.popDue(now_ns: 1000), expected, "seed \(seed)")
    }
}
