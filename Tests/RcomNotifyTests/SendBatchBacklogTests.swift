import Foundation
import XCTest
import RcomCore
import RcomReactor
@testable import RcomNotify

/// `rcom send --batch` with the store worker's report backlog full: the reactor must stop
/// starting notifications, the worker must wake it once it has caught up, and every line must
/// still be delivered and recorded. Threads at work: the reactor, the store worker (SQLite), the
/// simulator's reactor, and posts to the wakeup from the worker.
final class SendBatchBacklogTests: XCTestCase {
    /// The pipeline's view of the worker's backlog: counts the times it was told "no room", and
    /// opens `gate` the first time. Reactor thread only.
    final class BacklogProbe: DeliverySink {
        let worker: StoreWorker
        let gate: DispatchSemaphore
        var heldBack = 0
        init(_ worker: StoreWorker, gate: DispatchSemaphore) {
            self.worker = worker
            self.gate = gate
        }
        func report(_ report: DeliveryReport, now_ns: Instant_ns) { worker.report(report, now_ns: now_ns) }
        func finish() { worker.finish() }
        var hasRoom: Bool {
            let room = worker.hasRoom
            if !room {
                heldBack += 1
                if heldBack == 1 { gate.signal() }
            }
            return room
        }
    }

    /// The store's sink, held at its first report until the backlog has filled behind it (so the
    /// full backlog is certain, not a matter of timing). Worker thread only.
    final class GatedSink: DeliverySink {
        let inner: StoreSink
        let gate: DispatchSemaphore
        var waited = false
        var gateOpenedInTime = false
        init(_ inner: StoreSink, gate: DispatchSemaphore) {
            self.inner = inner
            self.gate = gate
        }
        func report(_ report: DeliveryReport, now_ns: Instant_ns) {
            if !waited {
                waited = true
                gateOpenedInTime = gate.wait(timeout: .now() + 60) == .success
            }
            inner.report(report, now_ns: now_ns)
        }
        func finish() { inner.finish() }
    }

    func testAFullBacklogHoldsNotificationsBackAndEveryLineIsStillDeliveredAndRecorded() throws {
        let lines = 300
        let dir = makeTemporaryDirectory()
        let db = dir + "/notify.sqlite"
        let csv = dir + "/batch.csv"
        var rows = ["channel,target,message"]
        for i in 0..<lines {
            rows.append(["sms,+1505\(String(format: "%07d", i))", "slack,team/u\(i)", "email,u\(i)@example.com"][i % 3] + ",\"hello, \(i)\"")
        }
        try (rows.joined(separator: "\n") + "\n").write(toFile: csv, atomically: true, encoding: .utf8)

        let f = try SimulatorFixture()
        // The same pieces as SendBatch.run and SendSetup.deliver, with the worker's bounds made
        // tiny (the command line has no knob for them): at most 2 reports wait for the store.
        let store = try SQLiteNotificationStore(path: db)
        let service = NotificationService(registry: ChannelRegistry(settings: f.settings), store: store,
                                          entropy: SeededEntropy(seed: 1), publicURL: "http://127.0.0.1:1",
                                          wall_ms: { MonotonicClock.wall_ms() })
        let feed = BatchFeed(reader: try XCTUnwrap(LineReader(path: csv)), service: service, channel: nil, dice: SeededEntropy(seed: 3))
        let gate = DispatchSemaphore(value: 0)
        let sink = GatedSink(StoreSink(store: store), gate: gate)
        let worker = StoreWorker(feed: feed, sink: sink, readyMax: 4, reportsMax: 2)
        let probe = BacklogProbe(worker, gate: gate)
        let carrier = URLSessionCarrier()
        let stage = DeliveryStage(policy: Deliver.policy(), entropy: SeededEntropy(seed: 2))
        let reactor = Reactor(pipeline: SendPipeline(stage: stage, source: worker, sink: probe, carrier: carrier))
        carrier.attach(reactor.wakeup)
        worker.start(door: reactor.wakeup)
        reactor.wakeup.post(SendPipeline.startEvent(wall_ms: MonotonicClock.wall_ms()))

        // The reactor on a thread of its own, so that a hang fails the test at a deadline.
        let stopped = DispatchSemaphore(value: 0)
        let box = UncheckedBox(reactor)
        Thread {
            _ = box.value.run()
            stopped.signal()
        }.start()
        guard stopped.wait(timeout: .now() + 180) == .success else {
            reactor.wakeup.post(.shutdown)
            return XCTFail("rcom send --batch did not finish within the deadline")
        }
        let sim = f.stop()

        XCTAssertTrue(sink.gateOpenedInTime, "the backlog never filled while the store was held")
        XCTAssertGreaterThan(probe.heldBack, 0, "the pipeline was never held back by the full backlog")
        XCTAssertEqual(reactor.pipeline.delivered, lines)
        XCTAssertEqual(reactor.pipeline.failed, 0)
        XCTAssertFalse(reactor.pipeline.interrupted)
        XCTAssertEqual(feed.counts, BatchFeed.Counts(lines: lines, prepared: lines))
        XCTAssertEqual(sink.inner.storeErrors, 0)
        XCTAssertEqual(sim.stats.accepted.values.reduce(0, +), lines, "each line reached the simulator once")
        XCTAssertEqual(Set(sim.captured.map(\.target)).count, lines)
        let counts = try SQLiteNotificationStore(path: db).channelCounts(assignment: nil)
        XCTAssertEqual(counts.map(\.channel), ["email", "slack", "sms"])
        XCTAssertEqual(counts.map(\.delivered), [100, 100, 100], "every outcome was committed")
    }
}

/// Hands the reactor to the thread that runs it. @unchecked: the test thread only touches the
/// reactor again (its pipeline) after that thread has signalled that `run` returned.
final class UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
