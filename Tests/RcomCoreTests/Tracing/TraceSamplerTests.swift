import XCTest
import RcomCore

final class TraceSamplerTests: XCTestCase {
    private func ids(_ n: Int, seed: UInt64) -> [TraceID] {
        let rng = SeededEntropy(seed: seed)
        return (0..<n).map { _ in TraceID(high: rng.next64(), low: rng.next64())! }
    }

    func testRatioZeroAndOneAreExact() {
        let edge = [TraceID(high: 0, low: 1)!, TraceID(high: 0, low: UInt64.max)!, TraceID(high: 1, low: (1 << 56) - 1)!,
                    TraceID(high: 1, low: 1 << 56)!]
        for id in ids(20_000, seed: 11) + edge {
            XCTAssertFalse(TraceSampler.traceIDRatio(0).shouldSample(traceID: id, parent: nil), id.hex)
            XCTAssertTrue(TraceSampler.traceIDRatio(1).shouldSample(traceID: id, parent: nil), id.hex)
        }
    }

    func testRatioIsDeterministicMonotonicAndNearTheRatio() {
        let sample = ids(40_000, seed: 12)
        let ratios = [0.001, 0.01, 0.1, 0.25, 0.5, 0.9]
        var previous: Set<TraceID> = []
        for r in ratios {
            let kept = Set(sample.filter { TraceSampler.traceIDRatio(r).shouldSample(traceID: $0, parent: nil) })
            XCTAssertTrue(previous.isSubset(of: kept), "a trace kept at a lower ratio is kept at \(r)")
            let expected = Double(sample.count) * r
            XCTAssertEqual(Double(kept.count), expected, accuracy: max(25, 5 * (expected * (1 - r)).squareRoot()), "ratio \(r)")
            XCTAssertEqual(kept, Set(sample.filter { TraceSampler.traceIDRatio(r).shouldSample(traceID: $0, parent: nil) }))
            previous = kept
        }
    }

    func testRatioReadsTheRightmost56Bits() {
        // T = (1 - 0.5) * 2^56: R = 2^55 is kept, R = 2^55 - 1 is not, whatever the other bits say.
        let half = TraceSampler.traceIDRatio(0.5)
        XCTAssertTrue(half.shouldSample(traceID: TraceID(high: 0, low: 1 << 55)!, parent: nil))
        XCTAssertFalse(half.shouldSample(traceID: TraceID(high: .max, low: 0xff00_0000_0000_0000 | ((1 << 55) - 1))!, parent: nil))
    }

    func testParentBasedFollowsTheParent() throws {
        let sampledParent = try TraceContext.parse(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").get()
        let unsampledParent = try TraceContext.parse(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00").get()
        let id = sampledParent.traceID
        let cases: [(TraceSampler, TraceContext?, Bool)] = [
            (.parentBased(root: .traceIDRatio(0)), sampledParent, true),
            (.parentBased(root: .traceIDRatio(1)), unsampledParent, false),
            (.parentBased(root: .traceIDRatio(0)), nil, false),
            (.parentBased(root: .traceIDRatio(1)), nil, true),
            (.parentBased(root: .alwaysOn), nil, true),
            (.parentBased(root: .alwaysOff), nil, false),
            (.traceIDRatio(0), sampledParent, false),
            (.alwaysOn, unsampledParent, true),
        ]
        for (i, (sampler, parent, expected)) in cases.enumerated() {
            XCTAssertEqual(sampler.shouldSample(traceID: id, parent: parent), expected, "case \(i): \(sampler)")
        }
    }
}
