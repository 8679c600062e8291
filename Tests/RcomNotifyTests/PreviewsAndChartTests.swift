import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
import RcomCore
import RcomReactor
@testable import RcomNotify

/// Link previews are recorded apart from engagement and shown by `rcom stats`; the chart is
/// well-formed XML with its title, axis label, legend, verdict and round ticks.
final class PreviewsAndChartTests: XCTestCase {
    /// One GET with a User-Agent over a real socket; the status code.
    func get(port: Int, path: String, agent: String, method: String = "GET") throws -> Int {
        let fd = try SimpleHTTP.connected(port: port)
        defer { close(fd) }
        let req = Array("\(method) \(path) HTTP/1.1\r\nHost: t\r\nUser-Agent: \(agent)\r\nConnection: close\r\n\r\n".utf8)
        _ = req.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        let head = String(decoding: buf.prefix(max(n, 0)), as: UTF8.self)
        return Int(head.dropFirst("HTTP/1.1 ".count).prefix(3)) ?? -1
    }

    func testPreviewFetchersAreKnownByTheirUserAgents() {
        let agents = [
            "WhatsApp/2.23.20.0 A": "whatsapp", "Mozilla/5.0 (compatible; bingbot/2.0; BingPreview/1.0b)": "bingpreview",
            "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)": "discordbot",
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)": "facebookexternalhit",
            "Twitterbot/1.0": "twitterbot", "TelegramBot (like TwitterBot)": "telegrambot",
            "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)": "linkedinbot",
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)": "googlebot",
            "Slack-ImgProxy (+https://api.slack.com/robots)": "slack-imgproxy",
            "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)": "slackbot",
            "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5": "skypeuripreview",
            "Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 (KHTML, like Gecko) Applebot/0.1": "applebot",
        ]
        for (agent, fetcher) in agents { XCTAssertEqual(TrackPipeline.previewFetcher(agent), fetcher, agent) }
        XCTAssertNil(TrackPipeline.previewFetcher("Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"))
        XCTAssertNil(TrackPipeline.previewFetcher("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1"))
    }

    func testPreviewsAreRecordedApartAndShownByStats() throws {
        let dir = makeTemporaryDirectory()
        let db = dir + "/db.sqlite"
        let store = try SQLiteNotificationStore(path: db, writesPerCommit: 1)
        let ids = ["n00000000000000a1", "n00000000000000a2"]
        for (id, channel) in zip(ids, ["slack", "sms"]) {
            let n = RcomNotify.Notification(id: id, channel: channel, target: "t", message: "m", trackingURL: "", createdAt_ms: 0)
            try store.insert(n, assignment: .chosen, suppressed: false)
            try store.finish(DeliveryOutcome(notification: n, delivered: true, result: .delivered(providerID: "x"), attempts: 1))
        }
        try store.flush()
        let track = try TrackFixture(store: try SQLiteNotificationStore(path: db), redirect: nil)
        let port = track.ports[0]
        XCTAssertEqual(try get(port: port, path: "/e/\(ids[0])", agent: "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"), 200)
        XCTAssertEqual(try get(port: port, path: "/e/\(ids[0])", agent: "WhatsApp/2.23.20.0 A"), 200)
        XCTAssertEqual(try get(port: port, path: "/e/\(ids[0])", agent: "curl/8", method: "HEAD"), 200)
        XCTAssertEqual(try get(port: port, path: "/e/\(ids[1])", agent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"), 200)
        let counts = track.stop().counts
        XCTAssertEqual(counts.notCounted, 3)
        XCTAssertEqual(counts.first, 1)
        XCTAssertEqual(try store.database.scalarInt("SELECT count(*) FROM link_previews"), 3)

        let svg = dir + "/chart.svg"
        let stats = try RcomProcess.run(["stats", "--db", db, "--svg", svg])
        XCTAssertEqual(stats.status, 0, stats.all)
        let lines = stats.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first?.split(separator: " ", omittingEmptySubsequences: true).map(String.init),
                       ["channel", "sent", "delivered", "failed", "suppressed", "engaged", "repeats", "previews", "rate", "95%", "interval"])
        XCTAssertEqual(lines[1].split(separator: " ").prefix(8).map(String.init), ["slack", "1", "1", "0", "0", "0", "0", "3"])
        XCTAssertEqual(lines[2].split(separator: " ").prefix(8).map(String.init), ["sms", "1", "1", "0", "0", "1", "0", "0"])
        XCTAssertTrue(stats.stdout.contains("previews: link-preview fetchers"), stats.stdout)
        let json = try RcomProcess.run(["stats", "--db", db, "--json"])
        XCTAssertTrue(json.stdout.contains(#""repeat_clicks":0,"previews":3"#), json.stdout)
        XCTAssertNoThrow(try SVGText(contentsOf: svg))
    }

    func testTheChartIsWellFormedAndSaysWhatItShows() throws {
        var a = ChannelCounts(channel: "sms"), b = ChannelCounts(channel: "<slack & co>")
        (a.notifications, a.delivered, a.engaged) = (100, 100, 30)
        (b.notifications, b.delivered, b.engaged) = (100, 100, 12)
        let report = EngagementReport(counts: [a, b], population: "channels assigned at random only")
        let svg = try SVGText(EngagementChart.svg(report))
        XCTAssertEqual(svg.root, "svg")
        // The first thing drawn is an opaque rectangle over the whole canvas.
        let background = try XCTUnwrap(svg.elements.first { $0.name == "rect" })
        XCTAssertEqual(background.attributes["fill"], "#ffffff")
        XCTAssertEqual(background.attributes["width"], svg.attributes["width"])
        XCTAssertEqual(background.attributes["height"], svg.attributes["height"])
        XCTAssertTrue(svg.texts.contains(EngagementChart.title))
        XCTAssertTrue(svg.texts.contains(EngagementChart.yLabel))
        XCTAssertTrue(svg.texts.contains("whiskers: 95 % Wilson interval"))
        XCTAssertTrue(svg.texts.contains("<slack & co>"), "names are escaped, and come back whole: \(svg.texts)")
        let verdict = svg.texts.filter { !$0.isEmpty }.drop { !$0.hasPrefix("verdict: ") }.joined(separator: " ")
        XCTAssertEqual(verdict, "verdict: " + report.verdict)
        XCTAssertTrue(report.verdict.hasPrefix("sms leads <slack & co>"), report.verdict)
        // Highest interval end 39.4 %: steps of 10 up to 40 %.
        XCTAssertEqual(svg.texts.filter { $0.hasSuffix(" %") && $0.first?.isNumber == true }, ["0 %", "10 %", "20 %", "30 %", "40 %"])
    }

    func testTicksAreRoundSteps() {
        func t(_ m: Double) -> [Double] { let r = EngagementChart.ticks(maxPercent: m); return [r.step, r.top] }
        XCTAssertEqual(t(39.4), [10, 40])
        XCTAssertEqual(t(12), [5, 15])
        XCTAssertEqual(t(4.2), [1, 5])
        XCTAssertEqual(t(100), [20, 100])
        XCTAssertEqual(t(0), [2, 10])
        XCTAssertEqual(t(0.5), [0.1, 0.5])
        XCTAssertEqual(t(7), [2, 8])
        for m in stride(from: 0.3, through: 100, by: 0.7) {
            let r = EngagementChart.ticks(maxPercent: m)
            let mantissa = r.step / pow(10, log10(r.step).rounded(.down))
            XCTAssertTrue([1, 2, 5].contains { abs(mantissa - $0) < 1e-9 }, "step \(r.step) for \(m)")
            XCTAssertGreaterThanOrEqual(r.top + 1e-9, m)
            XCTAssertLessThanOrEqual(r.count, 5)
        }
    }

    func testTheProgressBarEndsAtAHundredPercentWithRateAndETA() throws {
        let path = makeTemporaryDirectory() + "/b.csv"
        try "channel,target,message\nwebhook,a,1\n\nwebhook,\"b,2\n  \nsms,505-9045845,3\nwebhook,c,4".write(toFile: path, atomically: true, encoding: .utf8)
        var clock: Int64 = 0
        var drawn: [String] = []
        let progress = BatchProgress(total: CSVRecords.countRows(path), draw: { drawn.append($0) }, now_ns: { clock })
        let service = NotificationService(registry: ChannelRegistry(settings: ChannelSettings()), store: nil,
                                          entropy: SeededEntropy(seed: 1), publicURL: nil, wall_ms: { 0 })
        let feed = BatchFeed(reader: try XCTUnwrap(LineReader(path: path)), service: service, channel: nil, dice: SeededEntropy(seed: 1)) { _ in
            progress.step()
        }
        while feed.next() != nil {
            clock += 500_000_000
            progress.step()  // as the sink does when the notification is finished
        }
        XCTAssertEqual(progress.done, 4)
        XCTAssertEqual(drawn.last, "4 / 4 [========================================] 100.00 % 2s 3/s, ETA 0s")
        XCTAssertEqual(BatchProgress.rateAndETA(done: 50, total: 200, elapsed_s: 10), "5/s, ETA 30s")
    }
}

/// An SVG read back with Foundation's XMLParser: fails on anything not well-formed.
struct SVGText {
    struct Element {
        let name: String
        let attributes: [String: String]
    }

    let root: String
    let attributes: [String: String]
    let elements: [Element]
    /// Each <text> element's content.
    let texts: [String]

    init(contentsOf path: String) throws { try self.init(String(contentsOfFile: path, encoding: .utf8)) }

    init(_ text: String) throws {
        final class Collector: NSObject, XMLParserDelegate {
            var elements: [Element] = []
            var texts: [String] = []
            var inText = false
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String] = [:]) {
                elements.append(Element(name: name, attributes: attributes))
                if name == "text" { inText = true; texts.append("") }
            }
            func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
                if name == "text" { inText = false }
            }
            func parser(_ parser: XMLParser, foundCharacters string: String) {
                if inText { texts[texts.count - 1] += string }
            }
        }
        let parser = XMLParser(data: Data(text.utf8))
        let c = Collector()
        parser.delegate = c
        guard parser.parse(), let first = c.elements.first else {
            throw NSError(domain: "SVG", code: 1, userInfo: [NSLocalizedDescriptionKey: "not well-formed: \(parser.parserError.map { "\($0)" } ?? "empty")"])
        }
        root = first.name
        attributes = first.attributes
        elements = Array(c.elements.dropFirst())
        texts = c.texts
    }
}
