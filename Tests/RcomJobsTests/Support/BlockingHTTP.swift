import Foundation
import Glibc
import RcomCore
@testable import RcomReactor

/// A deliberately plain blocking HTTP client for tests: one request, one response, with a
/// receive timeout so a hang fails the test instead of stalling it.
enum BlockingHTTP {
    struct Failure: Error, CustomStringConvertible { let description: String }

    static func connect(port: Int, timeout_s: Int = 10) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var tv = timeval(tv_sec: timeout_s, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let rc = SocketAddress.numeric("127.0.0.1", port: port)!.withSockaddr { Glibc.connect(fd, $0, $1) }
        guard rc == 0 else { close(fd); throw Failure(description: "connect failed: errno \(errno)") }
        return fd
    }

    static func send(_ fd: Int32, _ request: HTTPRequest) {
        let bytes = HTTPSerializer.bytes(request)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Everything the peer sends until it closes (or the receive timeout passes), as text.
    static func readAll(_ fd: Int32) -> String {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            out += buf[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func readResponse(_ fd: Int32) throws -> HTTPResponse {
        var decoder = HTTPResponseDecoder()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            switch decoder.next() {
            case .message(let r): return r
            case .error(let e): throw Failure(description: "bad response: \(e)")
            case .closed: throw Failure(description: "connection closed without a response")
            case .needData, .expectContinue: break
            }
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { decoder.receive(buf[0..<n]) } else if n == 0 { decoder.receiveEOF() } else {
                throw Failure(description: "read failed or timed out: errno \(errno)")
            }
        }
    }

    static func post(port: Int, path: String, json: String, timeout_s: Int = 10) throws -> HTTPResponse {
        let fd = try connect(port: port, timeout_s: timeout_s)
        defer { close(fd) }
        send(fd, request("POST", path, body: json))
        return try readResponse(fd)
    }

    static func get(port: Int, path: String) throws -> HTTPResponse {
        let fd = try connect(port: port)
        defer { close(fd) }
        send(fd, request("GET", path))
        return try readResponse(fd)
    }

    static func request(_ method: String, _ path: String, body: String = "") -> HTTPRequest {
        var h = HTTPHeaders()
        h.add("Host", "127.0.0.1")
        if !body.isEmpty { h.add("Content-Type", "application/json") }
        return HTTPRequest(method: method, target: path, headers: h, body: Array(body.utf8))
    }

    static func json(_ r: HTTPResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(r.body))) as? [String: Any] ?? [:]
    }

    /// Polls `condition` until true or the deadline passes (no fixed sleeps: it returns as soon
    /// as the condition holds).
    static func eventually(within seconds: Double = 10, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(2000)
        }
        return try condition()
    }
}
