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
        // The same notifications in SNS's envelope (HTTP/SQS delivery), after a
        // SubscriptionConfirmation and before another publisher's "Hello world!".
        ("ses-sns-envelope.jsonl", "ses-sns", "ses-sns (JSON)", 4),
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

    /// SNS envelopes are unwrapped, and what is skipped is counted by why: the transient bounce
    /// as not permanent; the Delivery notification, the SubscriptionConfirmation and the message
    /// that is no SES notification as no bounce or complaint. The CLI's report says both.
    func testSNSEnvelopesAreUnwrappedAndTheirSkipsCountedByWhy() throws {
        try onEachBackend { b in
            try b.makeSample(subscribers: 50, bounces: 20)
            let run = finish(try startRcom(["blacklist", try fixture("ses-sns-envelope.jsonl"), "--db", b.dbArgument]))
            XCTAssertEqual(run.status, 0, run.stderr)
            XCTAssertTrue(run.stdout.contains("ses-sns (JSON)"), run.stdout)
            XCTAssertNotNil(run.stdout.range(of: "not permanent +1\n", options: .regularExpression), run.stdout)
            XCTAssertNotNil(run.stdout.range(of: "no bounce/complaint +3\n", options: .regularExpression), run.stdout)
            XCTAssertNotNil(run.stdout.range(of: "valid +3\n", options: .regularExpression), run.stdout)
            XCTAssertNotNil(run.stdout.range(of: "malformed +0\n", options: .regularExpression), run.stdout)

            let other = try BackendUnderTest(b.kind)
            try other.makeSample(subscribers: 50, bounces: 20)
            let json = finish(try startRcom(["blacklist", try fixture("ses-sns-envelope.jsonl"), "--db", other.dbArgument,
                                             "--json"]))
            XCTAssertEqual(json.status, 0, json.stderr)
            XCTAssertTrue(json.stdout.contains("\"skipped\":4"), json.stdout)
            XCTAssertTrue(json.stdout.contains("\"skipped_by\":{\"not_bounce\":3,\"not_permanent\":1}"), json.stdout)
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

    /// kill -9 at several commits of a JSON import (SES pages: records inside a member of
    /// documents that follow one another), then --resume: the end state is the clean run's.
    func testKillNineThenResumeOfAJSONExportEndsLikeACleanRun() throws {
        try onEachBackend { clean in
            func sample(_ b: BackendUnderTest) throws -> String {
                var generator = SampleDataGenerator()
                generator.subscribers = 3_000
                generator.bounces = 2_000
                generator.seed = 7
                generator.exports = [(.ses, b.path("bounces.ses.json"))]
                if case .sqlite(let path) = b.location { try? FileManager.default.removeItem(atPath: path) }
                _ = try generator.generate(database: b.location, csvPath: b.path("bounces.csv"), listPath: b.path("bounces.txt"),
                                       replace: true)
                return b.path("bounces.ses.json")
            }
            func arguments(_ b: BackendUnderTest, _ file: String, _ extra: [String]) -> [String] {
                ["blacklist", file, "--db", b.dbArgument, "--batch", "25", "--window", "400", "--json"] + extra
            }
            let cleanFile = try sample(clean)
            let cleanRun = finish(try startRcom(arguments(clean, cleanFile, [])))
            XCTAssertEqual(cleanRun.status, 0, cleanRun.stderr)
            XCTAssertTrue(cleanRun.stdout.contains("\"format\":\"ses (JSON)\""), cleanRun.stdout)
            let expected = try clean.dump()

            for point in [(batches: 3, mode: "sequential"), (batches: 30, mode: "concurrent"), (batches: 47, mode: "sequential")] {
                let b = try BackendUnderTest(clean.kind)
                let file = try sample(b)
                let child = try startRcom(arguments(b, file, ["-m", point.mode, "--pause-ms", "3", "--writers", "4"]))
                let deadline = Date().addingTimeInterval(60)
                // The most seen: with parallel writers the count is read in two queries (stored
                // checkpoint, then the log), which a fold between them can make look smaller.
                var reached = b.batchesCommitted()
                while reached < point.batches && child.0.isRunning && Date() < deadline {
                    usleep(2_000)  // a polling interval, not a wait for the condition
                    reached = max(reached, b.batchesCommitted())
                }
                kill(child.0.processIdentifier, SIGKILL)
                let killed = finish(child)
                XCTAssertGreaterThanOrEqual(reached, point.batches, "\(b.kind) \(point): \(killed.stderr)")
                XCTAssertEqual(child.0.terminationReason, .uncaughtSignal, "killed before it finished: \(b.kind) \(point)")
                let resumed = finish(try startRcom(arguments(b, file, ["--resume", "-m", point.mode, "--writers", "4"])))
                XCTAssertEqual(resumed.status, 0, "\(b.kind) \(point): \(resumed.stderr)")
                XCTAssertEqual(try b.dump(), expected, "\(b.kind) \(point)")
            }
        }
    }
}
