import Foundation
import XCTest
import RcomCore
@testable import RcomNotify

/// Batch files are RFC 4180 CSV: quoted fields may hold commas, quotes and line breaks.
final class BatchCSVTests: XCTestCase {
    func records(_ text: String) throws -> [CSVRecords.Record] {
        let path = makeTemporaryDirectory() + "/batch.csv"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let r = CSVRecords(try XCTUnwrap(LineReader(path: path)))
        var out: [CSVRecords.Record] = []
        while let rec = r.next() { out.append(rec) }
        return out
    }

    func testQuotedFieldsSpanLines() throws {
        let rs = try records("channel,target,message\r\nemail,a@example.com,\"line one\r\nline \"\"two\"\", with comma\r\n\r\nend\"\r\nsms,+15059045845,plain\r\n")
        XCTAssertEqual(rs.map(\.line), [1, 2, 6])
        XCTAssertEqual(rs[1].fields, ["email", "a@example.com", "line one\nline \"two\", with comma\n\nend"])
        XCTAssertEqual(rs[2].fields, ["sms", "+15059045845", "plain"])
    }

    func testAnUnclosedQuoteIsOneInvalidRecordNotASilentSwallow() throws {
        let rs = try records("sms,+15059045845,\"never closed\nemail,a@example.com,hi\n")
        XCTAssertEqual(rs.count, 1)
        XCTAssertNil(rs[0].fields)
        XCTAssertEqual(rs[0].line, 1)
    }

    func testBatchFeedDeliversAMultiLineMessage() throws {
        let path = makeTemporaryDirectory() + "/batch.csv"
        try "channel,target,message\nslack,team/ops,\"disk full\non db-1\"\nsms,505-9045845,\"unclosed\n".write(toFile: path, atomically: true, encoding: .utf8)
        let service = NotificationService(registry: ChannelRegistry(settings: ChannelSettings()), store: nil,
                                          entropy: SeededEntropy(seed: 1), publicURL: "http://t.example", wall_ms: { 0 })
        let feed = BatchFeed(reader: try XCTUnwrap(LineReader(path: path)), service: service, channel: nil, dice: SeededEntropy(seed: 2))
        let (n, _) = try XCTUnwrap(feed.next())
        XCTAssertEqual(n.message, "disk full\non db-1")
        XCTAssertNil(feed.next())
        XCTAssertEqual(feed.counts.prepared, 1)
        XCTAssertEqual(feed.counts.invalid, 1)
        XCTAssertEqual(feed.problems.first?.hasPrefix("line 4: a quoted field is never closed"), true, "\(feed.problems)")
    }

    func testDryRunNamesTheSimulatorInsteadOfAPlaceholderAddress() {
        let n = Deliver.notification("slack", "c3245/databases")
        let request = SlackChannel(settings: ChannelSettings()).request(for: n)
        let shown = RequestRendering.render(request, simulated: true)
        XCTAssertFalse(shown.contains("9200"), shown)
        XCTAssertTrue(shown.hasPrefix("POST /slack/c3245/databases HTTP/1.1\nHost: (in-process simulator)\n"), shown)
        XCTAssertTrue(shown.contains("in-process providers simulator"), shown)
        let mail = RequestRendering.render(EmailChannel(settings: ChannelSettings()).request(for: Deliver.notification("email", "a@example.com")),
                                           simulated: true)
        XCTAssertTrue(mail.hasPrefix("SMTP (in-process simulator)\n"), mail)
        // A configured endpoint is shown as it is.
        let real = SlackChannel(settings: ChannelSettings(values: ["RCOM_SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/X"]))
        XCTAssertTrue(RequestRendering.render(real.request(for: n)).hasPrefix("POST https://hooks.slack.com/services/T/B/X HTTP/1.1"))
    }
}
