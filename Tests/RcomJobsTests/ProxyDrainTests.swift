import Foundation
import XCTest
import Glibc
import RcomCore
@testable import RcomJobs

/// SIGTERM on a real `rcom proxy` process with clients waiting for their callbacks.
final class ProxyDrainTests: XCTestCase {
    /// Answers collected from client threads (guarded by its lock).
    private final class Answers: @unchecked Sendable {
        let lock = NSLock()
        var statuses: [Int] = []
        var bodies: [String] = []
    }

    /// Starts `count` clients that each wait for one job, and returns once the proxy says they wait.
    private func startWaitingClients(_ count: Int, proxyPort: Int, into box: Answers, group: DispatchGroup) throws {
        for i in 0..<count {
            group.enter()
            // A thread each: blocking clients on Dispatch's small pool would run a few at a time.
            Thread.detachNewThread {
                let r = try? BlockingHTTP.post(port: proxyPort, path: "/start", json: #"{"account":"a\#(i % 4)","wait":true}"#, timeout_s: 20)
                box.lock.lock()
                box.statuses.append(r?.status ?? 0)
                box.bodies.append(r.map { String(decoding: $0.body, as: UTF8.self) } ?? "no answer")
                box.lock.unlock()
                group.leave()
            }
        }
        XCTAssertTrue(try BlockingHTTP.eventually {
            BlockingHTTP.json(try BlockingHTTP.get(port: proxyPort, path: "/stats"))["clients_waiting"] as? Int == count
        }, "clients waiting")
    }

    private func waitForExit(_ p: Process, within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while p.isRunning && Date() < deadline { usleep(10_000) }
        return !p.isRunning
    }

    func testSIGTERMKeepsWaitingClientsUntilTheirCallbacksThenExits0() throws {
        let server = try Fixtures.jobServer(job_ms: 1_500)
        let (proxy, port, _) = try RcomBinary.startServer(["proxy", "--host", "127.0.0.1", "--port", "0",
                                                            "--upstream", "http://127.0.0.1:\(server.port)"])
        let box = Answers()
        let group = DispatchGroup()
        try startWaitingClients(20, proxyPort: port, into: box, group: group)
        let signalled = Date()
        kill(proxy.processIdentifier, SIGTERM)
        // While draining: the load balancer's probe fails and a new job is refused, not started.
        XCTAssertTrue(try BlockingHTTP.eventually { try BlockingHTTP.get(port: port, path: "/healthz").status == 503 })
        let refused = try BlockingHTTP.post(port: port, path: "/start", json: #"{"account":"late","wait":true}"#)
        XCTAssertEqual(refused.status, 503)
        XCTAssertEqual(refused.headers["connection"], "close")
        XCTAssertEqual(group.wait(timeout: .now() + 20), .success)
        XCTAssertTrue(waitForExit(proxy, within: 10))
        XCTAssertEqual(proxy.terminationStatus, 0)
        XCTAssertLessThan(Date().timeIntervalSince(signalled), 3.5, "exits once the last callback is delivered")
        XCTAssertEqual(box.statuses, Array(repeating: 200, count: 20), box.bodies.joined(separator: "\n"))
        XCTAssertTrue(box.bodies.allSatisfy { $0.contains("\"proof\"") })
        XCTAssertEqual(server.stop().stats.callbacksAnswered, 20)
    }

    func testDrainTimeoutAnswersEveryWaitingClient503() throws {
        let server = try Fixtures.jobServer(job_ms: 8_000)
        let (proxy, port, _) = try RcomBinary.startServer(["proxy", "--host", "127.0.0.1", "--port", "0", "--drain-timeout", "300ms",
                                                            "--upstream", "http://127.0.0.1:\(server.port)"])
        let box = Answers()
        let group = DispatchGroup()
        try startWaitingClients(10, proxyPort: port, into: box, group: group)
        kill(proxy.processIdentifier, SIGTERM)
        XCTAssertEqual(group.wait(timeout: .now() + 10), .success)
        XCTAssertTrue(waitForExit(proxy, within: 10))
        XCTAssertEqual(proxy.terminationStatus, 0)
        XCTAssertEqual(box.statuses, Array(repeating: 503, count: 10), "a 503 with a reason, never a bare close")
        XCTAssertTrue(box.bodies.allSatisfy { $0.contains("drain timeout") }, box.bodies.joined(separator: "\n"))
        _ = server.stop()
    }

    func testASecondSignalExits1AfterAnsweringTheWaiting() throws {
        let server = try Fixtures.jobServer(job_ms: 8_000)
        let (proxy, port, _) = try RcomBinary.startServer(["proxy", "--host", "127.0.0.1", "--port", "0",
                                                            "--upstream", "http://127.0.0.1:\(server.port)"])
        let box = Answers()
        let group = DispatchGroup()
        try startWaitingClients(5, proxyPort: port, into: box, group: group)
        kill(proxy.processIdentifier, SIGTERM)
        XCTAssertTrue(try BlockingHTTP.eventually { try BlockingHTTP.get(port: port, path: "/healthz").status == 503 })
        kill(proxy.processIdentifier, SIGINT)
        XCTAssertEqual(group.wait(timeout: .now() + 10), .success)
        XCTAssertTrue(waitForExit(proxy, within: 10))
        XCTAssertEqual(proxy.terminationStatus, 1)
        XCTAssertEqual(box.statuses, Array(repeating: 503, count: 5))
        _ = server.stop()
    }
}
