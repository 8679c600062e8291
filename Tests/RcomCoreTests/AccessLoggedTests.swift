import XCTest
@testable import RcomCore

final class AccessLoggedTests: XCTestCase {
    /// Answers each request with its path as the body; "/slow" is answered on the next timer,
    /// in two writes; "/drop" is never answered.
    struct Echo: EventPipeline {
        var decoders: [ConnectionID: HTTPRequestDecoder] = [:]
        var slow: [ConnectionID] = []

        mutating func handle(_ event: ReactorEvent, now_ns: Instant_ns) -> [ReactorEffect] {
            switch event {
            case .accepted(let id, _):
                decoders[id] = HTTPRequestDecoder()
                return []
            case .received(let id, let bytes):
                guard decoders[id] != nil else { return [] }
                decoders[id]!.receive(bytes)
                var effects: [ReactorEffect] = []
                while case .message(let r) = decoders[id]!.next() {
                    if r.path == "/slow" { slow.append(id); continue }
                    if r.path == "/drop" { continue }
                    // HEAD: the headers of the GET answer, no body (as a server must).
                    var response = HTTPResponse(status: r.path == "/missing" ? 404 : 200, body: r.method == "HEAD" ? [] : Array(r.path.utf8))
                    if r.method == "HEAD" { response.headers.set("Content-Length", String(r.path.utf8.count)) }
                    effects.append(.write(id, HTTPSerializer.bytes(response)))
                }
                return effects
            case .timer:
                let bytes = HTTPSerializer.bytes(HTTPResponse(status: 201, body: Array("slow!".utf8)))
                return slow.flatMap { [ReactorEffect.write($0, Array(bytes.prefix(10))), .write($0, Array(bytes.dropFirst(10)))] }
            default:
                return []
            }
        }
    }

    func testOneRecordPerRequestInOrderWithStatusDurationAndBytes() {
        var records: [AccessRecord] = []
        var p = AccessLogged(Echo()) { records.append($0) }
        let a = ConnectionID(raw: 1)
        _ = p.handle(.accepted(a, listener: 0), now_ns: 0)
        let two = "GET /one?x=1 HTTP/1.1\r\nHost: h\r\n\r\nHEAD /missing HTTP/1.1\r\nHost: h\r\n\r\nPOST /slow HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi"
        let effects = p.handle(.received(a, Array(two.utf8)), now_ns: 1_000)
        XCTAssertEqual(effects.count, 2, "the pipeline's effects pass through unchanged")
        XCTAssertEqual(records, [AccessRecord(method: "GET", target: "/one?x=1", status: 200, duration_ns: 0, bytes: 4),
                                 AccessRecord(method: "HEAD", target: "/missing", status: 404, duration_ns: 0, bytes: 0)])
        _ = p.handle(.timer(TimerID(raw: 1)), now_ns: 5_001_000)
        XCTAssertEqual(records.last, AccessRecord(method: "POST", target: "/slow", status: 201, duration_ns: 5_000_000, bytes: 5),
                       "a response split over two writes is one record, timed from the request's arrival")
    }

    func testUnansweredRequestsAreLoggedWithStatusZeroWhenTheConnectionEnds() {
        var records: [AccessRecord] = []
        var p = AccessLogged(Echo()) { records.append($0) }
        let a = ConnectionID(raw: 7)
        _ = p.handle(.accepted(a, listener: 0), now_ns: 0)
        _ = p.handle(.received(a, Array("GET /drop HTTP/1.1\r\nHost: h\r\n\r\n".utf8)), now_ns: 10)
        XCTAssertEqual(records, [])
        _ = p.handle(.closed(a, reason: "reset by peer"), now_ns: 110)
        XCTAssertEqual(records, [AccessRecord(method: "GET", target: "/drop", status: 0, duration_ns: 100, bytes: 0)])
    }

    func testOutboundConnectionsAreNotLogged() {
        var records: [AccessRecord] = []
        var p = AccessLogged(Echo()) { records.append($0) }
        let out = ConnectionID.outbound(1)
        _ = p.handle(.received(out, Array("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".utf8)), now_ns: 0)
        XCTAssertEqual(records, [])
    }
}
