import Foundation
import Glibc
import Synchronization
import XCTest
import RcomCore
@testable import RcomReactor

/// Server side: echoes every byte; stops on a wakeup. Counts what it received so a test can
/// see (from another thread) whether backpressure held the peer back.
struct EchoPipeline: EventPipeline {
    let received: Arc<Int>
    var echo = true
    mutating func handle(_ event: ReactorEvent, now_ns: Instant_ns) -> [ReactorEffect] {
        switch event {
        case .received(let c, let bytes):
            received.mutate { $0 += bytes.count }
            return echo ? [.write(c, bytes)] : []
        case .readClosed(let c): return [.close(c)]
        case .wakeup(tag: "stop", _), .shutdown: return [.stop(exitCode: 0)]
        default: return []
        }
    }
}

/// Client side: opens `count` connections, sends a distinct message on each, checks the echo,
/// closes, and stops when every connection has finished.
struct EchoClientPipeline: EventPipeline {
    let port: Int
    let count: Int
    var inbox: [ConnectionID: [UInt8]] = [:]
    var finished = 0
    var mismatches = 0
    var failures: [String] = []

    func message(_ c: ConnectionID) -> [UInt8] { Array("hello from \(c.raw & ~ConnectionID.outboundBit)\n".utf8) }

    mutating func handle(_ event: ReactorEvent, now_ns: Instant_ns) -> [ReactorEffect] {
        switch event {
        case .wakeup(tag: "go", _):
            return (1...count).map { .connect(.outbound(UInt64($0)), host: "127.0.0.1", port: port) }
        case .connected(let c):
            return [.write(c, message(c))]
        case .received(let c, let bytes):
            inbox[c, default: []].append(contentsOf: bytes)
            if inbox[c]!.count >= message(c).count {
                if inbox[c]! != message(c) { mismatches += 1 }
                return [.close(c)]
            }
            return []
        case .connectFailed(_, let reason):
            failures.append(reason)
            finished += 1
            return finished == count ? [.stop(exitCode: 1)] : []
        case .closed:
            finished += 1
            return finished == count ? [.stop(exitCode: failures.isEmpty ? 0 : 1)] : []
        default: return []
        }
    }
}

/// A tiny shared cell for cross-thread test observation.
final class Arc<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: T
    init(_ v: T) { value = v }
    func mutate(_ f: (inout T) -> Void) { lock.lock(); f(&value); lock.unlock() }
    var get: T { lock.lock(); defer { lock.unlock() }; return value }
}

final class ReactorEchoTests: XCTestCase {
    func runServer(_ pipeline: EchoPipeline, poller: PollerKind, limits: ReactorLimits = ReactorLimits())
        -> (port: Int, door: WakeupHandle, done: XCTestExpectation) {
        let reactor = Reactor(pipeline: pipeline, poller: poller, limits: limits)
        let port = try! reactor.listen(host: "127.0.0.1", port: 0)
        let done = expectation(description: "server stopped")
        let box = UncheckedBox(reactor)
        Thread.detachNewThread {
            _ = box.value.run()
            done.fulfill()
        }
        return (port, reactor.wakeup, done)
    }

    func thousandClients(poller: PollerKind) throws {
        let server = runServer(EchoPipeline(received: Arc(0)), poller: poller)
        let client = Reactor(pipeline: EchoClientPipeline(port: server.port, count: 1000), poller: poller)
        client.wakeup.post(.wakeup(tag: "go", payload: []))
        let code = client.run()
        XCTAssertEqual(client.pipeline.failures.prefix(3), [])
        XCTAssertEqual(code, 0)
        XCTAssertEqual(client.pipeline.finished, 1000)
        XCTAssertEqual(client.pipeline.mismatches, 0)
        XCTAssertEqual(client.pipeline.inbox.count, 1000, "every connection got its echo")
        server.door.post(.wakeup(tag: "stop", payload: []))
        wait(for: [server.done], timeout: 10)
    }

    func testThousandClientsEchoOverPoll() throws { try thousandClients(poller: .poll) }
    func testThousandClientsEchoOverEpoll() throws { try thousandClients(poller: .epoll) }

    /// A peer that sends but never reads: the server's write queue passes the high-water mark,
    /// the server stops reading, and the sender is held back by TCP instead of the server
    /// buffering without bound.
    func testSlowReaderGetsBackpressure() throws {
        var limits = ReactorLimits()
        limits.writeQueueBytesHigh = 256 << 10
        limits.writeQueueBytesLow = 64 << 10
        limits.writeQueueBytesMax = 64 << 20
        let received = Arc(0)
        let server = runServer(EchoPipeline(received: received), poller: .poll, limits: limits)

        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        let addr = SocketAddress.numeric("127.0.0.1", port: server.port)!
        XCTAssertEqual(addr.withSockaddr { Glibc.connect(fd, $0, $1) }, 0)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        let chunk = [UInt8](repeating: 0x61, count: 64 << 10)
        let target = 256 << 20
        var sent = 0
        var stalledSince: Date?
        let deadline = Date().addingTimeInterval(20)
        // Send until the kernel refuses for a sustained moment (the server stopped reading).
        while sent < target && Date() < deadline {
            let n = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                sent += n
                stalledSince = nil
            } else {
                if stalledSince == nil { stalledSince = Date() }
                if Date().timeIntervalSince(stalledSince!) > 0.5 { break }
                sched_yield()
            }
        }
        XCTAssertLessThan(sent, target, "the sender was never held back")
        // What the server took in is bounded by its queue high-water mark plus socket buffers,
        // far below what we tried to send.
        XCTAssertLessThan(received.get, 32 << 20)
        server.door.post(.wakeup(tag: "stop", payload: []))
        wait(for: [server.done], timeout: 10)
    }

    func testConnectRefusedIsReportedAsEvent() throws {
        struct Once: EventPipeline {
            let port: Int
            var reason: String?
            mutating func handle(_ event: ReactorEvent, now_ns: Instant_ns) -> [ReactorEffect] {
                switch event {
                case .wakeup: return [.connect(.outbound(1), host: "127.0.0.1", port: port)]
                case .connectFailed(_, let r): reason = r; return [.stop(exitCode: 0)]
                case .connected: return [.stop(exitCode: 1)]
                default: return []
                }
            }
        }
        let closedPort = Self.closedPort()
        let r3 = Reactor(pipeline: Once(port: closedPort))
        r3.wakeup.post(.wakeup(tag: "go", payload: []))
        XCTAssertEqual(r3.run(), 0)
        XCTAssertNotNil(r3.pipeline.reason)
        XCTAssertTrue(r3.pipeline.reason!.contains("refused"), r3.pipeline.reason!)
    }

    func testTimersFireInDeadlineOrder() {
        struct Timers: EventPipeline {
            var fired: [UInt64] = []
            mutating func handle(_ event: ReactorEvent, now_ns: Instant_ns) -> [ReactorEffect] {
                switch event {
                case .wakeup:
                    return [.setTimer(TimerID(raw: 3), deadline_ns: now_ns + 30_000_000),
                            .setTimer(TimerID(raw: 1), deadline_ns: now_ns + 10_000_000),
                            .setTimer(TimerID(raw: 2), deadline_ns: now_ns + 20_000_000),
                            .setTimer(TimerID(raw: 9), deadline_ns: now_ns + 15_000_000),
                            .cancelTimer(TimerID(raw: 9))]
                case .timer(let t):
                    fired.append(t.raw)
                    return fired.count == 3 ? [.stop(exitCode: 0)] : []
                default: return []
                }
            }
        }
        let r = Reactor(pipeline: Timers())
        r.wakeup.post(.wakeup(tag: "go", payload: []))
        XCTAssertEqual(r.run(), 0)
        XCTAssertEqual(r.pipeline.fired, [1, 2, 3])
    }

    /// A port that refuses: bind an ephemeral port with a plain socket, then close it.
    static func closedPort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        let addr = SocketAddress.numeric("127.0.0.1", port: 0)!
        _ = addr.withSockaddr { bind(fd, $0, $1) }
        let port = Socket.localPort(fd)
        close(fd)
        return port
    }
}

final class UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ v: T) { value = v }
}
