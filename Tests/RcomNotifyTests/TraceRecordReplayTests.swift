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

    func testTrackRunReplaysWithItsStoreAnswers() throws {
        final class Clicks: ClickRecorder {
            func click(notificationID: String, kind: ClickKind) -> Result<ClickResult, StoreErrorText> {
                .success(notificationID == "n00000000000000ff" ? .unknownNotification : .first)
            }
            func preview(notificationID: String, fetcher: String) -> Result<PreviewResult, StoreErrorText> { .success(.recorded) }
        }
        let path = makeTemporaryDirectory() + "/track.trace"
        let recorder = try TraceRecorder(path: path, component: NotifyTrace.trackComponent, config: [("redirect", "https://example.com/")])
        let track = try BackgroundReactor(TrackPipeline(recorder: Clicks(), redirect: "https://example.com/"), ports: [0],
                                          recorder: recorder)
        XCTAssertEqual(String(decoding: try SimpleHTTP.get(port: track.ports[0], path: "/healthz"), as: UTF8.self), "{\"ok\":true}")
        _ = try SimpleHTTP.get(port: track.ports[0], path: "/e/n0000000000000001")
        _ = try SimpleHTTP.get(port: track.ports[0], path: "/e/n00000000000000ff")
        XCTAssertEqual(track.stop().counts.unknown, 1)

        let lines = try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\n")
        guard case .success(.identical) = NotifyTrace.replay(lines: lines, clicks: Clicks()) else {
            return XCTFail("\(NotifyTrace.replay(lines: lines, clicks: Clicks()))")
        }
        // The store's answers are not in the trace: another store gives another 404/302.
        guard case .success(.diverged) = NotifyTrace.replay(lines: lines) else { return XCTFail("replayed without the store's answers") }
    }
}
