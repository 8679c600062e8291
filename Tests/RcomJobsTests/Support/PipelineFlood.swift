import Foundation
import Glibc
import RcomCore
import RcomReactor

/// One connection that pipelines `count` GET requests without reading until the server stops
/// taking them (its read back-pressure), then reads every answer while sending the rest.
/// Which path each request asks for follows a fixed pattern, so the statuses prove the order.
struct PipelineFlood {
    struct Result {
        /// The server's RSS before the flood, and when it had stopped reading (KiB).
        var rssBefore_kib = 0, rssStalled_kib = 0
        /// Requests the connection had written when the server stopped taking them.
        var writtenAtStall = 0
        var answers = 0
        /// The first answer whose status is not the one its request calls for.
        var firstOutOfOrder: Int?
    }

    let count: Int
    /// `path(i)` for request i and the status it must get.
    let pattern: (Int) -> (path: String, status: Int)
    /// A padding header makes each request about 200 bytes: 100,000 of them (20 MB) outgrow the
    /// kernel's socket buffers, so the server's back-pressure is what stops the writer.
    static let padding = String(repeating: "x", count: 120)

    static func rss_kib(pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    func run(port: Int, pid: Int32, stallWait_ms: Int32 = 3_000) throws -> Result {
        var result = Result(rssBefore_kib: Self.rss_kib(pid: pid))
        let fd = try BlockingHTTP.connect(port: port, timeout_s: 30)
        defer { close(fd) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var pending: [UInt8] = []
        var next = 0
        func refill() {
            while pending.count < 64 << 10 && next < count {
                pending += Array("GET \(pattern(next).path) HTTP/1.1\r\nHost: t\r\nX-Pad: \(Self.padding)\r\n\r\n".utf8)
                next += 1
            }
        }
        /// Writes what it can; false when the socket would block.
        func write() -> Bool {
            refill()
            while !pending.isEmpty {
                let n = pending.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n < 0 { return false }
                pending.removeFirst(n)
                refill()
            }
            return true
        }
        // Phase 1: write without reading until the socket has not drained for stallWait_ms.
        while !write() {
            var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            if poll(&p, 1, stallWait_ms) == 0 { break }
        }
        result.writtenAtStall = next - pending.count / 200
        result.rssStalled_kib = Self.rss_kib(pid: pid)
        // Phase 2: read every answer, writing the rest as the server takes it.
        var decoder = HTTPResponseDecoder()
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while result.answers < count {
            let wantWrite = !pending.isEmpty || next < count
            var p = pollfd(fd: fd, events: Int16(POLLIN) | (wantWrite ? Int16(POLLOUT) : 0), revents: 0)
            guard poll(&p, 1, 30_000) > 0 else { throw BlockingHTTP.Failure(description: "no progress for 30 s at answer \(result.answers)") }
            if p.revents & Int16(POLLOUT) != 0 { _ = write() }
            guard p.revents & Int16(POLLIN | POLLHUP) != 0 else { continue }
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { if n == 0 || errno != EAGAIN { break } else { continue } }
            decoder.receive(buf[0..<n])
            decoding: while true {
                switch decoder.next() {
                case .message(let r):
                    if result.firstOutOfOrder == nil, r.status != pattern(result.answers).status { result.firstOutOfOrder = result.answers }
                    result.answers += 1
                case .error(let e): throw BlockingHTTP.Failure(description: "bad response \(result.answers): \(e)")
                default: break decoding
                }
            }
        }
        return result
    }
}
