import Foundation
import Glibc
import XCTest
import RcomCore
@testable import RcomReactor
@testable import RcomJobs

/// The job server comes up after the jobs arrived: the proxy's refused connection is retried
/// and every job completes, on real sockets.
final class ProxyConnectRetryEndToEndTests: XCTestCase {
    /// A port bound but not listening: connections to it are refused, and no other process can
    /// take it before the job server listens on it (no reserve-then-close race).
    func reservedPort() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, bound == 0 else { throw XCTSkip("cannot bind on loopback") }
        return (fd, Socket.localPort(fd))
    }

    final class Box<T>: @unchecked Sendable { var value: T?; let done = DispatchSemaphore(value: 0) }

    func testJobsArrivingBeforeTheJobServerListensAllComplete() throws {
        let upstream = try reservedPort()
        let proxy = try Fixtures.proxy(upstreamPort: upstream.port)
        let report = Box<JobClientReport>()
        Thread.detachNewThread {
            report.value = Fixtures.runClient(port: proxy.port, account: "late", jobs: 5, deadline_ms: 10_000).0
            report.done.signal()
        }
        // Refused at least once before anything listens.
        XCTAssertTrue(try BlockingHTTP.eventually {
            (BlockingHTTP.json(try BlockingHTTP.get(port: proxy.port, path: "/stats"))["upstream_connect_retries"] as? Int ?? 0) >= 1
        })
        XCTAssertEqual(listen(upstream.fd, 128), 0)
        let server = try TestServer(JobServerPipeline(config: Fixtures.jobServerConfig(job_ms: 50), entropy: SystemEntropy()),
                                    listener: BoundListener(fd: upstream.fd, port: upstream.port))
        XCTAssertEqual(report.done.wait(timeout: .now() + 30), .success)
        let r = try XCTUnwrap(report.value)
        XCTAssertTrue(r.passed, r.text)
        _ = server.stop()
        let p = proxy.stop()
        XCTAssertEqual(p.stats.upstreamFailures, 0, "no start failed")
    }
}
