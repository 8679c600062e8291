import Foundation
import XCTest
@testable import RcomCore

/// A chunked body that arrives in small reads must cost time linear in its size. Found while
/// profiling scripts/fuzz-http (2026-12-08): both decoders handed `parseHead` to the byte stream
/// as a method value, a closure holding a copy of the decoder, so the body being built was shared
/// during every `next()` and each read's bytes, appended, copied the whole body so far: O(n²).
/// The check is a ratio measured side by side in this thread's CPU time (other processes on a
/// busy machine do not count): linear work gives about 4 for 4 times the bytes, the quadratic
/// decoder gave 13 to 16 (reads of 64 bytes make the copies dominate).
final class HTTPTrickledBodyTests: XCTestCase {
    private static let piece = 64
    private static let limits = HTTPLimits(bodyBytesMax: 4 << 20)

    /// A head, then one chunk of `n` bytes, fed `piece` bytes per `receive`.
    private func chunkedMessage(_ head: String, bodyBytes n: Int) -> (head: [UInt8], rest: [UInt8]) {
        let body = [UInt8](repeating: UInt8(ascii: "a"), count: n)
        return (Array(head.utf8), Array("\(String(n, radix: 16))\r\n".utf8) + body + Array("\r\n0\r\n\r\n".utf8))
    }

    private func trickleRequest(bodyBytes n: Int) -> Double {
        let m = chunkedMessage("POST /callback/t HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", bodyBytes: n)
        var decoder = HTTPRequestDecoder(limits: Self.limits)
        decoder.receive(m.head)
        let started = Self.cpuSeconds()
        var body: [UInt8]?
        for i in stride(from: 0, to: m.rest.count, by: Self.piece) {
            decoder.receive(m.rest[i..<min(i + Self.piece, m.rest.count)])
            switch decoder.next() {
            case .message(let r): body = r.body
            case .needData: continue
            case let other: XCTFail("byte \(i): \(other)"); return 0
            }
        }
        let seconds = Self.cpuSeconds() - started
        XCTAssertEqual(body?.count, n)
        return seconds
    }

    private func trickleResponse(bodyBytes n: Int) -> Double {
        let m = chunkedMessage("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", bodyBytes: n)
        var decoder = HTTPResponseDecoder(limits: Self.limits)
        decoder.requestSent(isHead: false)
        decoder.receive(m.head)
        let started = Self.cpuSeconds()
        var body: [UInt8]?
        for i in stride(from: 0, to: m.rest.count, by: Self.piece) {
            decoder.receive(m.rest[i..<min(i + Self.piece, m.rest.count)])
            switch decoder.next() {
            case .message(let r): body = r.body
            case .needData: continue
            case let other: XCTFail("byte \(i): \(other)"); return 0
            }
        }
        let seconds = Self.cpuSeconds() - started
        XCTAssertEqual(body?.count, n)
        return seconds
    }

    private static func cpuSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// The fastest of five runs at n and at 4n bytes, so a hiccup inflates neither alone.
    private func growth(_ decode: (Int) -> Double, bodyBytes n: Int) -> (ratio: Double, small: Double, large: Double) {
        let small = (0..<5).map { _ in decode(n) }.min()!
        let large = (0..<5).map { _ in decode(4 * n) }.min()!
        return (large / max(small, 1e-6), small, large)
    }

    func testRequestBodyInSmallReadsIsLinear() {
        let g = growth(trickleRequest, bodyBytes: 256 * 1024)
        XCTAssertLessThan(g.ratio, 8, "4× the body took \(g.ratio)× the time (\(g.small) s, \(g.large) s): quadratic")
    }

    func testResponseBodyInSmallReadsIsLinear() {
        let g = growth(trickleResponse, bodyBytes: 256 * 1024)
        XCTAssertLessThan(g.ratio, 8, "4× the body took \(g.ratio)× the time (\(g.small) s, \(g.large) s): quadratic")
    }
}
