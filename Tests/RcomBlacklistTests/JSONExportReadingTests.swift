import Foundation
import XCTest
import RcomCore
import RcomStore
@testable import RcomBlacklist

/// Reading providers' JSON exports: a document cut short or broken is an error at its byte
/// offset, with nothing applied past the last committed batch; records are found whatever the
/// chunk boundaries; untrusted text is escaped before it is shown.
final class JSONExportReadingTests: XCTestCase {
    func sendgrid(_ count: Int) -> String {
        "[\n" + (0..<count).map { i in
            "  {\"created\": \(1_790_000_000 + i), \"email\": \"user\(i)@example.com\", \"reason\": \"550 5.1.1 User unknown\", \"status\": \"5.1.1\"}"
        }.joined(separator: ",\n") + "\n]\n"
    }

    func testATruncatedDocumentIsAnErrorAtItsEndAndOnlyWholeWindowsAreApplied() throws {
        let dir = try TestDirectory()
        try dir.makeSample(subscribers: 50, bounces: 10)
        let whole = Array(sendgrid(10).utf8)
        // Cut inside the 8th record: windows of 4 records, so records 1-4 are one committed
        // window, and the window of records 5-8 is never applied.
        let cut = Array(whole.prefix(whole.count * 3 / 4))
        let file = dir.path("bounces.json")
        try Data(cut).write(to: URL(fileURLWithPath: file))
        for mode in ImportOptions.Mode.allCases {
            let db = try dir.copyDatabase(to: "\(mode).sqlite")
            XCTAssertThrowsError(try runImport(file, db: db, smallOptions(mode, batch: 2, window: 4))) { error in
                guard case ImportError.invalidDocument(_, let syntax) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(syntax.offset, cut.count, "the error is at the end of the cut file")
                XCTAssertTrue("\(error)".contains("at byte \(cut.count)"), "\(error)")
                XCTAssertTrue("\(error)".contains("ends inside"), "\(error)")
            }
            let sqlite = try SQLiteDatabase(path: db)
            let rows = try sqlite.scalarInt("SELECT count(*) FROM suppressions") ?? -1
            let checkpointed = try sqlite.scalarInt("SELECT coalesce(max(not_subscribed + newly_suppressed), 0) FROM import_checkpoints") ?? -1
            // Sequential applies the first window before reading on; concurrent's reader runs
            // ahead and may reach the error first. Either way: whole windows, all checkpointed.
            if mode == .sequential { XCTAssertEqual(rows, 4, "the first window's records, and nothing after it") }
            XCTAssertTrue(rows == 0 || rows == 4, "\(mode): \(rows) rows")
            XCTAssertEqual(rows, checkpointed, "\(mode): no row past the last committed checkpoint")
        }
    }

    func testABrokenStructureIsAnErrorAtTheOffendingByte() throws {
        let dir = try TestDirectory()
        try dir.makeSample(subscribers: 50, bounces: 10)
        let text = "{\"items\": [{\"address\": \"a@example.com\", \"code\": \"550\"}], \"paging\": {\"next\": \"x\"]}\n"
        let file = try dir.write("mailgun.json", text)
        let db = try dir.copyDatabase(to: "db.sqlite")
        let offset = Array(text.utf8).firstIndex(of: UInt8(ascii: "]"))!
        let bracket = Array(text.utf8)[(offset + 1)...].firstIndex(of: UInt8(ascii: "]"))!
        XCTAssertThrowsError(try runImport(file, db: db, smallOptions(.sequential))) { error in
            guard case ImportError.invalidDocument(_, let syntax) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(syntax.offset, bracket, "\(error)")
        }
    }

    /// The scanner finds the same records however the document is cut into chunks.
    func testRecordsAreFoundAcrossAnyChunkBoundary() throws {
        let text = Array("{\"TotalCount\": 2, \"Bounces\": [{\"Email\": \"a@x.io\", \"Details\": \"a \\\"}] b\"},\n {\"Email\": \"b@x.io\", \"n\": [1, {\"c\": []}]}]}".utf8)
        func records(chunk: Int) throws -> [String] {
            var scanner = JSONRecordScanner(layout: .memberElements("Bounces"))
            var out: [String] = [], start = 0
            var from = 0
            while from < text.count {
                let piece = Array(text[from..<min(from + chunk, text.count)])
                let base = from
                try piece.withUnsafeBufferPointer { p throws(JSONSyntaxError) in
                    try scanner.scan(p) { edge in
                        switch edge {
                        case .start(let i): start = base + i
                        case .end(let i): out.append(String(decoding: text[start..<(base + i)], as: UTF8.self))
                        }
                    }
                }
                from += chunk
            }
            try scanner.finish()
            return out
        }
        let expected = ["{\"Email\": \"a@x.io\", \"Details\": \"a \\\"}] b\"}", "{\"Email\": \"b@x.io\", \"n\": [1, {\"c\": []}]}"]
        for chunk in [1, 2, 3, 7, 64] { XCTAssertEqual(try records(chunk: chunk), expected, "chunks of \(chunk)") }
    }

    /// Inside a record the scanner follows only strings and brackets: a record broken between
    /// them (a missing comma) is one malformed record, read by the strict reader, and the records
    /// after it are read; a raw newline inside a string (a quote missing) still stops the import
    /// at its byte, since every record after it would be shifted.
    func testABrokenRecordIsMalformedAndAMissingQuoteIsFatal() throws {
        let dir = try TestDirectory()
        try dir.makeSample(subscribers: 50, bounces: 10)
        let text = "[{\"email\": \"a@example.com\" \"status\": \"5.1.1\"},\n {\"email\": \"b@example.com\", \"status\": \"5.1.1\"}]\n"
        let report = try runImport(try dir.write("sendgrid.json", text), db: try dir.copyDatabase(to: "db.sqlite"),
                                   smallOptions(.sequential))
        XCTAssertEqual(report.counters.malformed, 1)
        XCTAssertEqual(report.counters.valid, 1)
        XCTAssertTrue(report.malformedSamples.first?.problem.contains("invalid JSON: expected ',' or '}'") ?? false,
                      "\(report.malformedSamples)")

        let quote = "[{\"email\": \"a@example.com, \"status\": \"5.1.1\"},\n {\"email\": \"b@example.com\"}]\n"
        let newline = Array(quote.utf8).firstIndex(of: 0x0a)!
        XCTAssertThrowsError(try runImport(try dir.write("quote.json", quote), db: try dir.copyDatabase(to: "db2.sqlite"),
                                           smallOptions(.sequential))) { error in
            guard case ImportError.invalidDocument(_, let syntax) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(syntax.offset, newline, "\(error)")
        }
    }

    /// A reason with terminal escapes (an SES diagnostic code) is stored as given, and shown
    /// escaped: a malformed record's sample never carries a raw control byte.
    func testUntrustedTextIsEscapedInTheReport() throws {
        let dir = try TestDirectory()
        try dir.makeSample(subscribers: 50, bounces: 10)
        let line = "{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\",\"bouncedRecipients\":" +
            "[{\"emailAddress\":\"\\u001b[2Jx@evil\\u0007.com\",\"diagnosticCode\":\"smtp; 550 \\u001b]0;owned\\u0007\"}]}}\n"
        let file = try dir.write("sns.jsonl", line)
        let db = try dir.copyDatabase(to: "db.sqlite")
        let report = try runImport(file, db: db, smallOptions(.sequential))
        XCTAssertEqual(report.format, "ses-sns (JSON)")
        XCTAssertEqual(report.counters.malformed, 1)
        let text = report.text + report.json
        XCTAssertFalse(text.utf8.contains { ($0 < 0x20 && $0 != 0x0a) || $0 == 0x7f }, text)
    }
}
