import Foundation
import XCTest
import RcomStore
@testable import RcomBlacklist

/// A scratch directory with sample data in it, removed when the test ends.
final class TestDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("rcom-blacklist-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Generates `subscriptions.sqlite`, `bounces.csv` and `bounces.txt` here.
    @discardableResult
    func makeSample(subscribers: Int = 3_000, bounces: Int = 2_000, seed: UInt64 = 7) throws -> SampleDataGenerator.Expectation {
        var generator = SampleDataGenerator()
        generator.subscribers = subscribers
        generator.bounces = bounces
        generator.seed = seed
        return try generator.generate(databasePath: path("subscriptions.sqlite"),
                                      csvPath: path("bounces.csv"), listPath: path("bounces.txt"))
    }

    /// A copy of the sample database under another name, so several runs start from one state.
    func copyDatabase(to name: String) throws -> String {
        let target = path(name)
        try FileManager.default.copyItem(atPath: path("subscriptions.sqlite"), toPath: target)
        return target
    }

    func write(_ name: String, _ text: String) throws -> String {
        try Data(text.utf8).write(to: url.appendingPathComponent(name))
        return path(name)
    }
}

/// The end state that must be identical between runs: every subscription's suppression state, as
/// the `subscription_status` view joins it from `suppressions` (schema 4).
enum StoreDump {
    static func subscriptions(_ path: String) throws -> [String] {
        let db = try SQLiteDatabase(path: path, options: {
            var o = SQLiteDatabase.Options()
            o.readOnly = true
            return o
        }())
        let s = try db.prepare("""
            SELECT email, id, suppressed, coalesce(suppression_reason, ''), coalesce(suppressed_at, -1)
            FROM subscription_status ORDER BY email
            """)
        var rows: [String] = []
        while try s.step() {
            rows.append("\(s.text(0) ?? "")|\(s.int64(1))|\(s.int64(2))|\(s.text(3) ?? "")|\(s.int64(4))")
        }
        return rows
    }

    /// `subscriptions`, then the rows of `suppressions` and `suppression_reasons` themselves, ids
    /// included: for runs that must be identical row for row (same file, same sizes: only the
    /// mode or an interruption differs). Reason ids follow the order reasons are first applied,
    /// so other batch or window sizes may number them differently.
    static func tables(_ path: String) throws -> [String] {
        var rows = try subscriptions(path)
        let db = try SQLiteDatabase(path: path, options: {
            var o = SQLiteDatabase.Options()
            o.readOnly = true
            return o
        }())
        let raw = try db.prepare("SELECT email, reason_id, suppressed_at FROM suppressions ORDER BY email")
        while try raw.step() { rows.append("suppression \(raw.text(0) ?? "")|\(raw.int64(1))|\(raw.int64(2))") }
        let reasons = try db.prepare("SELECT id, reason FROM suppression_reasons ORDER BY id")
        while try reasons.step() { rows.append("reason \(reasons.int64(0))|\(reasons.text(1) ?? "")") }
        return rows
    }

    static func suppressedCount(_ path: String) throws -> Int {
        let db = try SQLiteDatabase(path: path)
        return Int(try db.scalarInt("SELECT count(*) FROM subscription_status WHERE suppressed = 1") ?? -1)
    }

    /// Batches committed so far by the import of any file, or 0 before the first commit.
    static func batchesCommitted(_ path: String) -> Int {
        guard let db = try? SQLiteDatabase(path: path),
              let n = try? db.scalarInt("SELECT max(batches_committed) FROM import_checkpoints") else { return 0 }
        return Int(n)
    }
}

/// Options that make small files exercise many windows and transactions.
func smallOptions(_ mode: ImportOptions.Mode, batch: Int = 50, window: Int = 300) -> ImportOptions {
    var options = ImportOptions(importStartedAt_s: 1_795_000_000)
    options.mode = mode
    options.batchLines = batch
    options.windowLines = window
    options.workers = 4
    // Several parts per window, so that parts and resuming inside a window's later parts are
    // exercised (the window's last transaction of each part is a short one).
    options.partAddresses = 120
    return options
}

func runImport(_ file: String, db: String, _ options: ImportOptions,
               interrupt: InterruptFlag? = nil, progress: ((ImportProgress) -> Void)? = nil) throws -> ImportReport {
    let store = try SQLiteSuppressionStore(path: db)
    return try SuppressionImporter(store: store, options: options, interrupt: interrupt, progress: progress)
        .run(path: file, displayDatabase: db)
}

/// The `rcom` executable SwiftPM built next to the test bundle, for tests that run it as a child.
func rcomBinaryURL() throws -> URL {
    let candidates = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(),
                      Bundle(for: TestDirectory.self).bundleURL.deletingLastPathComponent()]
    for dir in candidates {
        let url = dir.appendingPathComponent("rcom")
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    throw XCTSkip("no rcom binary next to the test bundle (\(candidates.map(\.path))); run swift build first")
}
