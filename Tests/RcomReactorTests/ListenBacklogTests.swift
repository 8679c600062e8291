import RcomReactor
import XCTest

final class ListenBacklogTests: XCTestCase {
    func testAsksForWhatTheServerMayHoldAndSaysWhenTheKernelCapsIt() {
        let capped = ListenBacklog(connections: 15_000, somaxconn: 4096)
        XCTAssertEqual(capped.requested, 15_000)
        XCTAssertEqual(capped.effective, 4096)
        XCTAssertTrue(capped.shortfall?.contains("sysctl -w net.core.somaxconn=15000") ?? false)
        let roomy = ListenBacklog(connections: 1000, somaxconn: 65_535)
        XCTAssertEqual(roomy.effective, 65_535, "never below the kernel's cap: newcomers past the bound wait there for their 503")
        XCTAssertNil(roomy.shortfall)
        XCTAssertEqual(ListenBacklog(connections: 40, somaxconn: nil).requested, 4096, "somaxconn unreadable: the old default")
        XCTAssertEqual(ListenBacklog(connections: .max, somaxconn: nil).requested, Int(Int32.max))
    }

    func testReadsTheKernelsCap() throws {
        let text = try String(contentsOfFile: "/proc/sys/net/core/somaxconn", encoding: .utf8)
        XCTAssertEqual(ListenBacklog.readSomaxconn(), Int(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// A server that holds only 8 connections still gets a backlog for a burst of hundreds: they
    /// all complete their handshake while nobody accepts (none waits for a SYN retransmit).
    func testABurstWithinTheBacklogIsQueuedByTheKernel() throws {
        let burst = min(ListenBacklog.readSomaxconn() ?? 128, 512)
        let listener = try BoundListener.open(host: "127.0.0.1", port: 0, backlog: ListenBacklog(connections: 8))
        defer { listener.close() }
        var fds: [Int32] = []
        defer { fds.forEach { _ = Glibc.close($0) } }
        for _ in 0..<burst {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            // A handshake the backlog dropped would block connect for minutes: bound it.
            var timeout = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(listener.port).bigEndian)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            XCTAssertEqual(rc, 0, "connect \(fds.count + 1) of \(burst): errno \(errno)")
            fds.append(fd)
        }
    }
}
