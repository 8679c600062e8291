import Foundation
import XCTest
import RcomStore
@testable import RcomBlacklist

/// Which store a contract test runs against. The suites are written once against
/// `BackendUnderTest`; each backend is one subclass naming its kind.
enum BackendKind: String {
    case sqlite, postgres

    /// The server the PostgreSQL half runs against: scripts/test starts a throwaway cluster and
    /// sets it. Without it, the PostgreSQL half is skipped with this message (a plain `swift test`).
    static let postgresVariable = "RCOM_TEST_POSTGRES_URL"
}

/// A fresh, empty database of one kind, in a scratch directory, removed at the end: its location
/// for the stores and for `rcom --db`, and plain SQL access for setting up and dumping.
final class BackendUnderTest {
    let kind: BackendKind
    let directory: URL
    let location: StoreLocation
    private var adminURL: PostgresURL?
    private var databaseName = ""

    init(_ kind: BackendKind) throws {
        self.kind = kind
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("rcom-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        switch kind {
        case .sqlite:
            location = .sqlite(path: directory.appendingPathComponent("store.sqlite").path)
        case .postgres:
            guard let text = ProcessInfo.processInfo.environment[BackendKind.postgresVariable], !text.isEmpty else {
                try? FileManager.default.removeItem(at: directory)
                throw XCTSkip("PostgreSQL half skipped: \(BackendKind.postgresVariable) is not set (scripts/test starts a throwaway server and sets it)")
            }
            let admin = try PostgresURL(parsing: text)
            adminURL = admin
            databaseName = "rcom_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
            try PostgresConnection(url: admin).execute("CREATE DATABASE \(databaseName)")
            var url = admin
            url.database = databaseName
            location = .postgres(url)
        }
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
        if let adminURL, let admin = try? PostgresConnection(url: adminURL) {
            try? admin.execute("DROP DATABASE IF EXISTS \(databaseName) WITH (FORCE)")
        }
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// What `rcom --db` takes: the path, or the URL with its password.
    var dbArgument: String {
        switch location {
        case .sqlite(let path): return path
        case .postgres(let url):
            let password = url.password.map { ":\($0)" } ?? ""
            return "postgres://\(url.user)\(password)@\(url.host):\(url.port)/\(url.database)"
        }
    }

    var postgresURL: PostgresURL? {
        if case .postgres(let url) = location { return url }
        return nil
    }

    /// Runs statements that return nothing (setup).
    func execute(_ sql: String) throws {
        switch location {
        case .sqlite(let path): try SQLiteDatabase(path: path).execute(sql)
        case .postgres(let url): try PostgresConnection(url: url).execute(sql)
        }
    }

    /// Every row of `sql`, columns joined by "|" (NULL as "∅"); the same SQL runs on both.
    func rows(_ sql: String) throws -> [String] {
        switch location {
        case .sqlite(let path):
            let db = try SQLiteDatabase(path: path)
            let s = try db.prepare(sql)
            let columns = s.columnCount
            var out: [String] = []
            while try s.step() {
                out.append((0..<columns).map { s.isNull($0) ? "∅" : (s.text($0) ?? "") }.joined(separator: "|"))
            }
            return out
        case .postgres(let url):
            let r = try PostgresConnection(url: url).query(sql)
            return (0..<r.count).map { row in
                (0..<r.columnCount).map { r.text(row, $0) ?? "∅" }.joined(separator: "|")
            }
        }
    }

    func int(_ sql: String) throws -> Int { Int(try rows(sql).first ?? "") ?? -1 }

    /// The generator's sample: subscriptions into this database, bounces.csv and bounces.txt
    /// into the directory.
    @discardableResult
    func makeSample(subscribers: Int = 3_000, bounces: Int = 2_000, seed: UInt64 = 7) throws -> SampleDataGenerator.Expectation {
        var generator = SampleDataGenerator()
        generator.subscribers = subscribers
        generator.bounces = bounces
        generator.seed = seed
        if case .sqlite(let path) = location { try? FileManager.default.removeItem(atPath: path) }
        return try generator.generate(database: location, csvPath: path("bounces.csv"), listPath: path("bounces.txt"),
                                      replace: true)
    }

    /// The end state two equivalent imports must share: every subscription's suppression, every
    /// row of `suppressions` (reason as text: ids are numbered differently by the two backends),
    /// and the checkpoints' counters.
    func dump() throws -> [String] {
        try rows("""
            SELECT s.email, s.id, CASE WHEN p.email IS NULL THEN 0 ELSE 1 END, coalesce(r.reason, ''), coalesce(p.suppressed_at, -1)
            FROM subscriptions s LEFT JOIN suppressions p ON p.email = s.email
            LEFT JOIN suppression_reasons r ON r.id = p.reason_id ORDER BY s.email
            """) + rows("""
            SELECT 'suppression ' || p.email, r.reason, p.suppressed_at FROM suppressions p
            LEFT JOIN suppression_reasons r ON r.id = p.reason_id ORDER BY p.email
            """) + rows("""
            SELECT 'checkpoint', next_line, byte_offset, batches_committed, lines_read, valid, malformed, blank,
                   duplicates, newly_suppressed, already_suppressed, not_subscribed, completed
            FROM import_checkpoints ORDER BY fingerprint
            """)
    }

    /// Batches committed so far by any import (the checkpoint and, with parallel writers, the
    /// batches logged past it).
    func batchesCommitted() -> Int {
        let stored = (try? int("SELECT coalesce(max(batches_committed), 0) FROM import_checkpoints")) ?? 0
        let logged = (try? int("SELECT count(*) FROM import_batches")) ?? 0
        return max(stored, 0) + max(logged, 0)
    }
}

/// The `rcom` executable SwiftPM built next to the test bundle, for tests that run it as a child.
func rcomBinaryURL() throws -> URL {
    let candidates = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(),
                      Bundle(for: BackendUnderTest.self).bundleURL.deletingLastPathComponent()]
    for dir in candidates {
        let url = dir.appendingPathComponent("rcom")
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    throw XCTSkip("no rcom binary next to the test bundle (\(candidates.map(\.path))); run swift build first")
}

extension XCTestCase {
    /// Runs `body` on a fresh SQLite database, then on a fresh PostgreSQL database: the one suite
    /// of each store contract. Without a PostgreSQL server (a plain `swift test`), the SQLite half
    /// runs and the test then reports itself skipped, saying why.
    func onEachBackend(_ body: (BackendUnderTest) throws -> Void) throws {
        try body(BackendUnderTest(.sqlite))
        try body(BackendUnderTest(.postgres))
    }
}

extension XCTestCase {
    /// Starts the built `rcom` with `arguments`, its output on pipes (`finish` reads them).
    func startRcom(_ arguments: [String]) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = try rcomBinaryURL()
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return (process, out, err)
    }

    func finish(_ p: (Process, Pipe, Pipe)) -> (status: Int32, stdout: String, stderr: String) {
        let stdout = String(decoding: p.1.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: p.2.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.0.waitUntilExit()
        return (p.0.terminationStatus, stdout, stderr)
    }
}
