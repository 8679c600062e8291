import Foundation
import XCTest
import RcomStore
@testable import RcomBlacklist

/// The `SuppressionStore` contract (SuppressionStore.swift), one suite for both backends: every
/// test runs its body on SQLite, then on PostgreSQL (`onEachBackend`).
final class SuppressionStoreContractTests: XCTestCase {
    func open(_ b: BackendUnderTest) throws -> any SuppressionStore { try b.location.openSuppressionStore() }

    static func checkpoint(_ fingerprint: String = "10:abc", batches: Int, tally: SuppressionTally,
                           window: WindowProgress? = nil, completed: Bool = false) -> ImportCheckpoint {
        var counters = ImportCounters()
        counters.newlySuppressed = tally.newlySuppressed
        counters.alreadySuppressed = tally.alreadySuppressed
        counters.notSubscribed = tally.notSubscribed
        return ImportCheckpoint(fingerprint: fingerprint, sourcePath: "/data/bounces.csv", nextLine: 2 + batches,
                                byteOffset: Int64(100 * batches), window: window, batchesCommitted: batches,
                                counters: counters, importStartedAt_s: 1_795_000_000, completed: completed)
    }

    func testAFreshDatabaseIsMigratedToTheLatestVersionAndANewerOneIsRefused() throws {
        try onEachBackend { b in
            _ = try open(b)
            switch b.location {
            case .sqlite: XCTAssertEqual(try b.int("PRAGMA user_version"), StoreSchema.latestVersion)
            case .postgres: XCTAssertEqual(try b.int("SELECT max(version) FROM rcom_schema_version"), PostgresSchema.latestVersion)
            }
            _ = try open(b)   // opening again changes nothing
            switch b.location {
            case .sqlite: try b.execute("PRAGMA user_version = \(StoreSchema.latestVersion + 1)")
            case .postgres: try b.execute("UPDATE rcom_schema_version SET version = \(PostgresSchema.latestVersion + 1)")
            }
            XCTAssertThrowsError(try open(b)) { error in
                XCTAssertTrue("\(error)".contains("newer than this rcom knows"), "\(error)")
            }
        }
    }

    func testBothBackendsHaveTheSameMigrations() {
        XCTAssertEqual(StoreSchema.migrations.map(\.version), PostgresSchema.migrations.map(\.version))
        XCTAssertEqual(StoreSchema.migrations.map(\.name), PostgresSchema.migrations.map(\.name))
    }

    func testApplyTalliesEachEntryOnceAndNeverUnsuppresses() throws {
        try onEachBackend { b in
            let store = try open(b)
            try b.execute("""
                INSERT INTO subscriptions (email, id, subscribed_at) VALUES ('a@x.io', 1, 0), ('b@x.io', 2, 0), ('c@x.io', 3, 0)
                """)
            var first = SuppressionBatch()
            first.append(email: "a@x.io", reason: "hard: 550 gone", suppressedAt_s: 100)
            first.append(email: "nobody@x.io", reason: "hard: 550 gone", suppressedAt_s: 100)
            var seen: SuppressionTally?
            let t1 = try store.apply(first) { tally in
                seen = tally
                return Self.checkpoint(batches: 1, tally: tally)
            }
            XCTAssertEqual(seen, t1, "the checkpoint is computed from the batch's own tally")
            XCTAssertEqual([t1.newlySuppressed, t1.alreadySuppressed, t1.notSubscribed], [1, 0, 1])
            XCTAssertEqual(try store.suppression(email: "a@x.io"), Suppression(email: "a@x.io", reason: "hard: 550 gone", suppressedAt_s: 100))
            XCTAssertEqual(try store.suppression(email: "nobody@x.io"),
                           Suppression(email: "nobody@x.io", reason: "hard: 550 gone", suppressedAt_s: 100),
                           "an address with no subscription is counted apart, and on the list too")
            XCTAssertFalse(try store.isSuppressed(email: "b@x.io"))

            // Again with another reason and time: a@ keeps its first suppression.
            var second = SuppressionBatch()
            second.append(email: "a@x.io", reason: "soft: mailbox full", suppressedAt_s: 999)
            second.append(email: "b@x.io", reason: "soft: mailbox full", suppressedAt_s: 200)
            let t2 = try store.apply(second) { Self.checkpoint(batches: 2, tally: $0) }
            XCTAssertEqual([t2.newlySuppressed, t2.alreadySuppressed, t2.notSubscribed], [1, 1, 0])
            XCTAssertEqual(try store.suppression(email: "a@x.io")?.reason, "hard: 550 gone")
            XCTAssertEqual(try store.suppression(email: "a@x.io")?.suppressedAt_s, 100)
            XCTAssertEqual(try store.suppression(email: "b@x.io"), Suppression(email: "b@x.io", reason: "soft: mailbox full", suppressedAt_s: 200))
            XCTAssertEqual(try store.checkpoint(fingerprint: "10:abc")?.batchesCommitted, 2)

            // Flags from a look-up are trusted for the tally; every address goes on the list.
            var flagged = SuppressionBatch()
            flagged.append(email: "c@x.io", reason: "hard: 550 gone", suppressedAt_s: 300)
            flagged.append(email: "d@x.io", reason: "hard: 550 gone", suppressedAt_s: 300)
            flagged.subscribed = [true, false]
            let t3 = try store.apply(flagged) { Self.checkpoint(batches: 3, tally: $0) }
            XCTAssertEqual([t3.newlySuppressed, t3.alreadySuppressed, t3.notSubscribed], [1, 0, 1])
            XCTAssertTrue(try store.isSuppressed(email: "c@x.io"))
            XCTAssertTrue(try store.isSuppressed(email: "d@x.io"))
            // Again: a stranger already on the list is still counted as not subscribed.
            let t4 = try store.apply(flagged) { Self.checkpoint(batches: 4, tally: $0) }
            XCTAssertEqual([t4.newlySuppressed, t4.alreadySuppressed, t4.notSubscribed], [0, 1, 1])
            var unflagged = flagged
            unflagged.subscribed = nil
            let t5 = try store.apply(unflagged) { Self.checkpoint(batches: 5, tally: $0) }
            XCTAssertEqual(t5, t4, "\(b.kind): flags and the store's own look-up tally alike")
        }
    }

    func testCheckpointsRoundTripAndTheLatestIsFoundByPath() throws {
        try onEachBackend { b in
            let store = try open(b)
            XCTAssertNil(try store.checkpoint(fingerprint: "1:x"))
            var tally = SuppressionTally()
            tally.newlySuppressed = 5
            let mid = Self.checkpoint("1:x", batches: 3, tally: tally,
                                      window: WindowProgress(endLine: 500, endOffset: 12_345, appliedThrough: "m@x.io"))
            try store.save(mid)
            XCTAssertEqual(try store.checkpoint(fingerprint: "1:x"), mid)
            XCTAssertEqual(try store.latestCheckpoint(sourcePath: "/data/bounces.csv"), mid)
            let done = Self.checkpoint("1:x", batches: 4, tally: tally, completed: true)
            try store.save(done)
            XCTAssertEqual(try store.checkpoint(fingerprint: "1:x"), done)
            XCTAssertNil(try store.latestCheckpoint(sourcePath: "/elsewhere.csv"))
        }
    }

    func testAFailedBatchCommitsNeitherItsRowsNorItsCheckpoint() throws {
        try onEachBackend { b in
            let store = try open(b)
            try b.execute("INSERT INTO subscriptions (email, id, subscribed_at) VALUES ('a@x.io', 1, 0)")
            var batch = SuppressionBatch()
            batch.append(email: "a@x.io", reason: "hard", suppressedAt_s: 1)
            // The checkpoint is the transaction's last write: make the table refuse it, so the rows
            // already written in the same transaction must go too.
            switch b.location {
            case .sqlite:
                try b.execute("""
                    CREATE TRIGGER refuse BEFORE INSERT ON import_checkpoints BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
                    """)
            case .postgres:
                try b.execute("""
                    CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE 'refused by the test'; END $$;
                    CREATE TRIGGER refuse BEFORE INSERT ON import_checkpoints FOR EACH ROW EXECUTE FUNCTION refuse();
                    """)
            }
            var ran = false
            XCTAssertThrowsError(try store.apply(batch) { tally in
                ran = true
                return Self.checkpoint(batches: 1, tally: tally)
            }) { error in XCTAssertTrue("\(error)".contains("refused by the test"), "\(error)") }
            XCTAssertTrue(ran)
            XCTAssertFalse(try store.isSuppressed(email: "a@x.io"), "the batch rolled back with its checkpoint")
            XCTAssertEqual(try b.int("SELECT count(*) FROM import_checkpoints"), 0)
        }
    }
}
