import XCTest
@testable import RcomBlacklist

final class ProgressEstimateTests: XCTestCase {
    func progress(done: Int, read: Int, total: Int = 1_000, elapsed: Double) -> ImportProgress {
        ImportProgress(linesDone: done, linesRead: read, linesTotal: total, elapsed_s: elapsed)
    }

    /// While the window is read nothing is committed yet; the estimate must already be sane
    /// (it showed 65 s for a 0.8 s import when it only counted commits).
    func testTheEstimateCountsReadingAsHalfTheWork() throws {
        XCTAssertNil(ProgressReporter.eta(progress(done: 0, read: 0, elapsed: 0.1)))
        XCTAssertNil(ProgressReporter.eta(progress(done: 1, read: 90, elapsed: 0.1)), "under 5 % done: no estimate yet")
        XCTAssertEqual(try XCTUnwrap(ProgressReporter.eta(progress(done: 0, read: 500, elapsed: 0.1))), 0.3, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(ProgressReporter.eta(progress(done: 0, read: 1_000, elapsed: 0.3))), 0.3, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(ProgressReporter.eta(progress(done: 500, read: 1_000, elapsed: 0.6))), 0.2, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(ProgressReporter.eta(progress(done: 1_000, read: 1_000, elapsed: 0.8))), 0, accuracy: 1e-9)
        XCTAssertEqual(ProgressReporter.rate(progress(done: 0, read: 600, elapsed: 0.2)), 3_000, accuracy: 1e-9)
        XCTAssertEqual(ProgressReporter.rate(progress(done: 300, read: 600, elapsed: 0.3)), 2_000, accuracy: 1e-9)
    }
}
