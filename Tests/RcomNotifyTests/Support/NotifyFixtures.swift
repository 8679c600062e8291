import Foundation
import XCTest
import RcomCore
import RcomReactor
@testable import RcomNotify

/// A providers simulator on a background reactor (HTTP and SMTP on kernel-chosen ports) and a
/// way to run deliveries against it on this thread, over real loopback sockets.
final class SimulatorFixture {
    let sim: BackgroundReactor<ProvidersPipeline>
    let settings: ChannelSettings

    init(faults: String = "", engage: String = "", retryAfter_s: Int = 1, seed: UInt64 = 7) throws {
        var c = ProvidersConfig()
        c.faults = try ProviderFaults.parse(faults, channels: ProvidersPipeline.channels).get()
        c.engage = try EngageSpec.parse(engage, channels: ProvidersPipeline.channels).get()
        c.retryAfter_s = retryAfter_s
        c.seed = seed
        sim = try BackgroundReactor(ProvidersPipeline(config: c), ports: [0, 0])
        settings = ChannelSettings(values: [:], simulatorHTTP: .init(host: "127.0.0.1", port: sim.ports[0]),
                                   simulatorSMTP: SMTPEndpoint(host: "127.0.0.1", port: sim.ports[1]))
    }

    var httpPort: Int { sim.ports[0] }
    var smtpPort: Int { sim.ports[1] }

    func stop() -> ProvidersPipeline { sim.stop() }
}

/// Collects reports in memory.
final class RecordingSink: DeliverySink {
    var reports: [DeliveryReport] = []
    var attempts: [AttemptRecord] { reports.compactMap { if case .attempt(let a) = $0 { return a } else { return nil } } }
    var outcomes: [DeliveryOutcome] { reports.compactMap { if case .finished(let o) = $0 { return o } else { return nil } } }
    func report(_ report: DeliveryReport, now_ns: Instant_ns) { reports.append(report) }
    func finish() {}
}

/// Feeds a fixed list.
final class ListFeed: NotificationFeed {
    private var items: [(RcomNotify.Notification, any Channel)]
    init(_ items: [(RcomNotify.Notification, any Channel)]) { self.items = items.reversed() }
    func next() -> (RcomNotify.Notification, any Channel)? { items.popLast() }
}

enum Deliver {
    static func policy(attempts: Int = 4, timeout_ms: Int64 = 5_000, backoff_ms: Int64 = 20) -> DeliveryPolicy {
        var p = DeliveryPolicy()
        p.attemptsMax = attempts
        p.attemptTimeout_ms = timeout_ms
        p.backoffBase_ms = backoff_ms
        p.backoffCap_ms = 200
        return p
    }

    static func notification(_ channel: String, _ target: String, _ message: String = "hello", id: String = "n0123456789abcdef") -> RcomNotify.Notification {
        RcomNotify.Notification(id: id, channel: channel, target: target, message: message,
                     trackingURL: "http://127.0.0.1:8081/e/\(id)", createdAt_ms: 1_700_000_000_000)
    }

    /// Delivers on a reactor on this thread until the pipeline stops; returns the reports.
    static func run(_ items: [(RcomNotify.Notification, any Channel)], policy: DeliveryPolicy = policy(), seed: UInt64 = 1) -> RecordingSink {
        let sink = RecordingSink()
        let stage = DeliveryStage(policy: policy, entropy: SeededEntropy(seed: seed))
        let carrier = URLSessionCarrier()
        let reactor = Reactor(pipeline: SendPipeline(stage: stage, source: ListFeed(items), sink: sink, carrier: carrier))
        carrier.attach(reactor.wakeup)
        reactor.wakeup.post(SendPipeline.startEvent(wall_ms: 1_700_000_000_000))
        _ = reactor.run()
        return sink
    }

    static func one(_ channel: any Channel, _ n: RcomNotify.Notification, policy: DeliveryPolicy = policy()) -> RecordingSink {
        run([(n, channel)], policy: policy)
    }
}

extension XCTestCase {
    /// A fresh directory for this test, removed when the test ends, passed or failed (each run
    /// of the suite used to leave a dozen of them in the temporary directory).
    func makeTemporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "rcom-notify-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }
}

/// Polls `condition` until it holds or the deadline passes (no fixed sleeps).
func eventually(within seconds: Double = 10, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(2000)
    }
    return try condition()
}
