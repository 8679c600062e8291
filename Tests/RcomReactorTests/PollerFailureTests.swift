import Foundation
import XCTest
import Glibc
@testable import RcomReactor

/// A poller call that fails is reported, never taken for "nothing ready".
final class PollerFailureTests: XCTestCase {
    func testEpollRefusingAnFdIsReported() throws {
        // epoll cannot watch a regular file (EPERM): a real failure, no stand-in needed.
        let path = NSTemporaryDirectory() + "rcom-poller-\(getpid())"
        let fd = open(path, O_CREAT | O_RDWR, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd); unlink(path) }
        let failure = EpollPoller().set(fd, Interest(read: true, write: false))
        XCTAssertEqual(failure?.call, "epoll_ctl")
        XCTAssertEqual(failure?.errno, EPERM)
    }

    func testAWatchedFdIsReadyAndAQuietWaitIsAnEmptySuccess() throws {
        var pair: [Int32] = [0, 0]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair), 0)
        defer { close(pair[0]); close(pair[1]) }
        for kind in PollerKind.allCases {
            let poller = kind.make()
            XCTAssertNil(poller.set(pair[0], Interest(read: true, write: false)))
            XCTAssertEqual(try poller.wait(timeout_ms: 0).get(), [], "\(kind)")
            XCTAssertEqual(write(pair[1], "x", 1), 1)
            XCTAssertEqual(try poller.wait(timeout_ms: 1000).get(), [Readiness(fd: pair[0], readable: true, writable: false)], "\(kind)")
            var b: UInt8 = 0
            XCTAssertEqual(read(pair[0], &b, 1), 1)
        }
    }
}
