import Foundation
import XCTest
import RcomCore
@testable import RcomNotify

/// `ServePipeline` sans-IO: bytes and time in, effects out; the store worker's side is a queue
/// that keeps what it is given, and its answers are the wakeups the worker would post.
final class ServePipelineTests: XCTestCase {
    final class KeptQueue: ServeQueue {
        var jobs: [ServeJob] = []
        var room = true
        func submit(_ job: ServeJob) -> Bool {
            guard room else { return false }
            jobs.append(job)
            return true
        }
    }

    let key = "rk_" + String(repeating: "ab", count: 32)
    let queue = KeptQueue()

    func pipeline(rate: Double = 100, burst: Double = 200) -> ServePipeline {
        ServePipeline(routes: ServeRoutes(parser: ClientsSetup.parser([:])), queue: queue, limits: HTTPServerLimits(),
                      buckets: TokenBuckets(rate: rate, burst: burst), drain_ns: 5_000_000_000)
    }

    func request(_ method: String, _ path: String, body: String = "", key: String? = nil, close: Bool = false) -> [UInt8] {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\n"
        if let key { text += "Authorization: Bearer \(key)\r\n" }
        if close { text += "Connection: close\r\n" }
        return Array((text + "\r\n" + body).utf8)
    }

    func written(_ effects: [ReactorEffect]) -> String {
        effects.compactMap { if case .write(_, let b) = $0 { return String(decoding: b, as: UTF8.self) } else { return nil } }.joined()
    }

    func testAnEventIsAnsweredOnlyWhenTheWorkerSaysItCommitted() {
        var p = pipeline()
        let c = ConnectionID(raw: 1)
        _ = p.handle(.accepted(c, listener: 0), now_ns: 1)
        let effects = p.handle(.received(c, request("POST", "/v1/events", body: #"{"client":"acme","event":"db.x","message":"m"}"#, key: key)), now_ns: 2)
        XCTAssertEqual(written(effects), "", "nothing written before the commit")
        XCTAssertEqual(queue.jobs.count, 1)
        XCTAssertEqual(queue.jobs[0].keyHash, APIKeys.hash(key))
        XCTAssertEqual(queue.jobs[0].work, .postEvent(EventPost(client: "acme", event: "db.x", message: "m", urgent: false, idempotencyKey: nil)))
        var a = ServeAnswers()
        a.accepted = 1
        a.commit_ns = 2_000_000
        a.answers = [.init(ticket: queue.jobs[0].ticket, status: 202, body: Array(#"{"id":"e1"}"#.utf8))]
        XCTAssertEqual(ServeAnswers(payload: a.payload), a, "the payload round-trips")
        let answer = written(p.handle(.wakeup(tag: ServeWorker.wakeTag, payload: a.payload), now_ns: 3))
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 202 Accepted"), answer)
        XCTAssertTrue(answer.hasSuffix(#"{"id":"e1"}"#), answer)
        XCTAssertEqual(p.metrics.eventsAccepted, 1)
        XCTAssertNil(ServeAnswers(payload: [1, 2, 3]), "a truncated payload is refused")
    }

    func testNoKeyIs401AtOnceAndTheBucketSays429WithRetryAfter() {
        var p = pipeline(rate: 0.5, burst: 1)
        let c = ConnectionID(raw: 1)
        _ = p.handle(.accepted(c, listener: 0), now_ns: 1)
        XCTAssertTrue(written(p.handle(.received(c, request("GET", "/v1/clients")), now_ns: 2)).hasPrefix("HTTP/1.1 401 Unauthorized"))
        XCTAssertEqual(written(p.handle(.received(c, request("GET", "/v1/clients", key: key)), now_ns: 3)), "", "to the worker")
        let limited = written(p.handle(.received(c, request("GET", "/v1/clients", key: key)), now_ns: 4))
        XCTAssertEqual(limited, "", "answers stay in order: the 429 waits behind the first")
        var a = ServeAnswers()
        a.answers = [.init(ticket: queue.jobs[0].ticket, status: 200, body: Array("{}".utf8))]
        let both = written(p.handle(.wakeup(tag: ServeWorker.wakeTag, payload: a.payload), now_ns: 5))
        XCTAssertTrue(both.contains("HTTP/1.1 429 Too Many Requests") && both.contains("Retry-After: 2"), both)
        // Two seconds later the bucket holds a token again.
        _ = p.handle(.received(c, request("GET", "/v1/clients", key: key)), now_ns: 2_000_000_005)
        XCTAssertEqual(queue.jobs.count, 2)
    }

    func testADrainAnswersWhatItReadAnd503sTheRestThenStops() {
        var p = pipeline()
        let busy = ConnectionID(raw: 1), late = ConnectionID(raw: 2)
        _ = p.handle(.accepted(busy, listener: 0), now_ns: 1)
        _ = p.handle(.accepted(late, listener: 0), now_ns: 1)
        _ = p.handle(.received(busy, request("GET", "/v1/stats", key: key)), now_ns: 2)
        let drain = p.handle(.shutdown, now_ns: 3)
        XCTAssertFalse(drain.contains(.stop(exitCode: 0)), "one request is still being answered")
        XCTAssertTrue(drain.contains(.setTimer(ServePipeline.drainTimer, deadline_ns: 3 + 5_000_000_000)))
        let refused = written(p.handle(.received(late, request("GET", "/v1/stats", key: key)), now_ns: 4))
        XCTAssertTrue(refused.hasPrefix("HTTP/1.1 503 Service Unavailable") && refused.contains("Connection: close"), refused)
        XCTAssertEqual(queue.jobs.count, 1, "nothing new reaches the store")
        var a = ServeAnswers()
        a.answers = [.init(ticket: queue.jobs[0].ticket, status: 200, body: Array("{}".utf8))]
        let last = p.handle(.wakeup(tag: ServeWorker.wakeTag, payload: a.payload), now_ns: 5)
        XCTAssertTrue(written(last).hasPrefix("HTTP/1.1 200 OK"))
        XCTAssertTrue(last.contains(.stop(exitCode: 0)))
    }

    func testAFullWorkerQueueIs503AndAdminEndpointsStayOffTheAPIListener() {
        var p = ServePipeline(routes: ServeRoutes(parser: ClientsSetup.parser([:])), queue: queue, limits: HTTPServerLimits(),
                              buckets: TokenBuckets(rate: 100, burst: 200), drain_ns: 1, listenerRoles: [.api, .admin])
        let api = ConnectionID(raw: 1), admin = ConnectionID(raw: 2)
        _ = p.handle(.accepted(api, listener: 0), now_ns: 1)
        _ = p.handle(.accepted(admin, listener: 1), now_ns: 1)
        XCTAssertTrue(written(p.handle(.received(api, request("GET", "/metrics")), now_ns: 2)).hasPrefix("HTTP/1.1 404"))
        XCTAssertTrue(written(p.handle(.received(admin, request("GET", "/v1/stats", key: key)), now_ns: 2)).hasPrefix("HTTP/1.1 404"))
        XCTAssertTrue(written(p.handle(.received(admin, request("GET", "/metrics")), now_ns: 3)).contains("rcom_serve_responses_total"))
        queue.room = false
        let full = written(p.handle(.received(api, request("GET", "/v1/stats", key: key)), now_ns: 4))
        XCTAssertTrue(full.hasPrefix("HTTP/1.1 503") && full.contains("Retry-After: 1"), full)
    }

    /// `/metrics` is the registry's page: every counter and gauge on it with its value, the
    /// deliveries by both labels, after an accepted event, a 401 and a delivery report.
    func testMetricsServeEveryRegistryEntry() {
        var p = pipeline()
        let c = ConnectionID(raw: 1)
        _ = p.handle(.accepted(c, listener: 0), now_ns: 1)
        _ = p.handle(.received(c, request("GET", "/v1/clients")), now_ns: 2)
        _ = p.handle(.received(c, request("POST", "/v1/events", body: #"{"client":"acme","event":"db.x","message":"m"}"#, key: key)), now_ns: 3)
        var a = ServeAnswers()
        a.accepted = 1
        a.answers = [.init(ticket: queue.jobs[0].ticket, status: 202, body: Array("{}".utf8))]
        _ = p.handle(.wakeup(tag: ServeWorker.wakeTag, payload: a.payload), now_ns: 4)
        _ = p.handle(.wakeup(tag: DueRunner.wakeTag, payload: Array("slack delivered\nsms failed\nlatency_ms 12\n".utf8)), now_ns: 5)
        let page = written(p.handle(.received(c, request("GET", "/metrics")), now_ns: 6))
        XCTAssertEqual(p.metricsRegistry.missing(metrics: page), [])
        for line in ["rcom_serve_events_accepted_total 1", #"rcom_serve_responses_total{status="401"} 1"#,
                     #"rcom_serve_deliveries_total{channel="sms",outcome="failed"} 1"#, "rcom_serve_delivery_latency_seconds_count 1",
                     "rcom_serve_connections 1"] {
            XCTAssertTrue(page.contains(line + "\n"), line + " in\n" + page)
        }
    }

    func testTheEventBodyIsReadStrictly() {
        let routes = ServeRoutes(parser: ClientsSetup.parser([:]))
        func work(_ body: String, key: String? = nil) -> ServeWork? {
            var r = HTTPRequest(method: "POST", target: "/v1/events")
            r.body = Array(body.utf8)
            if let key { r.headers.add("Idempotency-Key", key) }
            if case .work(let w) = routes.route(r) { return w }
            return nil
        }
        guard case .refuse(422, let body)? = work(#"{"client":"acme","event":"db.x","message":"m","extra":1,"urgent":"yes"}"#) else { return XCTFail() }
        XCTAssertTrue(body.contains("$.extra") && body.contains("$.urgent"), body)
        guard case .refuse(422, _)? = work(#"{"client":"Acme!","event":"db.x","message":"m"}"#) else { return XCTFail("a bad client id") }
        guard case .refuse(422, _)? = work(#"{"client":"acme","event":"db.x","message":"m"}"#, key: "") else { return XCTFail("an empty key") }
        guard case .refuse(400, _)? = work(#"{"client":"acme","client":"acme","event":"db.x","message":"m"}"#) else { return XCTFail("a repeated member") }
        XCTAssertEqual(work(#"{"client":"acme","event":"db.x","message":"m","urgent":true}"#, key: "k-1"),
                       .postEvent(EventPost(client: "acme", event: "db.x", message: "m", urgent: true, idempotencyKey: "k-1")))
    }

    func testKeysHashWithLibcryptoAndScopesParse() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        XCTAssertEqual(APIKeys.hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertTrue(APIKeys.wellFormed(Substring(APIKeys.generate())))
        XCTAssertFalse(APIKeys.wellFormed("rk_XYZ"))
        XCTAssertEqual(try APIScope.parse("read, events:write").get(), [.read, .eventsWrite])
        guard case .failure(let e) = APIScope.parse("read,admin") else { return XCTFail() }
        XCTAssertEqual(e.word, "admin")
    }
}
