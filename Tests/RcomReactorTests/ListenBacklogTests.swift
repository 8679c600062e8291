import RcomReactor
import XCTest

final class ListenBacklogTests: XCTestCase {
    func testAsksForWhatTheServerMayHoldAndSaysWhenTheKernelCapsIt() {
        let capped = ListenBacklog(connections: 15_000, somaxconn: 4096)
        XCTAssertEqual(capped.requested, 15_000)
        XCTAssertEqual(capped.effective, 4096)
        XCTAssertTrue(capped.shortfall?.contains("sysctl -w net.core.somaxconn=15000") ?? false)
        let roomy = ListenBacklog(connections: 1000, somaxconn: 65_535)
        XCTAssertEqual(roomy.effective, 1000)
        XCTAssertNil(roomy.shortfall)
        XCTAssertEqual(ListenBacklog(connections: .max, somaxconn: nil).requested, Int(Int32.max))
    }

    func testReadsTheKernelsCap() throws {
        let text = try String(contentsOfFile: "/proc/sys/net/core/somaxconn", encoding: .utf8)
        XCTAssertEqual(ListenBacklog.readSomaxconn(), Int(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// A burst of connects beyond the old fixed 4,096 (up to somaxconn) all wait in the backlog
    /// of a listener nobody accepts on yet: none is refused or left waiting for a retransmit.
    func testABurstWithinTheBacklogIsQueuedByTheKernel() throws {
        let burst = min(ListenBacklog.readSomaxconn() ?? 128, 512)
        let listener = try BoundListener.open(host: "127.0.0.1", port: 0, backlog: ListenBacklog(connections: burst))
        defer { listener.close() }
        var fds: [Int32] = []
        defer { fds.forEach { _ = Glibc.close($0) } }
        for _ in 0..<burst {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
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
