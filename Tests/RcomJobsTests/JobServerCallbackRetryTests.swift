import Foundation
import XCTest
import RcomCore
@testable import RcomJobs

/// issue 28: in a rolling restart behind nginx, a callback written on a kept-alive connection
/// that nginx's old worker closes at the reload got no answer; the job server retried it once,
/// but on another idle kept-alive connection to the same old worker, closed just the same, and
/// gave the callback up: the waiting client got 504 after --callback-timeout. Measured with
/// scripts/scale-out (rolling restart): callbacks failed 3 and 8 in two of six runs, each one a
/// 504, none of them in nginx's access log.
final class JobServerCallbackRetryTests: XCTestCase {
    private static func startBody(_ account: String, port: Int) -> String {
        #"{"account":"\#(account)","wait":false,"callback":"http://127.0.0.1:\#(port)/callback/p1/\#(account)"}"#
    }

    private static func stat(_ server: TestServer<JobServerPipeline>, _ name: String) -> Int {
        (try? BlockingHTTP.get(port: server.port, path: "/stats")).flatMap { BlockingHTTP.json($0)[name] as? Int } ?? -1
    }

    func testACallbackClosedUnderItAtAReloadIsRetriedOnANewConnectionNotAnotherIdleOne() throws {
        let tally = Locked(ReloadingReceiver.Tally())
        let receiver = try TestServer(ReloadingReceiver(tally: tally, spreadOver: 2))
        let server = try Fixtures.jobServer(job_ms: 20)
        // Two callbacks at once: the job server keeps two kept-alive connections to the receiver.
        for account in ["a", "b"] {
            XCTAssertEqual(try BlockingHTTP.post(port: server.port, path: "/start", json: Self.startBody(account, port: receiver.port)).status, 200)
        }
        XCTAssertTrue(BlockingHTTP.eventually { Self.stat(server, "callbacks_answered") == 2 })
        XCTAssertEqual(tally.value.connectionsAccepted, 2, "both callbacks went out at once, on two connections")

        ReloadingReceiver.reload(tally)
        XCTAssertEqual(try BlockingHTTP.post(port: server.port, path: "/start", json: Self.startBody("c", port: receiver.port)).status, 200)
        XCTAssertTrue(BlockingHTTP.eventually { Self.stat(server, "callbacks_answered") + Self.stat(server, "callbacks_failed") >= 3 })

        let stats = server.stop().stats
        XCTAssertEqual(stats.callbacksFailed, 0, "the third callback was given up")
        XCTAssertEqual(stats.callbacksAnswered, 3)
        XCTAssertEqual(stats.callbackRetries, 1, "one retry, and only one")
        let t = tally.value
        XCTAssertEqual(t.closedUnanswered, 1, "the first try hit an old connection; the retry did not")
        XCTAssertEqual(t.answered, 3)
        XCTAssertEqual(t.connectionsAccepted, 3, "the retry opened a new connection")
        receiver.stop()
    }

    func testACallbackWhoseAnswerHadBegunIsNotSentAgain() throws {
        // The receiver sends half a response and closes: it had the callback, so no retry.
        let port = try HalfAnswerReceiver.start()
        defer { port.stop() }
        let server = try Fixtures.jobServer(job_ms: 20)
        XCTAssertEqual(try BlockingHTTP.post(port: server.port, path: "/start", json: Self.startBody("a", port: port.port)).status, 200)
        XCTAssertTrue(BlockingHTTP.eventually { Self.stat(server, "callbacks_failed") == 1 })
        let stats = server.stop().stats
        XCTAssertEqual(stats.callbackRetries, 0)
        XCTAssertEqual(stats.callbacksSent, 1)
        XCTAssertEqual(port.requests.value, 1)
    }
}

/// Reads one request per connection, writes the first line of an answer, closes.
struct HalfAnswerReceiver: EventPipeline {
    let requests: Locked<Int>
    private var decoders: [ConnectionID: HTTPRequestDecoder] = [:]

    init(requests: Locked<Int>) { self.requests = requests }

    static func start() throws -> (port: Int, requests: Locked<Int>, stop: () -> Void) {
        let requests = Locked(0)
        let server = try TestServer(HalfAnswerReceiver(requests: requests))
        return (server.port, requests, { server.stop() })
    }

    mutating func handle(_ event: ReactorEvent, now_ns: Instant_ns) -> [ReactorEffect] {
        switch event {
        case .accepted(let c, _): decoders[c] = HTTPRequestDecoder()
        case .received(let c, let bytes):
            decoders[c]?.receive(bytes)
            if case .message? = decoders[c]?.next() {
                requests.mutate { $0 += 1 }
                return [.write(c, Array("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n".utf8)), .close(c)]
            }
        case .readClosed(let c): return [.close(c)]
        case .closed(let c, _): decoders[c] = nil
        case .shutdown: return [.stop(exitCode: 0)]
        default: break
        }
        return []
    }
}
