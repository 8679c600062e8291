import Foundation
import XCTest
import RcomCore
@testable import RcomNotify

/// Batch files: one row per line, strict RFC 4180 quoting within the line. A bad line is
/// reported with its number and costs only itself; the next line is the next row.
final class BatchCSVTests: XCTestCase {
    func records(_ text: String) throws -> [CSVRecords.Record] {
        let path = makeTemporaryDirectory() + "/batch.csv"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let r = CSVRecords(try XCTUnwrap(LineReader(path: path)))
        var out: [CSVRecords.Record] = []
        while let rec = r.next() { out.append(rec) }
        return out
    }

    func testQuotedFieldsHoldCommasAndDoubledQuotes() throws {
        let rs = try records("channel,target,message\r\nemail,a@example.com,\"line \"\"two\"\", with comma\"\r\n\"\",\"\",\r\n")
        XCTAssertEqual(rs.map(\.line), [1, 2, 3])
        XCTAssertEqual(rs[1].fields, ["email", "a@example.com", "line \"two\", with comma"])
        XCTAssertEqual(rs[2].fields, ["", "", ""])
    }

    func testAnUnclosedQuoteCostsItsLineOnlyAndSaysWhere() throws {
        let rs = try records("sms,+15059045845,\"never closed\nemail,a@example.com,hi\nslack,ops,\"x\"\n")
        XCTAssertEqual(rs.count, 3)
        XCTAssertNil(rs[0].fields)
        XCTAssertEqual(rs[0].problem?.column, 18)
        XCTAssertEqual(rs[0].line, 1)
        XCTAssertEqual(rs[1].fields, ["email", "a@example.com", "hi"])
        XCTAssertEqual(rs[2].fields, ["slack", "ops", "x"], "a later quote is read as its own line's, not as the close of line 1's")
    }

    func testStrictQuoting() {
        func problem(_ line: String) -> CSVLine.Problem? {
            if case .failure(let p) = CSVLine.fields(Substring(line)) { return p }
            return nil
        }
        XCTAssertEqual(problem("sms,1,\"a\"b")?.column, 10, "text after a closing quote")
        XCTAssertEqual(problem("sms,1,say \"hi\"")?.column, 11, "a quote inside an unquoted field")
        XCTAssertEqual(problem("sms,1,\"\"\"")?.column, 7, "an escaped quote then the end: still open")
        XCTAssertNil(problem("sms,1,\"\"\"hi\"\"\""))
        XCTAssertEqual(try? CSVLine.fields("sms,1,\"\"\"hi\"\"\"").get(), ["sms", "1", "\"hi\""])
    }

    func testBatchFeedReportsBadLinesByNumberAndGoesOn() throws {
        let path = makeTemporaryDirectory() + "/batch.csv"
        try "channel,target,message\nslack,team/ops,\"disk full, db-1\"\nsms,505-9045845,\"unclosed\n\nwebhook,ops,after\nsms,1,two,fields,too many\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let service = NotificationService(registry: ChannelRegistry(settings: ChannelSettings()), store: nil,
                                          entropy: SeededEntropy(seed: 1), publicURL: nil, wall_ms: { 0 })
        var skipped = 0
        let feed = BatchFeed(reader: try XCTUnwrap(LineReader(path: path)), service: service, channel: nil, dice: SeededEntropy(seed: 2)) { _ in skipped += 1 }
        var sent: [RcomNotify.Notification] = []
        while let (n, _) = feed.next() { sent.append(n) }
        XCTAssertEqual(sent.map(\.message), ["disk full, db-1", "after"])
        XCTAssertEqual(sent.map(\.trackingURL), ["", ""], "no tracking link unless asked for")
        XCTAssertEqual(feed.counts.lines, 4)
        XCTAssertEqual(feed.counts.invalid, 2)
        XCTAssertEqual(skipped, 2)
        XCTAssertEqual(feed.problems, [
            "line 3: column 17: the quote opened here is not closed on this line (in a batch file a quoted field cannot hold a line break)",
            "line 6: expected channel,target,message, got 5 fields (quote fields that contain commas)",
        ])
        XCTAssertEqual(CSVRecords.countRows(path), 4, "the progress total: rows, not the header or the blank line")
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
