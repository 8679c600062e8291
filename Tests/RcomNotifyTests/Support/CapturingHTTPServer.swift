import Foundation
import RcomCore

/// A real HTTP/1.1 server on loopback (kernel-chosen port) that keeps the exact bytes of every
/// request it receives and answers each with one fixed response, then closes. It stands in for
/// Slack, Twilio or a webhook receiver, so a test can assert what went over the wire.
/// Its own thread; one connection at a time; each request bounded by `HTTPLimits.standard`.
final class CapturingHTTPServer: @unchecked Sendable {
    struct Captured {
        let raw: [UInt8]
        let request: HTTPRequest
        var text: String { String(decoding: raw, as: UTF8.self) }
    }

    let port: Int
    private let listener: Int32
    private let response: [UInt8]
    private let lock = NSLock()
    private var captured: [Captured] = []
    private let done = DispatchSemaphore(value: 0)

    /// `response` is written as is after each request (e.g. "HTTP/1.1 200 OK\r\n...").
    init(status: Int = 200, contentType: String = "text/plain", body: String = "ok") throws {
        response = Array("HTTP/1.1 \(status) \(status == 201 ? "Created" : "OK")\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)".utf8)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw NSError(domain: "CapturingHTTPServer", code: Int(errno))
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        listener = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    var requests: [Captured] { lock.withLock { captured } }

    /// Stops accepting and waits for the server thread to end.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        done.wait()
        close(listener)
    }

    private func serve() {
        defer { done.signal() }
        while true {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { return }
            var tv = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            var decoder = HTTPRequestDecoder()
            var raw: [UInt8] = []
            var buf = [UInt8](repeating: 0, count: 65536)
            reading: while true {
                switch decoder.next() {
                case .message(let r):
                    lock.withLock { captured.append(Captured(raw: raw, request: r)) }
                    _ = response.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                    break reading
                case .expectContinue:
                    let cont = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
                    _ = cont.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                case .error, .closed:
                    break reading
                case .needData:
                    let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if n > 0 {
                        raw += buf[0..<n]
                        decoder.receive(buf[0..<n])
                    } else if n == 0 { decoder.receiveEOF() } else { break reading }
                }
            }
            close(fd)
        }
    }
}
