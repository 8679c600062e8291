import Foundation
import Glibc
import XCTest
import RcomCore
@testable import RcomReactor

/// Many threads post to the reactor's wakeup at once while the reactor drains it: the inbox is
/// the one door into the reactor from other threads (the store worker, URLSession, DNS look-ups),
/// so under ThreadSanitizer this is the test that shows its locking holds.
final class WakeupStressTests: XCTestCase {
    static let producers = 8
    static let postsEach = 4_000

    /// Event `(producer, seq)`: the producer's number and its running count, in the payload.
    static func event(_ producer: Int, _ seq: Int) -> ReactorEvent {
        .wakeup(tag: "post", payload: [UInt8(producer)] + withUnsafeBytes(of: UInt32(seq).bigEndian, Array.init))
    }

    static func decode(_ payload: [UInt8]) -> (producer: Int, seq: Int) {
        (Int(payload[0]), payload[1...4].reduce(0) { $0 << 8 | Int($1) })
    }

    /// Checks each producer's events arrive once each and in the order it posted them (the inbox
    /// is a FIFO), and stops when all have arrived.
    struct Tally: EventPipeline {
        let expected: Int
        var next = [Int](repeating: 0, count: WakeupStressTests.producers)
        var received = 0
        var outOfOrder = 0
        mutating func handle(_ event: ReactorEvent, now_ns: Instant_ns) -> [ReactorEffect] {
            switch event {
            case .wakeup(tag: "post", let payload):
                let (p, seq) = WakeupStressTests.decode(payload)
                if seq != next[p] { outOfOrder += 1 }
                next[p] = seq + 1
                received += 1
                return received == expected ? [.stop(exitCode: 0)] : []
            case .wakeup(tag: "abort", _): return [.stop(exitCode: 1)]
            default: return []
            }
        }
    }

    /// Starts `producers` threads together; each posts its events in order, retrying a post the
    /// full inbox refused. Returns the refusals, once every producer is done (or nil at the deadline).
    static func post(to door: WakeupHandle, deadline seconds: Double) -> Int? {
        let go = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        let refused = LockedCount()
        for p in 0..<producers {
            done.enter()
            Thread {
                go.wait()
                var mine = 0
                for seq in 0..<postsEach {
                    while !door.post(event(p, seq)) {
                        mine += 1
                        sched_yield()
                    }
                }
                refused.add(mine)
                done.leave()
            }.start()
        }
        for _ in 0..<producers { go.signal() }
        return done.wait(timeout: .now() + seconds) == .success ? refused.value : nil
    }

    func testManyThreadsPostingWhileTheReactorDrainsLoseAndReorderNothing() {
        let total = Self.producers * Self.postsEach
        let reactor = Reactor(pipeline: Tally(expected: total))
        let stopped = DispatchSemaphore(value: 0)
        let box = UncheckedBox(reactor)
        let code = LockedCount()
        Thread {
            code.add(Int(box.value.run()))
            stopped.signal()
        }.start()

        let refused = Self.post(to: reactor.wakeup, deadline: 120)
        XCTAssertNotNil(refused, "the producers did not finish posting within the deadline")
        if stopped.wait(timeout: .now() + 120) == .timedOut {
            reactor.wakeup.post(.wakeup(tag: "abort", payload: []))
            return XCTFail("the reactor did not receive every event within the deadline")
        }
        XCTAssertEqual(code.value, 0)
        XCTAssertEqual(reactor.pipeline.received, total)
        XCTAssertEqual(reactor.pipeline.outOfOrder, 0, "a producer's events arrived out of order")
        XCTAssertEqual(reactor.pipeline.next, [Int](repeating: Self.postsEach, count: Self.producers),
                       "every producer's last event arrived")
    }

    /// A small inbox with a drainer that only drains when the eventfd says so, as the reactor
    /// does: producers hit the bound and retry, and still nothing is lost or reordered.
    func testABoundedInboxRefusesPastItsCapacityAndLosesNothingUnderContention() {
        let door = WakeupHandle(capacity: 8)
        let total = Self.producers * Self.postsEach
        let drained = DispatchSemaphore(value: 0)
        let result = LockedTally()
        Thread {
            var pfd = pollfd(fd: door.fd, events: Int16(POLLIN), revents: 0)
            let deadline = Date().addingTimeInterval(120)
            while result.received < total && Date() < deadline {
                guard poll(&pfd, 1, 100) > 0 else { continue }
                for item in door.drain() {
                    guard case .event(.wakeup(_, let payload)) = item else { continue }
                    result.take(WakeupStressTests.decode(payload))
                }
            }
            drained.signal()
        }.start()

        let refused = Self.post(to: door, deadline: 120)
        XCTAssertNotNil(refused, "the producers did not finish posting within the deadline")
        XCTAssertEqual(drained.wait(timeout: .now() + 120), .success, "the drainer did not finish within the deadline")
        XCTAssertEqual(result.received, total)
        XCTAssertEqual(result.outOfOrder, 0, "a producer's events arrived out of order")
        print("bounded inbox: \(refused ?? -1) posts refused at capacity \(door.capacity) and retried")
    }

    /// The bound itself, on one thread: `capacity` posts are taken, the next is refused, and a
    /// drain hands them over in order and makes room again.
    func testPostIsRefusedAtCapacityUntilDrained() {
        let door = WakeupHandle(capacity: 3)
        XCTAssertEqual((0..<4).map { door.post(Self.event(0, $0)) }, [true, true, true, false])
        let items = door.drain().compactMap { item -> Int? in
            guard case .event(.wakeup(_, let payload)) = item else { return nil }
            return Self.decode(payload).seq
        }
        XCTAssertEqual(items, [0, 1, 2])
        XCTAssertTrue(door.post(Self.event(0, 4)))
    }
}

/// A counter several threads add to.
final class LockedCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add(_ n: Int) { lock.withLock { count += n } }
    var value: Int { lock.withLock { count } }
}

/// What a drainer thread saw, read by the test thread after it is done (and during, for the loop).
final class LockedTally: @unchecked Sendable {
    private let lock = NSLock()
    private var next = [Int](repeating: 0, count: WakeupStressTests.producers)
    private var count = 0
    private var misordered = 0
    func take(_ e: (producer: Int, seq: Int)) {
        lock.withLock {
            if e.seq != next[e.producer] { misordered += 1 }
            next[e.producer] = e.seq + 1
            count += 1
        }
    }
    var received: Int { lock.withLock { count } }
    var outOfOrder: Int { lock.withLock { misordered } }
}
