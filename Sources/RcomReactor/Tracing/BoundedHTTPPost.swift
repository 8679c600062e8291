import Glibc
import RcomCore

/// One HTTP/1.1 request and its response over a fresh connection, with a single deadline
/// covering connect, write and read: the blocking client of commands that run without a
/// reactor loop of their own (`BlockingSpanExporter`). Call it off any reactor thread.
///
/// Bounds: the deadline (nothing here waits past it; DNS through getaddrinfo is the one step
/// that cannot be cut short, and numeric hosts skip it); the response is read with
/// `HTTPLimits.standard` (a larger one is a failure).
public enum BoundedHTTPPost {
    public enum Result: Equatable, Sendable {
        case answered(HTTPResponse)
        /// No complete answer: resolution, connect, reset, EOF before the end, or the deadline.
        case failed(String)
    }

    public static func send(_ request: HTTPRequest, to url: HTTPURL, deadline_ns: Instant_ns,
                            now: () -> Instant_ns = MonotonicClock.now_ns) -> Result {
        guard url.scheme == "http" else { return .failed("\(url.scheme):// is not supported here (plain http only)") }
        let address: SocketAddress
        switch SocketAddress.resolve(url.host, port: url.port) {
        case .failure(let e): return .failed(e.message)
        case .success(let a): address = a
        }
        let fd: Int32
        switch Socket.connect(address) {
        case .failed(let e): return .failed(e.message)
        case .connected(let f): fd = f
        case .inProgress(let f):
            fd = f
            guard wait(fd, for: Int16(POLLOUT), deadline_ns: deadline_ns, now: now) else { close(fd); return .failed("connect: no answer in time") }
            if let e = Socket.pendingError(fd) { close(fd); return .failed(e.message) }
        }
        defer { close(fd) }
        var out = HTTPSerializer.bytes(request)[...]
        while !out.isEmpty {
            let n = out.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 { out = out.dropFirst(n); continue }
            guard n < 0, errno == EAGAIN || errno == EINTR else { return .failed(SocketError.errno("send").message) }
            guard wait(fd, for: Int16(POLLOUT), deadline_ns: deadline_ns, now: now) else { return .failed("send: timed out") }
        }
        var decoder = HTTPResponseDecoder()
        decoder.requestSent(isHead: request.method == "HEAD")
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            switch decoder.next() {
            case .message(let r): return .answered(r)
            case .error(let e): return .failed("bad response: \(e)")
            case .closed: return .failed("closed before the response")
            case .needData, .expectContinue: break
            }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { decoder.receive(buffer[0..<n]); continue }
            if n == 0 { decoder.receiveEOF(); continue }
            guard errno == EAGAIN || errno == EINTR else { return .failed(SocketError.errno("recv").message) }
            guard wait(fd, for: Int16(POLLIN), deadline_ns: deadline_ns, now: now) else { return .failed("no response in time") }
        }
    }

    /// Polls `fd` until `events` or the deadline; false at the deadline.
    private static func wait(_ fd: Int32, for events: Int16, deadline_ns: Instant_ns, now: () -> Instant_ns) -> Bool {
        while true {
            let t = now()
            guard t < deadline_ns else { return false }
            var p = pollfd(fd: fd, events: events, revents: 0)
            let ms = Int32(min((deadline_ns - t + 999_999) / 1_000_000, 60_000))
            let rc = poll(&p, 1, ms)
            if rc > 0 { return true }
            if rc < 0 && errno != EINTR { return false }
        }
    }
}
