import XCTest
import RcomStore

final class SQLiteSuppressionStoreTests: XCTestCase {
    func makeStore(_ dir: TestDirectory) throws -> SQLiteSuppressionStore {
        let store = try SQLiteSuppressionStore(path: dir.path("s.sqlite"))
        try store.database.execute("""
            INSERT INTO subscriptions (email, id, subscribed_at) VALUES
              ('a@x.io', 1, 0), ('b@x.io', 2, 0), ('c@x.io', 3, 0);
            """)
        return store
    }

    func checkpoint(_ line: Int) -> ImportCheckpoint {
        ImportCheckpoint(fingerprint: "f", sourcePath: "/in", nextLine: line, byteOffset: Int64(line * 10),
                         batchesCommitted: 1, counters: ImportCounters(), importStartedAt_s: 5, completed: false)
    }

    func testMigratesOnceAndRefusesANewerSchema() throws {
        let dir = try TestDirectory()
        let path = dir.path("s.sqlite")
        _ = try SQLiteSuppressionStore(path: path)
        let db = try SQLiteDatabase(path: path)
        XCTAssertEqual(try db.userVersion(), StoreSchema.latestVersion)
        _ = try SQLiteSuppressionStore(database: db)  // a second open changes nothing and does not fail
        try db.execute("PRAGMA user_version = \(StoreSchema.latestVersion + 1)")
        XCTAssertThrowsError(try SQLiteSuppressionStore(path: path)) { error in
            XCTAssertTrue("\(error)".contains("newer than this rcom"), "\(error)")
        }
    }

    func testMigration4MovesExistingSuppressionsIntoTheirOwnTable() throws {
        let dir = try TestDirectory()
        let path = dir.path("v3.sqlite")
        let old = try SQLiteDatabase(path: path)
        try StoreSchema.migrate(old, migrations: Array(StoreSchema.migrations.prefix(3)))
        try old.execute("""
            INSERT INTO suppression_reasons (id, reason) VALUES (7, 'hard bounce: 550 gone');
            INSERT INTO subscriptions (email, id, subscribed_at, suppressed, suppression_reason_id, suppressed_at)
              VALUES ('a@x.io', 1, 0, 1, 7, 100), ('b@x.io', 2, 0, 0, NULL, NULL);
            """)
        let store = try SQLiteSuppressionStore(database: old)
        XCTAssertEqual(try old.userVersion(), StoreSchema.latestVersion)
        XCTAssertEqual(try store.suppression(email: "a@x.io"),
                       Suppression(email: "a@x.io", reason: "hard bounce: 550 gone", suppressedAt_s: 100))
        XCTAssertFalse(try store.isSuppressed(email: "b@x.io"))
        // A tool still writing the old column keeps suppressing (mirrored by a trigger).
        try old.execute("UPDATE subscriptions SET suppressed = 1 WHERE email = 'b@x.io'")
        XCTAssertTrue(try store.isSuppressed(email: "b@x.io"))
        XCTAssertEqual(try old.scalarInt("SELECT count(*) FROM subscription_status WHERE suppressed = 1"), 2)
    }

    func testOpeningSomethingThatIsNotADatabaseSaysSo() throws {
        let dir = try TestDirectory()
        let path = try dir.write("junk.sqlite", String(repeating: "not a database\n", count: 100))
        XCTAssertThrowsError(try SQLiteSuppressionStore(path: path)) { error in
            XCTAssertTrue("\(error)".contains("not a usable SQLite database"), "\(error)")
        }
    }

    func testApplyCountsEachAddressOnceAndNeverUnsuppresses() throws {
        let dir = try TestDirectory()
        let store = try makeStore(dir)
        var first = SuppressionBatch()
        first.append(email: "a@x.io", reason: "hard bounce: 550 gone", suppressedAt_s: 100)
        first.append(email: "zz@x.io", reason: "hard bounce", suppressedAt_s: 100)
        let t1 = try store.apply(first) { _ in self.checkpoint(3) }
        XCTAssertEqual([t1.newlySuppressed, t1.alreadySuppressed, t1.notSubscribed], [1, 0, 1])

        var second = SuppressionBatch()
        second.append(email: "a@x.io", reason: "soft bounce: 452 full", suppressedAt_s: 999)
        second.append(email: "b@x.io", reason: "soft bounce: 452 full", suppressedAt_s: 200)
        let t2 = try store.apply(second) { _ in self.checkpoint(5) }
        XCTAssertEqual([t2.newlySuppressed, t2.alreadySuppressed, t2.notSubscribed], [1, 1, 0])

        XCTAssertEqual(try store.suppression(email: "a@x.io"),
                       Suppression(email: "a@x.io", reason: "hard bounce: 550 gone", suppressedAt_s: 100),
                       "the first suppression keeps its reason and time")
        XCTAssertTrue(try store.isSuppressed(email: "b@x.io"))
        XCTAssertFalse(try store.isSuppressed(email: "c@x.io"))
        XCTAssertTrue(try store.isSuppressed(email: "zz@x.io"), "unknown addresses go on the list too (counted apart)")
        XCTAssertEqual(try store.checkpoint(fingerprint: "f")?.nextLine, 5)
    }

    func testApplyingARangeTouchesOnlyThoseEntriesAndAnEmptyRangeOnlyTheCheckpoint() throws {
        let dir = try TestDirectory()
        let store = try makeStore(dir)
        var batch = SuppressionBatch()
        for email in ["a@x.io", "b@x.io", "c@x.io", "zz@x.io"] {
            batch.append(email: email, reason: "hard bounce", suppressedAt_s: 7)
        }
        let none = try store.apply(batch, entries: 2..<2) { _ in self.checkpoint(2) }
        XCTAssertEqual([none.newlySuppressed, none.alreadySuppressed, none.notSubscribed], [0, 0, 0])
        XCTAssertEqual(try store.checkpoint(fingerprint: "f")?.nextLine, 2)
        let middle = try store.apply(batch, entries: 1..<4) { _ in self.checkpoint(4) }
        XCTAssertEqual([middle.newlySuppressed, middle.alreadySuppressed, middle.notSubscribed], [2, 0, 1])
        XCTAssertFalse(try store.isSuppressed(email: "a@x.io"), "outside the range")
        XCTAssertEqual(try store.suppression(email: "c@x.io"),
                       Suppression(email: "c@x.io", reason: "hard bounce", suppressedAt_s: 7))
        let all = try store.apply(batch) { _ in self.checkpoint(5) }
        XCTAssertEqual([all.newlySuppressed, all.alreadySuppressed, all.notSubscribed], [1, 2, 1])
    }

    func testALookupFlagsSubscribedAddressesAndFlaggedBatchesApplyLikeUnflaggedOnes() throws {
        let dir = try TestDirectory()
        let looked = try makeStore(dir)
        var batch = SuppressionBatch()
        // The first reason is only used by an address with no subscription: reason ids must
        // still be handed out in the same order with and without flags.
        batch.append(email: "nobody@x.io", reason: "bounce: first", suppressedAt_s: 1)
        batch.append(email: "a@x.io", reason: "hard bounce", suppressedAt_s: 2)
        batch.append(email: "c@x.io", reason: "soft bounce", suppressedAt_s: 3)
        let lookup = try XCTUnwrap(try looked.makeSubscriptionLookup())
        try lookup.markSubscribed(&batch)
        XCTAssertEqual(batch.subscribed, [false, true, true])
        let flagged = try looked.apply(batch) { _ in self.checkpoint(3) }
        XCTAssertEqual([flagged.newlySuppressed, flagged.alreadySuppressed, flagged.notSubscribed], [2, 0, 1])

        let other = try TestDirectory()
        let plain = try makeStore(other)
        batch.subscribed = nil
        let unflagged = try plain.apply(batch) { _ in self.checkpoint(3) }
        XCTAssertEqual(unflagged, flagged)
        XCTAssertEqual(try StoreDump.tables(looked.database.path), try StoreDump.tables(plain.database.path))

        // The flags are trusted for the tally: an address flagged as not subscribed is counted as
        // such, and goes on the list all the same.
        var more = batch
        more.append(email: "b@x.io", reason: "hard bounce", suppressedAt_s: 4)
        more.subscribed = [false, false, false, false]
        let trusted = try looked.apply(more) { _ in self.checkpoint(4) }
        XCTAssertEqual([trusted.newlySuppressed, trusted.alreadySuppressed, trusted.notSubscribed], [0, 0, 4])
        XCTAssertTrue(try looked.isSuppressed(email: "b@x.io"))
    }

    func testTheBulkRowsFunctionsAreNotReachableFromStoredSQL() throws {
        let dir = try TestDirectory()
        let store = try makeStore(dir)
        // They dereference a pointer bound by the store: a view or trigger must not call them.
        try store.database.execute("CREATE VIEW v AS SELECT rcom_count_row(NULL, 1) AS x")
        XCTAssertThrowsError(try store.database.scalarInt("SELECT x FROM v")) { error in
            XCTAssertTrue("\(error)".contains("unsafe use of rcom_count_row"), "\(error)")
        }
        XCTAssertEqual(try store.database.scalarInt("SELECT count(*) FROM rcom_suppression_rows(NULL)"), 0,
                       "no rows pointer is an empty table")
    }

    func testTheCheckpointCarriesTheTallyOfItsOwnBatch() throws {
        let dir = try TestDirectory()
        let store = try makeStore(dir)
        var batch = SuppressionBatch()
        batch.append(email: "c@x.io", reason: "r", suppressedAt_s: 1)
        _ = try store.apply(batch) { tally in
            var c = self.checkpoint(9)
            c.counters.newlySuppressed = tally.newlySuppressed
            c.window = WindowProgress(endLine: 20, endOffset: 200, appliedThrough: "c@x.io")
            return c
        }
        let saved = try XCTUnwrap(store.checkpoint(fingerprint: "f"))
        XCTAssertEqual(saved.counters.newlySuppressed, 1)
        XCTAssertEqual(saved.window, WindowProgress(endLine: 20, endOffset: 200, appliedThrough: "c@x.io"))
        XCTAssertEqual(try store.latestCheckpoint(sourcePath: "/in")?.fingerprint, "f")
    }

    func testAWriterWaitingForTheLockGivesUpWithAnActionableMessage() throws {
        let dir = try TestDirectory()
        let store = try makeStore(dir)
        var options = SQLiteDatabase.Options()
        options.busyTimeout_ms = 50
        let other = try SQLiteDatabase(path: dir.path("s.sqlite"), options: options)
        try other.execute("BEGIN IMMEDIATE")
        var batch = SuppressionBatch()
        batch.append(email: "a@x.io", reason: "r", suppressedAt_s: 1)
        var blocked = SQLiteSuppressionStore?.none
        blocked = try SQLiteSuppressionStore(database: SQLiteDatabase(path: dir.path("s.sqlite"), options: options))
        XCTAssertThrowsError(try blocked!.apply(batch) { _ in self.checkpoint(2) }) { error in
            XCTAssertTrue("\(error)".contains("write lock"), "\(error)")
        }
        try other.execute("ROLLBACK")
        XCTAssertFalse(try store.isSuppressed(email: "a@x.io"), "the failed batch left nothing behind")
    }
}
