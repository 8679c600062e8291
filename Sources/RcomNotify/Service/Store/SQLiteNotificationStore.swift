import RcomReactor
import RcomStore

/// `NotificationStore` on the SQLite file `rcom blacklist` uses (migrated by `StoreSchema`,
/// whose migration 3 creates these tables). One connection, used from one thread.
///
/// Delivery writes are grouped: a transaction stays open for up to `writesPerCommit` writes
/// (or until `flush`), so a batch of 10,000 is not 30,000 fsyncs. Clicks commit at once.
public final class SQLiteNotificationStore: NotificationStore {
    public let database: SQLiteDatabase
    public let writesPerCommit: Int
    private let suppressions: SQLiteSuppressionStore
    private let insertNotification: SQLiteStatement
    private let insertAttempt: SQLiteStatement
    private let finishNotification: SQLiteStatement
    private let notificationExists: SQLiteStatement
    private let clickCount: SQLiteStatement
    private let insertClick: SQLiteStatement
    private let previewCount: SQLiteStatement
    private let insertPreview: SQLiteStatement
    private let insertClaim: SQLiteStatement
    private let wall_ms: () -> Int64
    private var uncommitted = 0
    /// The client store's statements (`SQLiteClientSQL`), prepared once per text; bounded by
    /// the texts in the code (a dozen).
    var clientStatements: [String: SQLiteStatement] = [:]

    public convenience init(path: String, writesPerCommit: Int = 500) throws(StoreError) {
        try self.init(database: SQLiteDatabase(path: path), writesPerCommit: writesPerCommit)
    }

    public init(database: SQLiteDatabase, writesPerCommit: Int = 500,
                wall_ms: @escaping () -> Int64 = { MonotonicClock.wall_ms() }) throws(StoreError) {
        self.database = database
        self.writesPerCommit = max(1, writesPerCommit)
        self.wall_ms = wall_ms
        // Migrates the whole schema, the subscription tables and ours.
        suppressions = try SQLiteSuppressionStore(database: database)
        insertNotification = try database.prepare("""
            INSERT INTO notifications (id, channel, target, message, assignment, created_at_ms, outcome, finished_at_ms)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
            """)
        // Attempt numbers go on across --retry-pending rounds: the round's number plus the
        // attempts of the rounds before (notifications.attempts is only added to when a round ends).
        insertAttempt = try database.prepare("""
            INSERT OR REPLACE INTO delivery_attempts (notification_id, attempt, result, detail, duration_ms, recorded_at_ms)
            VALUES (?1, ?2 + coalesce((SELECT attempts FROM notifications WHERE id = ?1), 0), ?3, ?4, ?5, ?6)
            """)
        finishNotification = try database.prepare("""
            UPDATE notifications SET outcome = ?2, provider_answer = ?3, attempts = attempts + ?4, finished_at_ms = ?5,
                next_attempt_at_ms = ?6, deferrals = deferrals + ?7
            WHERE id = ?1
            """)
        notificationExists = try database.prepare("SELECT 1 FROM notifications WHERE id = ?1")
        clickCount = try database.prepare("SELECT count(*) FROM clicks WHERE notification_id = ?1")
        insertClick = try database.prepare("INSERT INTO clicks (notification_id, kind, first, at_ms) VALUES (?1, ?2, ?3, ?4)")
        previewCount = try database.prepare("SELECT count(*) FROM link_previews WHERE notification_id = ?1")
        insertPreview = try database.prepare("INSERT INTO link_previews (notification_id, fetcher, at_ms) VALUES (?1, ?2, ?3)")
        insertClaim = try database.prepare("INSERT OR IGNORE INTO send_claims (key, claimed_at_ms) VALUES (?1, ?2)")
    }

    deinit { try? flush() }

    /// Commits the pending group first, then the claim on its own (INSERT OR IGNORE: the primary
    /// key decides, under SQLite's write lock), so the claim is durable before anything is sent.
    public func claim(_ key: String) throws(StoreError) -> Bool {
        try flush()
        defer { insertClaim.reset() }
        insertClaim.bind(1, key)
        insertClaim.bind(2, wall_ms())
        try insertClaim.step()
        return database.changes == 1
    }

    public func notificationCount() throws(StoreError) -> Int {
        Int(try database.scalarInt("SELECT count(*) FROM notifications") ?? 0)
    }

    public func isSuppressed(emailKey: String) throws(StoreError) -> Bool {
        try suppressions.isSuppressed(email: emailKey)
    }

    public func suppression(emailKey: String) throws(StoreError) -> Suppression? {
        try suppressions.suppression(email: emailKey)
    }

    public func insert(_ n: Notification, assignment: Assignment, suppressed: Bool) throws(StoreError) {
        try write(insertNotification) { s in
            s.bind(1, n.id)
            s.bind(2, n.channel)
            s.bind(3, n.target)
            s.bind(4, n.message)
            s.bind(5, assignment.rawValue)
            s.bind(6, n.createdAt_ms)
            s.bind(7, suppressed ? "suppressed" : "pending")
            if suppressed { s.bind(8, n.createdAt_ms) }
        }
    }

    public func record(_ a: AttemptRecord) throws(StoreError) {
        let now = wall_ms()
        try write(insertAttempt) { s in
            s.bind(1, a.notificationID)
            s.bind(2, Int64(a.attempt))
            s.bind(3, a.result.kind)
            s.bind(4, a.result.detail)
            s.bind(5, Int64(a.duration_ns / 1_000_000))
            s.bind(6, now)
        }
    }

    public func finish(_ o: DeliveryOutcome) throws(StoreError) {
        let now = wall_ms()
        try write(finishNotification) { s in
            s.bind(1, o.notification.id)
            s.bind(2, o.nextAttempt_ms != nil ? "pending" : o.delivered ? "delivered" : "failed")
            s.bind(3, o.result.detail)
            s.bind(4, Int64(o.attempts))
            if o.nextAttempt_ms == nil { s.bind(5, now) }
            if let next = o.nextAttempt_ms { s.bind(6, next) }
            s.bind(7, o.nextAttempt_ms != nil ? 1 : 0)
        } then: { () throws(StoreError) in
            // In the group transaction `write` keeps open, with the outcome (before a commit at the bound).
            guard case .undeliverable(let why) = o.result else { return }
            try suppressions.suppress(email: EmailAddress.suppressionKey(o.notification.target),
                                      reason: "hard bounce: \(why)", suppressedAt_s: now / 1000)
        }
    }

    /// One transaction under SQLite's write lock (BEGIN IMMEDIATE): no other process claims meanwhile.
    public func claimPending(now_ms: Int64, includeNotDue: Bool, limit: Int, lease_ms: Int64) throws(StoreError) -> [PendingNotification] {
        try flush()
        return try database.transaction(.immediate) { () throws(StoreError) -> [PendingNotification] in
            let select = try database.prepare("""
                SELECT id, channel, target, message, created_at_ms, deferrals FROM notifications
                WHERE next_attempt_at_ms IS NOT NULL AND outcome = 'pending' AND (?2 OR next_attempt_at_ms <= ?1)
                ORDER BY next_attempt_at_ms LIMIT ?3
                """)
            select.bind(1, now_ms)
            select.bind(2, includeNotDue ? 1 : 0)
            select.bind(3, Int64(limit))
            var out: [PendingNotification] = []
            while try select.step() {
                out.append(PendingNotification(id: select.text(0) ?? "", channel: select.text(1) ?? "", target: select.text(2) ?? "",
                                               message: select.text(3) ?? "", createdAt_ms: select.int64(4), deferrals: Int(select.int64(5))))
            }
            let claim = try database.prepare("UPDATE notifications SET next_attempt_at_ms = ?2 WHERE id = ?1")
            for p in out {
                claim.bind(1, p.id)
                claim.bind(2, now_ms + lease_ms)
                try claim.step()
                claim.reset()
            }
            return out
        }
    }

    public func markSuppressed(id: String) throws(StoreError) {
        let now = wall_ms()
        let s = try database.prepare("UPDATE notifications SET outcome = 'suppressed', next_attempt_at_ms = NULL, finished_at_ms = ?2 WHERE id = ?1")
        try write(s) { s in
            s.bind(1, id)
            s.bind(2, now)
        }
    }

    public func recordClick(notificationID: String, kind: ClickKind) throws(StoreError) -> ClickResult {
        try recordLinkRow(notificationID, counting: clickCount, unknown: .unknownNotification) { () throws(StoreError) -> ClickResult in
            let first = clickCount.int64(0) == 0
            insertClick.bind(1, notificationID)
            insertClick.bind(2, kind.rawValue)
            insertClick.bind(3, first ? 1 : 0)
            insertClick.bind(4, wall_ms())
            try insertClick.step()
            return first ? .first : .repeated
        }
    }

    /// Rows kept per notification in `link_previews`; past it a preview is answered, not recorded.
    public static let previewsPerNotificationMax = 100

    public func recordPreview(notificationID: String, fetcher: String) throws(StoreError) -> PreviewResult {
        try recordLinkRow(notificationID, counting: previewCount, unknown: .unknownNotification) { () throws(StoreError) -> PreviewResult in
            guard previewCount.int64(0) < Int64(Self.previewsPerNotificationMax) else { return .overBound }
            insertPreview.bind(1, notificationID)
            insertPreview.bind(2, fetcher)
            insertPreview.bind(3, wall_ms())
            try insertPreview.step()
            return .recorded
        }
    }

    /// A click's or a preview's row, in one IMMEDIATE transaction of its own (after the open
    /// delivery group is committed): `unknown` when the notification does not exist, else
    /// `record`, with `count` stepped on the notification's rows so far. The statements are
    /// reset whatever happens.
    private func recordLinkRow<R>(_ notificationID: String, counting count: SQLiteStatement, unknown: R,
                                  _ record: () throws(StoreError) -> R) throws(StoreError) -> R {
        try flush()
        return try database.transaction(.immediate) { () throws(StoreError) -> R in
            defer { notificationExists.reset(); count.reset(); insertClick.reset(); insertPreview.reset() }
            notificationExists.bind(1, notificationID)
            guard try notificationExists.step() else { return unknown }
            count.bind(1, notificationID)
            _ = try count.step()
            return try record()
        }
    }

    public func channelCounts(assignment: Assignment?) throws(StoreError) -> [ChannelCounts] {
        try flush()
        let filter = assignment == nil ? "" : "WHERE n.assignment = ?1"
        let s = try database.prepare("""
            SELECT n.channel, count(*),
                   sum(n.outcome = 'delivered'), sum(n.outcome = 'failed'), sum(n.outcome = 'suppressed'),
                   sum(n.outcome = 'delivered' AND EXISTS (SELECT 1 FROM clicks c WHERE c.notification_id = n.id)),
                   sum((SELECT count(*) FROM clicks c WHERE c.notification_id = n.id AND c.first = 0)),
                   sum((SELECT count(*) FROM link_previews p WHERE p.notification_id = n.id))
            FROM notifications n \(filter)
            GROUP BY n.channel ORDER BY n.channel
            """)
        if let assignment { s.bind(1, assignment.rawValue) }
        var out: [ChannelCounts] = []
        while try s.step() {
            out.append(ChannelCounts(channel: s.text(0) ?? "", columns: { s.int64(Int32($0)) }))
        }
        return out
    }

    /// WAL pages between checkpoints during a batch (else `SQLiteDatabase.Options`' 1,000). A
    /// batch's inserts and updates land on random pages of the notifications and events trees
    /// (their keys are random ids), so each commit writes about one page per write once the
    /// tables outgrow a commit; checkpointing every 1,000 pages copied and fsynced those pages
    /// again every few commits, a cost that grew with the table (pwrite and fdatasync: 4 % of a
    /// 10,000-event notify batch's CPU, 14 % of a 100,000-event one). Bound: the WAL grows to
    /// about this many pages (4 KiB each: 32 MiB) before a checkpoint copies it back.
    public static let batchAutocheckpointPages = 8_192

    public func beginBatch() throws(StoreError) {
        try database.setWALAutocheckpoint(pages: Self.batchAutocheckpointPages)
    }

    /// Commits, restores the usual checkpoint interval and copies the WAL back now (PASSIVE:
    /// readers are not waited for).
    public func endBatch() throws(StoreError) {
        try flush()
        try database.setWALAutocheckpoint(pages: nil)
        try database.execute("PRAGMA wal_checkpoint(PASSIVE)")
    }

    public func flush() throws(StoreError) {
        guard uncommitted > 0 else { return }
        uncommitted = 0
        try database.execute("COMMIT")
    }

    /// Runs one write inside the open group transaction, opening it if needed; `then` writes
    /// more of it, in the same transaction.
    private func write(_ s: SQLiteStatement, _ bind: (SQLiteStatement) -> Void,
                       then more: () throws(StoreError) -> Void = {}) throws(StoreError) {
        if uncommitted == 0 { try database.execute("BEGIN IMMEDIATE") }
        uncommitted += 1
        do {
            defer { s.reset() }
            bind(s)
            try s.step()
        }
        try more()
        if uncommitted >= writesPerCommit { try flush() }
    }
}
