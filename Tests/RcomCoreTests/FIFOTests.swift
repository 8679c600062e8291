import XCTest
import RcomCore

final class FIFOTests: XCTestCase {
    func testMatchesAnArrayReferenceUnderRandomOperations() {
        let seed = UInt64.random(in: 1...UInt64.max)
        let rng = SeededEntropy(seed: seed)
        var fifo = FIFO<Int>()
        var reference: [Int] = []
        for step in 0..<20_000 {
            switch rng.next64() % 10 {
            case 0..<5:
                fifo.append(step)
                reference.append(step)
            case 5..<9:
                XCTAssertEqual(fifo.popFirst(), reference.isEmpty ? nil : reference.removeFirst(), "seed \(seed) step \(step)")
            default:
                if rng.next64() % 50 == 0 {
                    XCTAssertEqual(fifo.drain(), reference, "seed \(seed)")
                    reference.removeAll()
                }
            }
            XCTAssertEqual(fifo.count, reference.count, "seed \(seed) step \(step)")
            XCTAssertEqual(fifo.first, reference.first, "seed \(seed) step \(step)")
        }
        XCTAssertEqual(Array(fifo), reference, "seed \(seed)")
    }
}
