import XCTest
import RcomCore
@testable import RcomNotify

/// `rcom track` and the providers simulator serve HTTP through `HTTPServerTable`, driven here
/// with reactor events and no sockets: HEAD has no body, unknown methods are 501, pipelined
/// requests are answered in order, an idle keep-alive connection is closed.
final class HTTPServingTests: XCTestCase {
    /// The track pipeline's side of its store worker: records what the pipeline hands over;
    /// the test answers through the wakeup, as the worker thread does.
    final class Clicks: ClickQueue {
        var submitted: [(ticket: UInt64, work: ClickWork)] = []
        private var answered = 0
        var recorded: [String] { submitted.compactMap { if case .click(let id, _) = $0.work { id } else { nil } } }
        var previews: [String] { submitted.compactMap { if case .preview(_, let fetcher) = $0.work { fetcher } else { nil } } }

        func submit(ticket: UInt64, _ work: ClickWork) -> Bool {
            submitted.append((ticket, work))
            return true
        }

        /// The wakeup that answers what was submitted since the last one: `click` for clicks,
        /// previews recorded.
        func answers(click: ClickOutcome = .first) -> ReactorEvent {
            defer { answered = submitted.count }
            let outcomes = submitted[answered...].map { s -> (ticket: UInt64, outcome: ClickOutcome) in
                if case .click = s.work { (s.ticket, click) } else { (s.ticket, .previewRecorded) }
            }
            return .wakeup(tag: TrackStoreWorker.wakeTag, payload: ClickOutcome.payload(outcomes))
        }
    }

    static let client = ConnectionID(raw: 7)
    static let link = "/e/n0123456789abcdef"

    /// What was written to `id`, as text, and whether it was closed.
    static func wire(_ effects: [ReactorEffect], _ id: ConnectionID = client) -> (text: String, closed: Bool) {
        var bytes: [UInt8] = []
        var closed = false
        for e in effects {
            if case .write(id, let b) = e { bytes += b }
            if case .close(id) = e { closed = true }
        }
        return (String(decoding: bytes, as: UTF8.self), closed)
    }

    /// Status codes of the responses in `text`, in order.
    static func statuses(_ text: String) -> [Int] {
        text.components(separatedBy: "HTTP/1.1 ").dropFirst().compactMap { Int($0.prefix(3)) }
    }

    func track(_ bytes: String, clicks: Clicks = Clicks()) -> (text: String, closed: Bool, pipeline: TrackPipeline) {
        var h = EmbeddedHarness(TrackPipeline(clicks: clicks, redirect: nil))
        h.feed(.accepted(Self.client, listener: 0))
        h.feed(.received(Self.client, Array(bytes.utf8)))
        h.feed(clicks.answers())
        let w = Self.wire(h.drainEffects())
        return (w.text, w.closed, h.pipeline)
    }

    func testTrackHeadIsAnsweredWithoutBodyAndNotCounted() {
        let clicks = Clicks()
        let r = track("HEAD \(Self.link) HTTP/1.1\r\nHost: t\r\n\r\n", clicks: clicks)
        XCTAssertTrue(r.text.hasPrefix("HTTP/1.1 200 "), r.text)
        XCTAssertTrue(r.text.lowercased().contains("content-length: 37\r\n"), "the GET's length, announced: \(r.text)")
        XCTAssertTrue(r.text.hasSuffix("\r\n\r\n"), "no body after the head: \(r.text)")
        XCTAssertFalse(r.closed)
        XCTAssertEqual(r.pipeline.counts.notCounted, 1)
        XCTAssertEqual(clicks.recorded, [])
        XCTAssertEqual(clicks.previews, ["HEAD"])
    }

    func testTrackUnknownMethodIs501() {
        let r = track("BREW \(Self.link) HTTP/1.1\r\nHost: t\r\n\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(Self.statuses(r.text), [501, 200], r.text)
        XCTAssertFalse(r.closed, "a 501 keeps the connection")
    }

    func testTrackPipelinedRequestsAreAnsweredInOrder() {
        let clicks = Clicks()
        let r = track("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\nGET /nowhere HTTP/1.1\r\nHost: t\r\n\r\n"
                      + "GET \(Self.link) HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n",
                      clicks: clicks)
        XCTAssertEqual(Self.statuses(r.text), [200, 404, 200], "nothing after Connection: close: \(r.text)")
        XCTAssertTrue(r.text.hasSuffix("<!doctype html><p>Thanks, noted.</p>\n"))
        XCTAssertTrue(r.text.lowercased().contains("connection: close\r\n"))
        XCTAssertTrue(r.closed)
        XCTAssertEqual(clicks.recorded, ["n0123456789abcdef"])
    }

    func testTrackParseErrorIsAnsweredThenClosed() {
        let r = track("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/9.9\r\n\r\n")
        XCTAssertEqual(Self.statuses(r.text), [200, 505], r.text)
        XCTAssertTrue(r.closed)
    }

    func testTrackHalfClosedClientStillGetsItsAnswer() {
        let clicks = Clicks()
        var h = EmbeddedHarness(TrackPipeline(clicks: clicks, redirect: "https://example.com/"))
        h.feed(.accepted(Self.client, listener: 0))
        h.feed(.received(Self.client, Array("GET \(Self.link) HTTP/1.1\r\nHost: t\r\n\r\n".utf8)))
        h.feed(.readClosed(Self.client))
        XCTAssertEqual(Self.statuses(Self.wire(h.drainEffects()).text), [], "no answer before the store's")
        h.feed(clicks.answers())
        let w = Self.wire(h.drainEffects())
        XCTAssertEqual(Self.statuses(w.text), [302])
        XCTAssertTrue(w.closed)
    }

    func testTrackClosesAnIdleKeepAliveConnection() {
        var h = EmbeddedHarness(TrackPipeline(clicks: Clicks(), redirect: nil))
        h.feed(.accepted(Self.client, listener: 0))
        h.feed(.received(Self.client, Array("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n".utf8)))
        XCTAssertFalse(Self.wire(h.drainEffects()).closed)
        h.advance(by: UInt64(HTTPServerTimeouts.standard.idle_ms + 1_000) * 1_000_000)
        XCTAssertTrue(Self.wire(h.drainEffects()).closed)
        h.feed(.closed(Self.client, reason: "closed"))
        XCTAssertEqual(h.armedTimers, 0)
    }

    /// The store's outcome decides the answer, and a request waits for it while later ones on
    /// the connection wait their turn; a full store queue answers at once, the click counted lost.
    func testTrackAnswersWhenTheStoreHasAnsweredInOrder() {
        let clicks = Clicks()
        var h = EmbeddedHarness(TrackPipeline(clicks: clicks, redirect: nil))
        h.feed(.accepted(Self.client, listener: 0))
        h.feed(.received(Self.client, Array("GET \(Self.link) HTTP/1.1\r\nHost: t\r\n\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n".utf8)))
        XCTAssertEqual(Self.statuses(Self.wire(h.drainEffects()).text), [], "the health check waits behind the click")
        h.feed(clicks.answers(click: .unknown))
        XCTAssertEqual(Self.statuses(Self.wire(h.drainEffects()).text), [404, 200])
        XCTAssertEqual(h.pipeline.counts.unknown, 1)

        final class Full: ClickQueue {
            func submit(ticket: UInt64, _ work: ClickWork) -> Bool { false }
        }
        var full = EmbeddedHarness(TrackPipeline(clicks: Full(), redirect: "https://example.com/"))
        full.feed(.accepted(Self.client, listener: 0))
        full.feed(.received(Self.client, Array("GET \(Self.link) HTTP/1.1\r\nHost: t\r\n\r\n".utf8)))
        XCTAssertEqual(Self.statuses(Self.wire(full.drainEffects()).text), [302], "the person still lands")
        XCTAssertEqual(full.pipeline.counts.storeErrors, 1)
    }

    func testClickOutcomesRoundTripAndATamperedPayloadIsRefused() {
        let answers: [(ticket: UInt64, outcome: ClickOutcome)] = [(1, .first), (0x0102_0304_0506_0708, .storeError)]
        let decoded = ClickOutcome.answers(ClickOutcome.payload(answers))
        XCTAssertEqual(decoded?.map(\.ticket), [1, 0x0102_0304_0506_0708])
        XCTAssertEqual(decoded?.map(\.outcome), [.first, .storeError])
        XCTAssertNil(ClickOutcome.answers([1, 2, 3]))
        XCTAssertNil(ClickOutcome.answers([1, 0, 0, 0, 0, 0, 0, 0, 99]))
    }

    func testProvidersHeadAnd501AndOrder() {
        var h = EmbeddedHarness(ProvidersPipeline(config: ProvidersConfig()))
        h.feed(.accepted(Self.client, listener: 0))
        h.feed(.received(Self.client, Array(("HEAD /healthz HTTP/1.1\r\nHost: p\r\n\r\nBREW /healthz HTTP/1.1\r\nHost: p\r\n\r\n"
                                             + "GET /nowhere HTTP/1.1\r\nHost: p\r\n\r\nGET /healthz HTTP/1.1\r\nHost: p\r\n\r\n").utf8)))
        let w = Self.wire(h.drainEffects())
        XCTAssertEqual(Self.statuses(w.text), [200, 501, 404, 200], w.text)
        // The HEAD's head is followed straight by the next response: no body in between.
        XCTAssertTrue(w.text.contains("\r\n\r\nHTTP/1.1 501 "), w.text)
        XCTAssertTrue(w.text.hasSuffix("{\"ok\":true}"))
        XCTAssertFalse(w.closed)
    }
}
