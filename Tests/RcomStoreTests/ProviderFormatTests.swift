import Foundation
import XCTest
import RcomStore
@testable import RcomBlacklist

/// Each provider's export (fixtures written from the providers' documentation: design/blacklist.md
/// cites the pages) gives, row for row, the suppressions of the same bounces written as the
/// generic CSV (`<name>.expected.csv`, written by hand from the same documentation), on each backend.
final class ProviderFormatTests: XCTestCase {
    static let fixtures: [(file: String, expected: String, format: String, skipped: Int)] = [
        ("sendgrid.json", "sendgrid", "sendgrid (JSON)", 0),
        ("sendgrid.csv", "sendgrid", "sendgrid (CSV)", 0),
        ("mailgun.json", "mailgun", "mailgun (JSON)", 0),
        ("mailgun.csv", "mailgun", "mailgun (CSV)", 0),
        ("ses.json", "ses", "ses (JSON)", 0),
        ("ses-sns.jsonl", "ses-sns", "ses-sns (JSON)", 2),
        ("postmark.json", "postmark", "postmark (JSON)", 2),
    ]

    func fixture(_ name: String) throws -> String {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/bounce-formats/\(name)", withExtension: nil))
        return url.path
    }

    func options(_ mode: ImportOptions.Mode) -> ImportOptions {
        var options = ImportOptions(importStartedAt_s: 1_795_000_000)
        options.mode = mode
        options.batchLines = 2
        options.windowLines = 3
        options.workers = 2
        options.writers = 2
        return options
    }

    func suppressions(_ b: BackendUnderTest) throws -> [String] {
        try b.dump().filter { $0.hasPrefix("suppression ") }
    }

    func testEachProviderFormatSuppressesLikeTheGenericCSV() throws {
        try onEachBackend { first in
            for fixture in Self.fixtures {
                for mode in ImportOptions.Mode.allCases {
                    let expected = try BackendUnderTest(first.kind)
                    let csv = try SuppressionImporter(store: try expected.location.openSuppressionStore(), options: options(mode))
                        .run(path: try self.fixture("\(fixture.expected).expected.csv"))
                    XCTAssertEqual(csv.format, "csv")
                    let b = try BackendUnderTest(first.kind)
                    let report = try SuppressionImporter(store: try b.location.openSuppressionStore(), options: options(mode))
                        .run(path: try self.fixture(fixture.file))
                    let name = "\(b.kind) \(mode) \(fixture.file)"
                    XCTAssertEqual(report.format, fixture.format, name)
                    XCTAssertTrue(report.completed, name)
                    XCTAssertEqual(report.skipped, fixture.skipped, name)
                    XCTAssertEqual(report.counters.valid, csv.counters.valid, name)
                    XCTAssertEqual(report.counters.malformed, csv.counters.malformed, name)
                    let rows = try suppressions(b)
                    XCTAssertFalse(rows.isEmpty, name)
                    XCTAssertEqual(rows, try suppressions(expected), name)
                }
            }
        }
    }

    /// `--format` forces a provider; a file of no known format is refused before the database
    /// is opened, with exit status 2, and names the formats tried.
    func testAnUnrecognisableFileExitsTwoAndTouchesNothing() throws {
        try onEachBackend { b in
            try b.makeSample(subscribers: 50, bounces: 20)
            let before = try b.dump()
            let junk = b.path("export.json")
            try Data("{\"data\": [{\"mail\": \"a@example.com\"}]}\n".utf8).write(to: URL(fileURLWithPath: junk))
            let run = finish(try startRcom(["blacklist", junk, "--db", b.dbArgument]))
            XCTAssertEqual(run.status, 2, run.stderr)
            XCTAssertTrue(run.stderr.contains("cannot tell the format"), run.stderr)
            XCTAssertTrue(run.stderr.contains("sendgrid, mailgun, ses, ses-sns, postmark, csv, list"), run.stderr)
            XCTAssertEqual(try b.dump(), before)

            let forced = finish(try startRcom(["blacklist", try fixture("sendgrid.json"), "--format", "mailgun",
                                               "--db", b.dbArgument, "--json"]))
            XCTAssertEqual(forced.status, 1, "read as Mailgun's layout, SendGrid's array holds no record: \(forced.stderr)")
            let right = finish(try startRcom(["blacklist", try fixture("sendgrid.json"), "--format", "sendgrid",
                                              "--db", b.dbArgument, "--json"]))
            XCTAssertEqual(right.status, 0, right.stderr)
            XCTAssertTrue(right.stdout.contains("\"format\":\"sendgrid (JSON)\""), right.stdout)
        }
    }
}
