import Foundation
import Glibc
import XCTest
import RcomCore
import RcomReactor
@testable import RcomNotify

/// `rcom send`'s database work runs on the store worker's thread, never on the reactor's.
final class StoreWorkerTests: XCTestCase {
    /// Remembers which threads called it (pthread ids), and passes a list on.
    final class ThreadNotingFeed: NotificationFeed, @unchecked Sendable {
        private let lock = NSLock()
        private var items: [(RcomNotify.Notification, any Channel)]
        private(set) var threads: Set<UInt> = []
        init(_ items: [(RcomNotify.Notification, any Channel)]) { self.items = items.reversed() }
        func next() -> (RcomNotify.Notification, any Channel)? {
            lock.withLock {
                threads.insert(UInt(pthread_self()))
                return items.popLast()
            }
        }
    }

    final class ThreadNotingSink: DeliverySink, @unchecked Sendable {
        private let lock = NSLock()
        private(set) var reports: [DeliveryReport] = []
        private(set) var threads: Set<UInt> = []
        private(set) var finished = 0
        func report(_ report: DeliveryReport, now_ns: Instant_ns) {
            lock.withLock {
                threads.insert(UInt(pthread_self()))
                reports.append(report)
            }
        }
        func finish() { lock.withLock { finished += 1 } }
    }

    func testFeedAndSinkRunOffTheReactorThreadAndEveryReportIsWritten() throws {
        let f = try SimulatorFixture()
        defer { _ = f.stop() }
        let feed = ThreadNotingFeed(Self.smsItems(300, f))
        let sink = ThreadNotingSink()
        // A small ready queue, so the pipeline has to wait for the worker and be woken.
        let worker = StoreWorker(feed: feed, sink: sink, readyMax: 4, reportsMax: 16)
        let stage = DeliveryStage(policy: Deliver.policy(), entropy: SeededEntropy(seed: 3))
        let carrier = URLSessionCarrier()
        let reactor = Reactor(pipeline: SendPipeline(stage: stage, source: worker, sink: worker, carrier: carrier))
        carrier.attach(reactor.wakeup)
        worker.start(door: reactor.wakeup)
        reactor.wakeup.post(SendPipeline.startEvent(wall_ms: 1_700_000_000_000))
        let reactorThread = UInt(pthread_self())
        _ = reactor.run()

        XCTAssertEqual(reactor.pipeline.delivered, 300)
        XCTAssertEqual(sink.finished, 1)
        let outcomes = sink.reports.filter { if case .finished = $0 { return true } else { return false } }
        XCTAssertEqual(outcomes.count, 300, "every outcome reached the sink before the run ended")
        XCTAssertFalse(feed.threads.isEmpty)
        XCTAssertFalse(feed.threads.contains(reactorThread), "the feed (SQLite in rcom send) ran on the reactor thread")
        XCTAssertFalse(sink.threads.contains(reactorThread), "the sink (SQLite in rcom send) ran on the reactor thread")
    }

    func testAFullReportBacklogHoldsBackNewNotificationsUntilTheWorkerCatchesUp() throws {
        let sink = ThreadNotingSink()
        let worker = StoreWorker(feed: ThreadNotingFeed([]), sink: sink, readyMax: 4, reportsMax: 3)
        let n = Deliver.notification("sms", "+15050000000")
        let outcome = DeliveryOutcome(notification: n, delivered: true, result: .delivered(providerID: "m1"), attempts: 1)
        for _ in 0..<3 { worker.report(.finished(outcome), now_ns: 0) }
        XCTAssertFalse(worker.hasRoom, "at the bound, no new notifications may start")
        // Not running yet: the reports wait. Started, the worker writes them and makes room.
        let reactor = Reactor(pipeline: SendPipeline(stage: DeliveryStage(policy: Deliver.policy(), entropy: SeededEntropy(seed: 1)),
                                                     source: worker, sink: worker, carrier: URLSessionCarrier()))
        worker.start(door: reactor.wakeup)
        XCTAssertTrue(eventually(within: 10) { worker.hasRoom })
        worker.finish()
        XCTAssertEqual(sink.reports.count, 3)
        XCTAssertEqual(sink.finished, 1)
        XCTAssertEqual(worker.pull().isDone, true, "an empty feed is done")
    }
}

extension FeedPull {
    var isDone: Bool { if case .done = self { return true } else { return false } }
}

extension StoreWorkerTests {
    /// `count` SMS notifications on the simulator, ids n000…0, n000…1, …
    static func smsItems(_ count: Int, _ f: SimulatorFixture) -> [(RcomNotify.Notification, any Channel)] {
        let channel = ChannelRegistry(settings: f.settings).channel("sms")!
        return (0..<count).map { i in
            (Deliver.notification("sms", "+1505\(String(format: "%07d", i))", id: "n\(String(format: "%016x", i))"), channel)
        }
    }

    /// One notification at a time: `.later` until the report of the one handed out came in
    /// (as `EventDelivery` waits for a step's outcome before its fallback step).
    final class OneAtATimeFeed: NotificationFeed, @unchecked Sendable {
        private let lock = NSLock()
        private var items: [(RcomNotify.Notification, any Channel)]
        private(set) var laters = 0
        private(set) var maxOutstanding = 0
        private var outstanding = 0
        init(_ items: [(RcomNotify.Notification, any Channel)]) { self.items = items.reversed() }
        func pull() -> FeedPull {
            lock.withLock {
                if outstanding > 0 {
                    laters += 1
                    return .later
                }
                guard let next = items.popLast() else { return .done }
                outstanding += 1
                maxOutstanding = max(maxOutstanding, outstanding)
                return .item(next.0, next.1)
            }
        }
        func next() -> (RcomNotify.Notification, any Channel)? { nil }
        func reported() { lock.withLock { outstanding -= 1 } }
    }

    final class ForwardingSink: DeliverySink, @unchecked Sendable {
        let feed: OneAtATimeFeed
        private(set) var finishedCount = 0
        init(_ feed: OneAtATimeFeed) { self.feed = feed }
        func report(_ report: DeliveryReport, now_ns: Instant_ns) {
            if case .finished = report {
                finishedCount += 1
                feed.reported()
            }
        }
        func finish() {}
    }

    func testAFeedAnsweringLaterIsAskedAgainAfterTheNextReportAndTheRunEndsWhenItIsDone() throws {
        let f = try SimulatorFixture()
        defer { _ = f.stop() }
        let feed = OneAtATimeFeed(Self.smsItems(20, f))
        let sink = ForwardingSink(feed)
        let worker = StoreWorker(feed: feed, sink: sink, readyMax: 8, reportsMax: 16)
        let reactor = Reactor(pipeline: SendPipeline(stage: DeliveryStage(policy: Deliver.policy(), entropy: SeededEntropy(seed: 5)),
                                                     source: worker, sink: worker, carrier: URLSessionCarrier()))
        worker.start(door: reactor.wakeup)
        reactor.wakeup.post(SendPipeline.startEvent(wall_ms: 1_700_000_000_000))
        _ = reactor.run()
        XCTAssertEqual(reactor.pipeline.delivered, 20, "every notification, each handed out after the last one's report")
        XCTAssertEqual(sink.finishedCount, 20)
        XCTAssertEqual(feed.maxOutstanding, 1)
        XCTAssertGreaterThan(feed.laters, 0, "the feed did say later")
    }
}
