import Foundation
import XCTest
import RcomCore
@testable import RcomJobs

/// The proxy between the in-process jobclient and job server, over real loopback sockets.
final class ProxyEndToEndTests: XCTestCase {
    func testJobclientPassesThroughProxyAndProofVerifies() throws {
        let server = try Fixtures.jobServer(job_ms: 200)
        let proxy = try Fixtures.proxy(upstreamPort: server.port)
        let (report, _) = Fixtures.runClient(port: proxy.port, jobs: 50)
        XCTAssertTrue(report.passed, report.text)
        XCTAssertEqual(report.succeeded, 50)
        XCTAssertLessThan(report.totalDuration_s, 5)
        let block = try XCTUnwrap(report.proof)
        let decoded = try ProofBlock.decode("Proof:\n" + block.encoded()).get()
        XCTAssertEqual(ProofVerifier(secret: Fixtures.secret, jobsExpected: 50).problems(decoded), [])
        let p = proxy.stop()
        XCTAssertEqual(p.stats.callbacksMatched, 50)
        XCTAssertEqual(p.waitingClients, 0, "no waiter left behind")
        XCTAssertEqual(p.armedTimers, 0, "no timer left behind")
        XCTAssertEqual(p.upstreamConnections, 1, "one upstream connection for one account")
    }

    func testWithoutProxyTheJobclientFailsLikeTheSeed() throws {
        let server = try Fixtures.jobServer(job_ms: 100)
        // 12 jobs × 100 ms behind one handler: well past a 1 s deadline.
        let (report, _) = Fixtures.runClient(port: server.port, jobs: 12, deadline_ms: 1000)
        XCTAssertFalse(report.passed)
        XCTAssertEqual(report.succeeded, 12)
        XCTAssertGreaterThanOrEqual(report.totalDuration_s, 1.2)
    }

    func testPassesAgainstHoldConnectionServer() throws {
        let server = try Fixtures.jobServer(job_ms: 200, hold: .connection)
        let proxy = try Fixtures.proxy(upstreamPort: server.port)
        let (report, _) = Fixtures.runClient(port: proxy.port, jobs: 200)
        XCTAssertTrue(report.passed, report.text)
        XCTAssertLessThan(report.totalDuration_s, 2)
    }

    func testEarlyCallbacksAreDelivered() throws {
        let server = try Fixtures.jobServer(job_ms: 200, faults: "early-callback=1")
        let proxy = try Fixtures.proxy(upstreamPort: server.port)
        let (report, _) = Fixtures.runClient(port: proxy.port, jobs: 20)
        XCTAssertTrue(report.passed, report.text)
        let p = proxy.stop()
        XCTAssertEqual(p.stats.callbacksEarly, 20, "every callback overtook its start response")
        XCTAssertEqual(server.stop().stats.faults[.earlyCallback], 20)
    }

    func testDuplicateCallbacksAreIdempotent() throws {
        let server = try Fixtures.jobServer(job_ms: 100, faults: "duplicate-callback=1")
        let proxy = try Fixtures.proxy(upstreamPort: server.port)
        let (report, _) = Fixtures.runClient(port: proxy.port, jobs: 10)
        XCTAssertTrue(report.passed, report.text)
        // The second copy of each callback may still be in flight when the clients finish.
        XCTAssertTrue(BlockingHTTP.eventually { server.stopIfAnswered(10 * 2) })
        let p = proxy.stop()
        XCTAssertEqual(p.stats.callbacksMatched, 10)
        XCTAssertEqual(p.stats.callbacksDuplicate, 10)
    }

    func testUnknownTokenIs404AndTouchesNoClient() throws {
        let proxy = try Fixtures.proxy(upstreamPort: Fixtures.closedPort())
        let r = try BlockingHTTP.post(port: proxy.port, path: "/callback/deadbeef", json: #"{"id":"1","state":"completed"}"#)
        XCTAssertEqual(r.status, 404)
        XCTAssertNotNil(BlockingHTTP.json(r)["error"])
        XCTAssertEqual(proxy.stop().stats.callbacksUnknown, 1)
    }

    func testCallbackURLsNameTheInstanceAndOnlyItsOwnAreTaken() throws {
        XCTAssertEqual(ProxyConfig.defaultInstance(host: "127.0.0.2", port: 8080), "127-0-0-2-8080")
        var config = ProxyConfig(upstream: HTTPURL(host: "127.0.0.1", port: 9), publicURL: HTTPURL(host: "front", port: 80))
        config.instance = "p2"
        XCTAssertEqual(config.callbackURL(token: "abc"), "http://front/callback/p2/abc")
        func route(_ target: String) -> String {
            switch ProxyRoute(HTTPRequest(method: "POST", target: target), instance: "p2") {
            case .callback(let token): return "callback:" + (token?.description ?? "")
            case .job: return "job"
            case .local: return "local"
            }
        }
        let hex = "0123456789abcdef00112233445566ff"
        XCTAssertEqual(route("/callback/p2/" + hex), "callback:" + hex)
        XCTAssertEqual(CallbackToken(hex: Substring(hex))?.description, hex, "parsed and written back alike")
        XCTAssertEqual(route("/callback/p3/" + hex), "callback:", "another instance's callback is no token of ours")
        XCTAssertEqual(route("/callback/p2/" + hex + "?x=1"), "callback:", "a query is not in any URL we hand out")
        XCTAssertEqual(route("/callback/" + hex), "callback:")
        XCTAssertEqual(route("/callback/p2/abc"), "callback:", "not 32 hex digits: not a token we hand out")
        XCTAssertEqual(route("/callback/p2/" + hex.uppercased()), "callback:", "we write lower-case hex only")
        XCTAssertEqual(route("/start"), "job")

        // End to end: the job server calls back the URL with the instance in it.
        let server = try Fixtures.jobServer(job_ms: 20)
        let proxy = try Fixtures.proxy(upstreamPort: server.port)
        XCTAssertEqual(try BlockingHTTP.post(port: proxy.port, path: "/start", json: #"{"account":"a","wait":true}"#).status, 200)
        XCTAssertEqual(try BlockingHTTP.post(port: proxy.port, path: "/callback/other/deadbeef", json: "{}").status, 404)
        XCTAssertEqual(proxy.stop().stats.jobsDelivered, 1)
    }

    func testUpstreamDownAnswers502Promptly() throws {
        let proxy = try Fixtures.proxy(upstreamPort: Fixtures.closedPort(), callbackTimeout_ms: 60_000)
        let started = Date()
        let r = try BlockingHTTP.post(port: proxy.port, path: "/start", json: #"{"account":"a","wait":true}"#, timeout_s: 5)
        XCTAssertEqual(r.status, 502)
        XCTAssertTrue((BlockingHTTP.json(r)["error"] as? String ?? "").contains("job server unavailable"))
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "did not wait for the callback timeout")
        let p = proxy.stop()
        XCTAssertEqual(p.waitingClients, 0)
        XCTAssertEqual(p.armedTimers, 0)
    }

    func testUpstream500IsPassedThrough() throws {
        let server = try Fixtures.jobServer(faults: "error-500=1")
        let proxy = try Fixtures.proxy(upstreamPort: server.port)
        let r = try BlockingHTTP.post(port: proxy.port, path: "/start", json: #"{"account":"a","wait":true}"#)
        XCTAssertTrue([500, 503].contains(r.status), "status \(r.status)")
        XCTAssertEqual(BlockingHTTP.json(r)["error"] as? String, "injected fault: job server error")
        XCTAssertEqual(proxy.stop().waitingClients, 0)
    }

    func testSilentUpstreamIsResetAnd504Promptly() throws {
        // The job server takes 2 s to answer a start; the proxy gives it 200 ms.
        let server = try Fixtures.jobServer(job_ms: 10, faults: "slow-start=2s@1")
        let proxy = try Fixtures.proxy(upstreamPort: server.port, callbackTimeout_ms: 60_000, startTimeout_ms: 200)
        let started = Date()
        let r = try BlockingHTTP.post(port: proxy.port, path: "/start", json: #"{"account":"a","wait":true}"#)
        XCTAssertEqual(r.status, 504)
        XCTAssertTrue((BlockingHTTP.json(r)["error"] as? String ?? "").contains("did not answer the start request"))
        XCTAssertLessThan(Date().timeIntervalSince(started), 1.5, "did not wait for the slow server")
        let p = proxy.stop()
        XCTAssertEqual(p.stats.upstreamTimeouts, 1)
        XCTAssertEqual(p.waitingClients, 0)
        XCTAssertEqual(p.armedTimers, 0)
    }

    func testMissingCallbackTimesOutWith504() throws {
        let server = try Fixtures.jobServer(job_ms: 50, faults: "drop-callback=1")
        let proxy = try Fixtures.proxy(upstreamPort: server.port, callbackTimeout_ms: 300)
        let r = try BlockingHTTP.post(port: proxy.port, path: "/start", json: #"{"account":"a","wait":true}"#)
        XCTAssertEqual(r.status, 504)
        let p = proxy.stop()
        XCTAssertEqual(p.stats.timeouts, 1)
        XCTAssertEqual(p.waitingClients, 0)
    }

    func testHalfClosedClientStillGetsItsAnswer() throws {
        let server = try Fixtures.jobServer(job_ms: 100)
        let proxy = try Fixtures.proxy(upstreamPort: server.port)
        let fd = try BlockingHTTP.connect(port: proxy.port)
        BlockingHTTP.send(fd, BlockingHTTP.request("POST", "/start", body: #"{"account":"a","wait":true}"#))
        shutdown(fd, Int32(SHUT_WR))
        let answer = BlockingHTTP.readAll(fd)
        close(fd)
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 200 "), answer)
        XCTAssertTrue(answer.contains("\"proof\""), answer)
        XCTAssertEqual(proxy.stop().stats.jobsDelivered, 1)
    }

    func testClientGoneBeforeCallbackFreesStateAndLateCallbackIsAcknowledged() throws {
        let server = try Fixtures.jobServer(job_ms: 300)
        let proxy = try Fixtures.proxy(upstreamPort: server.port)
        let fd = try BlockingHTTP.connect(port: proxy.port)
        BlockingHTTP.send(fd, BlockingHTTP.request("POST", "/start", body: #"{"account":"a","wait":true}"#))
        XCTAssertTrue(try BlockingHTTP.eventually { BlockingHTTP.json(try BlockingHTTP.get(port: proxy.port, path: "/stats"))["clients_waiting"] as? Int == 1 })
        // An abortive close (RST): a plain close is indistinguishable from a half-close, whose
        // client still waits for its answer (see testHalfClosedClientStillGetsItsAnswer).
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close(fd)
        XCTAssertTrue(try BlockingHTTP.eventually {
            let s = BlockingHTTP.json(try BlockingHTTP.get(port: proxy.port, path: "/stats"))
            return s["clients_gone"] as? Int == 1 && s["clients_waiting"] as? Int == 0
        }, "state freed when the client left")
        XCTAssertTrue(try BlockingHTTP.eventually {
            BlockingHTTP.json(try BlockingHTTP.get(port: proxy.port, path: "/stats"))["callbacks_late"] as? Int == 1
        }, "the later callback was acknowledged")
        // The proxy first: a job server that goes away is probed (a retry timer, rightly armed).
        let p = proxy.stop()
        XCTAssertEqual(server.stop().stats.callbacksAnswered, 1)
        XCTAssertEqual(p.armedTimers, 0)
    }

    func testBadClientInputIs400() throws {
        let proxy = try Fixtures.proxy(upstreamPort: Fixtures.closedPort())
        XCTAssertEqual(try BlockingHTTP.post(port: proxy.port, path: "/start", json: "not json").status, 400)
        XCTAssertEqual(try BlockingHTTP.post(port: proxy.port, path: "/start", json: #"{"wait":true}"#).status, 400)
        XCTAssertEqual(try BlockingHTTP.post(port: proxy.port, path: "/start", json: #"{"account":"a","wait":1}"#).status, 400)
        XCTAssertEqual(try BlockingHTTP.get(port: proxy.port, path: "/start").status, 405)
        XCTAssertEqual(try BlockingHTTP.get(port: proxy.port, path: "/healthz").status, 200)
    }

    func testWaitFalseIsForwardedTransparently() throws {
        let server = try Fixtures.jobServer(job_ms: 50)
        let proxy = try Fixtures.proxy(upstreamPort: server.port)
        // The callback goes to the proxy itself under a token it never issued: 404 there, which
        // proves the client's own callback URL was forwarded untouched.
        let body = #"{"account":"a","wait":false,"callback":"http://127.0.0.1:\#(proxy.port)/callback/not-ours"}"#
        let r = try BlockingHTTP.post(port: proxy.port, path: "/start", json: body)
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(BlockingHTTP.json(r)["state"] as? String, "running")
        XCTAssertTrue(try BlockingHTTP.eventually {
            BlockingHTTP.json(try BlockingHTTP.get(port: proxy.port, path: "/stats"))["callbacks_unknown"] as? Int == 1
        })
        XCTAssertEqual(proxy.stop().stats.forwardedAsync, 1)
    }

    func testManyAccountsEachGetOneUpstreamConnection() throws {
        let server = try Fixtures.jobServer(job_ms: 100, hold: .connection)
        let proxy = try Fixtures.proxy(upstreamPort: server.port)
        let group = DispatchGroup()
        let reports = Locked<[JobClientReport]>([])
        for a in 0..<4 {
            group.enter()
            Thread.detachNewThread {
                let (r, _) = Fixtures.runClient(port: proxy.port, account: "acct\(a)", jobs: 25)
                reports.mutate { $0.append(r) }
                group.leave()
            }
        }
        XCTAssertEqual(group.wait(timeout: .now() + 20), .success)
        XCTAssertEqual(reports.value.filter(\.passed).count, 4, reports.value.map(\.text).joined())
        XCTAssertEqual(proxy.stop().upstreamConnections, 4)
    }
}

extension TestServer where P == JobServerPipeline {
    /// True once the server has had `n` callbacks answered (then it is stopped).
    func stopIfAnswered(_ n: Int) -> Bool {
        guard let s = try? BlockingHTTP.get(port: port, path: "/stats"),
              (BlockingHTTP.json(s)["callbacks_answered"] as? Int ?? 0) >= n else { return false }
        return true
    }
}

final class Locked<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var v: T
    init(_ v: T) { self.v = v }
    func mutate(_ f: (inout T) -> Void) { lock.lock(); f(&v); lock.unlock() }
    var value: T { lock.lock(); defer { lock.unlock() }; return v }
}
