import Foundation
import XCTest
import RcomCore
import RcomReactor
@testable import RcomNotify

/// `--record` on the notify servers: a run over real sockets, recorded, then replayed on the
/// recorded clock with `TraceReplayer`, every effect compared byte for byte.
final class TraceRecordReplayTests: XCTestCase {
    func testProvidersRunReplaysByteForByte() throws {
        let path = makeTemporaryDirectory() + "/providers.trace"
        var config = ProvidersConfig()
        config.faults = try ProviderFaults.parse("sms:500=0.5,slack:429=1x,email:500=0.5", channels: ProvidersPipeline.channels).get()
        config.engage = try EngageSpec.parse("email=0.5,sms=0.5,slack=0.5", channels: ProvidersPipeline.channels).get()
        config.retryAfter_s = 0
        config.seed = 42
        let recording = RecordingEntropy(SeededEntropy(seed: config.seed))
        let header = NotifyTrace.providersHeader(faults: "sms:500=0.5,slack:429=1x,email:500=0.5",
                                                 engage: "email=0.5,sms=0.5,slack=0.5", retryAfter_s: 0, seed: 42)
        let recorder = try TraceRecorder(path: path, component: NotifyTrace.providersComponent, config: header)
        let sim = try BackgroundReactor(ProvidersPipeline(config: config, entropy: recording), ports: [0, 0],
                                        recorder: recorder, draws: { recording.takeDraws() })
        let settings = ChannelSettings(values: [:], simulatorHTTP: .init(host: "127.0.0.1", port: sim.ports[0]),
                                       simulatorSMTP: SMTPEndpoint(host: "127.0.0.1", port: sim.ports[1]))
        let r = ChannelRegistry(settings: settings)
        var items: [(RcomNotify.Notification, any Channel)] = []
        for i in 0..<18 {
            let id = "n" + String(format: "%016x", i + 1)
            let (channel, target) = [("sms", "+15059045845"), ("slack", "ws/ops"), ("email", "a@example.com")][i % 3]
            items.append((Deliver.notification(channel, target, "hello \(i)", id: id), r.channel(channel)!))
        }
        let sink = Deliver.run(items, policy: Deliver.policy(attempts: 6, backoff_ms: 1))
        let ran = sim.stop()
        XCTAssertEqual(sink.outcomes.count, 18)
        XCTAssertGreaterThan(ran.stats.faulted.values.reduce(0, +), 1, "the run drew faults")
        XCTAssertGreaterThan(ran.stats.clicksQueued, 0, "the run drew clicks (they fail: nothing listens on 8081)")

        let lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
        guard case .success(.identical(let n)) = NotifyTrace.replay(lines: lines) else {
            return XCTFail("\(NotifyTrace.replay(lines: lines))")
        }
        XCTAssertGreaterThan(n, 50)
        XCTAssertTrue(lines.contains { $0.contains("\"rand\":[\"") }, "draws are in the trace")

        // A trace is checked, not trusted: change one recorded draw and the replay says where.
        var tampered = lines
        let i = try XCTUnwrap(lines.firstIndex { $0.contains("\"rand\":[\"") })
        let at = try XCTUnwrap(lines[i].range(of: "\"rand\":[\""))
        let digit = lines[i][at.upperBound]
        tampered[i].replaceSubrange(at.upperBound...at.upperBound, with: digit == "1" ? "2" : "1")
        guard case .success(.diverged) = NotifyTrace.replay(lines: tampered) else { return XCTFail("tampered trace replayed") }
    }

    /// The store's answers travel in the worker's wakeups, so they are in the trace: replay
    /// needs no store, and a tampered answer shows as a divergence.
    func testTrackRunReplaysWithItsStoreAnswersFromTheTrace() throws {
        let dir = makeTemporaryDirectory()
        let db = dir + "/db.sqlite"
        let store = try SQLiteNotificationStore(path: db, writesPerCommit: 1)
        let n = RcomNotify.Notification(id: "n0000000000000001", channel: "sms", target: "t", message: "m", trackingURL: "", createdAt_ms: 0)
        try store.insert(n, assignment: .chosen, suppressed: false)
        try store.finish(DeliveryOutcome(notification: n, delivered: true, result: .delivered(providerID: "x"), attempts: 1))
        try store.flush()
        let path = dir + "/track.trace"
        let recorder = try TraceRecorder(path: path, component: NotifyTrace.trackComponent, config: [("redirect", "https://example.com/")])
        let track = try TrackFixture(store: try SQLiteNotificationStore(path: db), redirect: "https://example.com/", recorder: recorder)
        XCTAssertEqual(String(decoding: try SimpleHTTP.get(port: track.ports[0], path: "/healthz"), as: UTF8.self), "{\"ok\":true}")
        _ = try SimpleHTTP.get(port: track.ports[0], path: "/e/n0000000000000001")
        _ = try SimpleHTTP.get(port: track.ports[0], path: "/e/n00000000000000ff")
        let counts = track.stop().counts
        XCTAssertEqual(counts.first, 1)
        XCTAssertEqual(counts.unknown, 1)

        let lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
        guard case .success(.identical) = NotifyTrace.replay(lines: lines) else { return XCTFail("\(NotifyTrace.replay(lines: lines))") }
        // The first click's answer (first → 302) changed to "unknown" (→ 404).
        guard let i = lines.firstIndex(where: { $0.contains(#""kind":"wakeup""#) }),
              let data = lines[i].range(of: #""data":"[^"]+""#, options: .regularExpression),
              let bytes = Data(base64Encoded: String(lines[i][data].dropFirst(8).dropLast())) else { return XCTFail("no store answer recorded") }
        var answer = [UInt8](bytes)
        XCTAssertEqual(answer.last, ClickOutcome.first.rawValue)
        answer[answer.count - 1] = ClickOutcome.unknown.rawValue
        var tampered = lines
        tampered[i].replaceSubrange(data, with: #""data":""# + Data(answer).base64EncodedString() + "\"")
        guard case .success(.diverged) = NotifyTrace.replay(lines: tampered) else { return XCTFail("replayed a tampered store answer") }
    }
}
