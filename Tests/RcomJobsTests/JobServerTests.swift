import Foundation
import Glibc
import XCTest
import RcomCore
@testable import RcomJobs

final class JobServerTests: XCTestCase {
    private static func startBody(_ account: String, callbackPort: Int? = nil) -> String {
        if let p = callbackPort { return #"{"account":"\#(account)","wait":false,"callback":"http://127.0.0.1:\#(p)/cb"}"# }
        return #"{"account":"\#(account)","wait":true}"#
    }

    /// Runs `count` wait:true jobs at once on separate connections; returns the elapsed seconds.
    private func concurrentWaitJobs(port: Int, account: String, count: Int) -> Double {
        let start = Date()
        let group = DispatchGroup()
        let statuses = Locked<[Int]>([])
        for _ in 0..<count {
            group.enter()
            Thread.detachNewThread {
                let r = try? BlockingHTTP.post(port: port, path: "/start", json: Self.startBody(account))
                statuses.mutate { $0.append(r?.status ?? -1) }
                group.leave()
            }
        }
        _ = group.wait(timeout: .now() + 30)
        XCTAssertEqual(statuses.value, Array(repeating: 200, count: count))
        return Date().timeIntervalSince(start)
    }

    func testOneHandlerPerAccountSerialisesWaitJobs() throws {
        for hold in HandlerHold.allCases {
            let server = try Fixtures.jobServer(job_ms: 100, hold: hold)
            let elapsed = concurrentWaitJobs(port: server.port, account: "a", count: 5)
            XCTAssertGreaterThanOrEqual(elapsed, 0.5, "hold \(hold): five 100 ms jobs of one account ran one after another")
            XCTAssertGreaterThanOrEqual(server.stop().stats.handlerWaits, 4)
        }
    }

    func testDifferentAccountsDoNotBlockEachOther() throws {
        let server = try Fixtures.jobServer(job_ms: 300)
        let group = DispatchGroup()
        let elapsed = Locked<[Double]>([])
        for account in ["a", "b", "c", "d"] {
            group.enter()
            Thread.detachNewThread {
                let start = Date()
                _ = try? BlockingHTTP.post(port: server.port, path: "/start", json: Self.startBody(account))
                elapsed.mutate { $0.append(Date().timeIntervalSince(start)) }
                group.leave()
            }
        }
        XCTAssertEqual(group.wait(timeout: .now() + 10), .success)
        XCTAssertLessThan(elapsed.value.max() ?? 99, 1.0, "four accounts' 300 ms jobs ran side by side")
    }

    func testHoldConnectionKeepsHandlerUntilClose() throws {
        let server = try Fixtures.jobServer(job_ms: 50, hold: .connection)
        let holder = try BlockingHTTP.connect(port: server.port)
        BlockingHTTP.send(holder, BlockingHTTP.request("POST", "/start", body: Self.startBody("a")))
        XCTAssertEqual(try BlockingHTTP.readResponse(holder).status, 200)
        // The first connection still holds account a's handler: a second connection waits...
        let second = try BlockingHTTP.connect(port: server.port)
        defer { close(second) }
        BlockingHTTP.send(second, BlockingHTTP.request("POST", "/start", body: Self.startBody("a")))
        XCTAssertTrue(BlockingHTTP.eventually { (try? BlockingHTTP.get(port: server.port, path: "/stats")).map { BlockingHTTP.json($0)["handler_waits"] as? Int == 1 } ?? false })
        // ...until the first one closes.
        close(holder)
        XCTAssertEqual(try BlockingHTTP.readResponse(second).status, 200)
    }

    func testCallbackDeliveryAndFieldFormats() throws {
        let log = Locked<[CallbackSink.Received]>([])
        let sink = try TestServer(CallbackSink(log: log))
        let server = try Fixtures.jobServer(job_ms: 50)
        let r = try BlockingHTTP.post(port: server.port, path: "/start", json: Self.startBody("a", callbackPort: sink.port))
        XCTAssertEqual(r.status, 200)
        let running = BlockingHTTP.json(r)
        XCTAssertEqual(running["state"] as? String, "running")
        let id = try XCTUnwrap(running["id"] as? String)
        XCTAssertTrue(JobProof.isWellFormedID(id))
        XCTAssertTrue(BlockingHTTP.eventually { log.value.count == 1 })
        let cb = try XCTUnwrap((try? JSONSerialization.jsonObject(with: Data(log.value[0].body))) as? [String: String])
        XCTAssertEqual(cb["id"], id)
        XCTAssertEqual(cb["state"], "completed")
        XCTAssertNotNil(ISO8601.parse(cb["startedAt"] ?? ""), "startedAt like 2015-06-29T15:28:55.497Z")
        XCTAssertTrue(JobProof.verify(secret: Fixtures.secret, id: id, startedAt: cb["startedAt"]!, proof: cb["proof"] ?? ""))
    }

    func testBadInputIsExplained() throws {
        let server = try Fixtures.jobServer()
        let cases: [(String, Int, String)] = [
            ("{nope", 400, "not a JSON object"),
            (#"{"wait":true}"#, 400, "account"),
            (#"{"account":"","wait":true}"#, 400, "account"),
            (#"{"account":"a","wait":false}"#, 400, "callback"),
            (#"{"account":"a","wait":false,"callback":"ftp://x/y"}"#, 400, "http"),
            (#"{"account":"a","wait":"yes"}"#, 400, "wait"),
        ]
        for (body, status, needle) in cases {
            let r = try BlockingHTTP.post(port: server.port, path: "/start", json: body)
            XCTAssertEqual(r.status, status, body)
            XCTAssertTrue((BlockingHTTP.json(r)["error"] as? String ?? "").contains(needle), "\(body): \(String(decoding: r.body, as: UTF8.self))")
        }
        XCTAssertEqual(try BlockingHTTP.post(port: server.port, path: "/nowhere", json: "{}").status, 404)
        XCTAssertEqual(try BlockingHTTP.get(port: server.port, path: "/start").status, 405)
        XCTAssertEqual(try BlockingHTTP.get(port: server.port, path: "/healthz").status, 200)
    }

    // MARK: faults, each observed from the receiving side

    func testDropCallbackNeverArrives() throws {
        let log = Locked<[CallbackSink.Received]>([])
        let sink = try TestServer(CallbackSink(log: log))
        let server = try Fixtures.jobServer(job_ms: 20, faults: "drop-callback=1")
        for _ in 0..<3 { XCTAssertEqual(try BlockingHTTP.post(port: server.port, path: "/start", json: Self.startBody("a", callbackPort: sink.port)).status, 200) }
        // The server has decided every job (completed) before we look at the sink.
        XCTAssertTrue(BlockingHTTP.eventually { (try? BlockingHTTP.get(port: server.port, path: "/stats")).map { BlockingHTTP.json($0)["jobs_completed"] as? Int == 3 } ?? false })
        XCTAssertEqual(log.value.count, 0)
        XCTAssertEqual(server.stop().stats.faults[.dropCallback], 3)
    }

    func testDuplicateCallbackArrivesTwice() throws {
        let log = Locked<[CallbackSink.Received]>([])
        let sink = try TestServer(CallbackSink(log: log))
        let server = try Fixtures.jobServer(job_ms: 20, faults: "duplicate-callback=1")
        _ = try BlockingHTTP.post(port: server.port, path: "/start", json: Self.startBody("a", callbackPort: sink.port))
        XCTAssertTrue(BlockingHTTP.eventually { log.value.count == 2 })
        XCTAssertEqual(log.value[0].body, log.value[1].body)
    }

    func testEarlyCallbackArrivesBeforeStartResponse() throws {
        let log = Locked<[CallbackSink.Received]>([])
        let sink = try TestServer(CallbackSink(log: log))
        let server = try Fixtures.jobServer(job_ms: 20, faults: "early-callback=1")
        let r = try BlockingHTTP.post(port: server.port, path: "/start", json: Self.startBody("a", callbackPort: sink.port))
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(log.value.count, 1, "the callback was already delivered when the start response came")
    }

    func testDelayCallbackArrivesLate() throws {
        let log = Locked<[CallbackSink.Received]>([])
        let sink = try TestServer(CallbackSink(log: log))
        let server = try Fixtures.jobServer(job_ms: 20, faults: "delay-callback=300ms@1")
        let start = Date()
        _ = try BlockingHTTP.post(port: server.port, path: "/start", json: Self.startBody("a", callbackPort: sink.port))
        XCTAssertTrue(BlockingHTTP.eventually { log.value.count == 1 })
        XCTAssertGreaterThanOrEqual(log.value[0].at.timeIntervalSince(start), 0.3)
    }

    func testErrorResetAndSlowStart() throws {
        let errors = try Fixtures.jobServer(faults: "error-500=1")
        XCTAssertTrue([500, 503].contains(try BlockingHTTP.post(port: errors.port, path: "/start", json: Self.startBody("a")).status))

        let resets = try Fixtures.jobServer(faults: "reset=1")
        XCTAssertThrowsError(try BlockingHTTP.post(port: resets.port, path: "/start", json: Self.startBody("a"))) { e in
            XCTAssertTrue("\(e)".contains("errno 104") || "\(e)".contains("closed"), "\(e)")
        }

        let slow = try Fixtures.jobServer(job_ms: 10, faults: "slow-start=300ms@1")
        let start = Date()
        XCTAssertEqual(try BlockingHTTP.post(port: slow.port, path: "/start", json: Self.startBody("a")).status, 200)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.3)
        XCTAssertEqual(slow.stop().stats.faults[.slowStart], 1)
    }

    func testFaultScheduleIsReproducibleForASeed() {
        func schedule(seed: UInt64) -> [Int] {
            var h = EmbeddedHarness(JobServerPipeline(config: Fixtures.jobServerConfig(faults: "error-500=0.5", seed: seed), entropy: SeededEntropy(seed: 1)))
            var statuses: [Int] = []
            for i in 0..<20 {
                let c = ConnectionID(raw: UInt64(i + 1))
                h.feed(.accepted(c, listener: 0))
                h.feed(.received(c, HTTPSerializer.bytes(BlockingHTTP.request("POST", "/start", body: #"{"account":"a\#(i)","wait":false,"callback":"http://127.0.0.1:9/x"}"#))))
                for case .write(let conn, let bytes) in h.drainEffects() where conn == c {
                    var d = HTTPResponseDecoder()
                    d.receive(bytes)
                    if case .message(let r) = d.next() { statuses.append(r.status) }
                }
            }
            return statuses
        }
        XCTAssertEqual(schedule(seed: 42), schedule(seed: 42))
        XCTAssertNotEqual(schedule(seed: 42), schedule(seed: 43))
        XCTAssertTrue(schedule(seed: 42).contains(200) && schedule(seed: 42).contains { $0 >= 500 })
    }
}
