import RcomReactor
import RcomStore

/// `NotificationStore` on PostgreSQL (the same tables as SQLite's migration 3, `PostgresSchema`).
/// One connection, used from one thread at a time.
///
/// Delivery writes are grouped as on SQLite: a transaction stays open for up to
/// `writesPerCommit` writes (or until `flush`). The suppression look-up runs on the same
/// connection under READ COMMITTED, so every look-up sees every import batch committed before
/// it, whichever process or machine committed it. Clicks commit at once.
public final class PostgresNotificationStore: NotificationStore {
    public let connection: PostgresConnection
    public let writesPerCommit: Int
    private let suppressions: PostgresSuppressionStore
    private let wall_ms: () -> Int64
    private var uncommitted = 0
    /// The client store's statements (`PostgresClientSQL`): SQL text → prepared name, prepared
    /// once per connection; bounded by the texts in the code (a dozen).
    var clientPrepared: [String: String] = [:]
    /// The open group's writes, to redo after a failed one (see `write`).
    private var group: [(String, [String?])] = []
    /// Autocommit work that must not wait for the group transaction: send claims (`rcom send
    /// --batch`) and the reasons of hard bounces. Opened on first use.
    private var side: PostgresConnection?

    public convenience init(url: PostgresURL, writesPerCommit: Int = 500) throws(StoreError) {
        try self.init(connection: PostgresConnection(url: url), writesPerCommit: writesPerCommit)
    }

    public init(connection: PostgresConnection, writesPerCommit: Int = 500,
                wall_ms: @escaping () -> Int64 = { MonotonicClock.wall_ms() }) throws(StoreError) {
        self.connection = connection
        self.writesPerCommit = max(1, writesPerCommit)
        self.wall_ms = wall_ms
        // Migrates the whole schema, the subscription tables and ours.
        suppressions = try PostgresSuppressionStore(connection: connection)
        try connection.prepare("insert_notification", """
            INSERT INTO notifications (id, channel, target, message, assignment, created_at_ms, outcome, finished_at_ms)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """)
        // Attempt numbers go on across --retry-pending rounds, as on SQLite: the round's number
        // plus the attempts of the rounds before (notifications.attempts grows when a round ends).
        try connection.prepare("insert_attempt", """
            INSERT INTO delivery_attempts (notification_id, attempt, result, detail, duration_ms, recorded_at_ms)
            VALUES ($1, $2::integer + coalesce((SELECT attempts FROM notifications WHERE id = $1), 0), $3, $4, $5, $6)
            ON CONFLICT (notification_id, attempt) DO UPDATE SET result = excluded.result, detail = excluded.detail,
                duration_ms = excluded.duration_ms, recorded_at_ms = excluded.recorded_at_ms
            """)
        try connection.prepare("finish_notification", """
            UPDATE notifications SET outcome = $2, provider_answer = $3, attempts = attempts + $4::integer, finished_at_ms = $5,
                next_attempt_at_ms = $6, deferrals = deferrals + $7::integer
            WHERE id = $1
            """)
        // A hard bounce: the address goes on the list with the outcome (never un-suppressed, its
        // first reason kept, as an import does).
        try connection.prepare("suppress_address", """
            INSERT INTO suppressions (email, reason_id, suppressed_at) VALUES ($1, $2, $3) ON CONFLICT (email) DO NOTHING
            """)
        // The due rows are locked as they are taken and rows another claim holds are skipped,
        // so two --retry-pending runs at once never take the same notification; the lease is
        // committed with the statement (autocommit).
        try connection.prepare("claim_pending", """
            WITH due AS (
                SELECT id, next_attempt_at_ms AS due_at FROM notifications
                WHERE next_attempt_at_ms IS NOT NULL AND outcome = 'pending' AND ($2::boolean OR next_attempt_at_ms <= $1)
                ORDER BY next_attempt_at_ms, id COLLATE "C" LIMIT $3
                FOR UPDATE SKIP LOCKED),
            taken AS (
                UPDATE notifications n SET next_attempt_at_ms = $1::bigint + $4::bigint FROM due WHERE n.id = due.id
                RETURNING n.id, n.channel, n.target, n.message, n.created_at_ms, n.deferrals, due.due_at)
            SELECT id, channel, target, message, created_at_ms, deferrals FROM taken ORDER BY due_at, id COLLATE "C"
            """)
        try connection.prepare("mark_suppressed", """
            UPDATE notifications SET outcome = 'suppressed', next_attempt_at_ms = NULL, finished_at_ms = $2 WHERE id = $1
            """)
        // The notification row is locked while its click is counted, so two clicks at once on
        // two connections cannot both be "first".
        try connection.prepare("lock_notification", "SELECT 1 FROM notifications WHERE id = $1 FOR UPDATE")
        try connection.prepare("click_count", "SELECT count(*) FROM clicks WHERE notification_id = $1")
        try connection.prepare("insert_click", "INSERT INTO clicks (notification_id, kind, first, at_ms) VALUES ($1, $2, $3, $4)")
        try connection.prepare("preview_count", "SELECT count(*) FROM link_previews WHERE notification_id = $1")
        try connection.prepare("insert_preview", "INSERT INTO link_previews (notification_id, fetcher, at_ms) VALUES ($1, $2, $3)")
    }

    deinit { try? flush() }

    public func isSuppressed(emailKey: String) throws(StoreError) -> Bool {
        try suppressions.isSuppressed(email: emailKey)
    }

    /// On a connection of its own, outside the group transaction, so the claim commits (and every
    /// other process sees it) before the row is sent; the primary key decides between racers.
    public func claim(_ key: String) throws(StoreError) -> Bool {
        try sideConnection().run(prepared: "claim", [key, String(wall_ms())]).affected == 1
    }

    private func sideConnection() throws(StoreError) -> PostgresConnection {
        if let side { return side }
        let c = try PostgresConnection(url: connection.url)
        try c.prepare("claim", "INSERT INTO send_claims (key, claimed_at_ms) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
        try c.prepare("add_reason", "INSERT INTO suppression_reasons (reason) VALUES ($1) ON CONFLICT (reason) DO NOTHING")
        try c.prepare("find_reason", "SELECT id FROM suppression_reasons WHERE reason = $1")
        side = c
        return c
    }

    /// The id of `reason` in the dictionary, inserted and committed on the side connection (as
    /// an import's reasons are, in transactions of their own): no lock on the dictionary is held
    /// by the group transaction, and a group that rolls back leaves the reason behind, harmlessly.
    private func reasonID(_ reason: String) throws(StoreError) -> String {
        let c = try sideConnection()
        try c.run(prepared: "add_reason", [reason])
        let found = try c.run(prepared: "find_reason", [reason])
        guard found.count == 1 else {
            throw .store("the reason '\(reason.prefix(40))' was not stored", context: "cannot suppress a hard-bounced address")
        }
        return String(found.int64(0, 0))
    }

    public func notificationCount() throws(StoreError) -> Int {
        Int(try connection.query("SELECT count(*) FROM notifications").int64(0, 0))
    }

    public func insert(_ n: Notification, assignment: Assignment, suppressed: Bool) throws(StoreError) {
        try write("insert_notification", [n.id, n.channel, n.target, n.message, assignment.rawValue, String(n.createdAt_ms),
                                          suppressed ? "suppressed" : "pending", suppressed ? String(n.createdAt_ms) : nil])
    }

    public func record(_ a: AttemptRecord) throws(StoreError) {
        try write("insert_attempt", [a.notificationID, String(a.attempt), a.result.kind, a.result.detail,
                                     String(a.duration_ns / 1_000_000), String(wall_ms())])
    }

    public func finish(_ o: DeliveryOutcome) throws(StoreError) {
        let now = wall_ms()
        let next = o.nextAttempt_ms
        // The reason is stored before the group's writes, so a failure here leaves the round unwritten.
        var reason: String?
        if case .undeliverable(let why) = o.result { reason = try reasonID("hard bounce: \(why)") }
        let outcome: [String?] = [o.notification.id, next != nil ? "pending" : o.delivered ? "delivered" : "failed",
                                  o.result.detail, String(o.attempts), next == nil ? String(now) : nil,
                                  next.map { String($0) }, next != nil ? "1" : "0"]
        // With the outcome, as one write: both commit or neither.
        let suppression = reason.map { [("suppress_address", [EmailAddress.suppressionKey(o.notification.target), $0, String(now / 1000)])] }
        try write("finish_notification", outcome, with: suppression ?? [])
    }

    /// One statement in autocommit after the group is committed (see `claim_pending` above).
    public func claimPending(now_ms: Int64, includeNotDue: Bool, limit: Int, lease_ms: Int64) throws(StoreError) -> [PendingNotification] {
        try flush()
        let rows = try connection.run(prepared: "claim_pending", [String(now_ms), includeNotDue ? "true" : "false",
                                                                  String(limit), String(lease_ms)])
        return (0..<rows.count).map { r in
            PendingNotification(id: rows.text(r, 0) ?? "", channel: rows.text(r, 1) ?? "", target: rows.text(r, 2) ?? "",
                                message: rows.text(r, 3) ?? "", createdAt_ms: rows.int64(r, 4), deferrals: Int(rows.int64(r, 5)))
        }
    }

    public func markSuppressed(id: String) throws(StoreError) {
        try write("mark_suppressed", [id, String(wall_ms())])
    }

    public func recordClick(notificationID: String, kind: ClickKind) throws(StoreError) -> ClickResult {
        try flush()
        return try connection.transaction { () throws(StoreError) -> ClickResult in
            guard try connection.run(prepared: "lock_notification", [notificationID]).count > 0 else { return .unknownNotification }
            let first = try connection.run(prepared: "click_count", [notificationID]).int64(0, 0) == 0
            try connection.run(prepared: "insert_click", [notificationID, kind.rawValue, first ? "1" : "0", String(wall_ms())])
            return first ? .first : .repeated
        }
    }

    /// At most `SQLiteNotificationStore.previewsPerNotificationMax` rows per notification, counted
    /// under the notification's row lock (two `rcom track`s cannot both add the last one).
    public func recordPreview(notificationID: String, fetcher: String) throws(StoreError) -> PreviewResult {
        try flush()
        return try connection.transaction { () throws(StoreError) -> PreviewResult in
            guard try connection.run(prepared: "lock_notification", [notificationID]).count > 0 else { return .unknownNotification }
            let held = try connection.run(prepared: "preview_count", [notificationID]).int64(0, 0)
            guard held < Int64(SQLiteNotificationStore.previewsPerNotificationMax) else { return .overBound }
            try connection.run(prepared: "insert_preview", [notificationID, fetcher, String(wall_ms())])
            return .recorded
        }
    }

    public func channelCounts(assignment: Assignment?) throws(StoreError) -> [ChannelCounts] {
        try flush()
        let rows = try connection.query("""
            SELECT n.channel, count(*),
                   count(*) FILTER (WHERE n.outcome = 'delivered'), count(*) FILTER (WHERE n.outcome = 'failed'),
                   count(*) FILTER (WHERE n.outcome = 'suppressed'),
                   count(*) FILTER (WHERE n.outcome = 'delivered' AND EXISTS (SELECT 1 FROM clicks c WHERE c.notification_id = n.id)),
                   coalesce(sum((SELECT count(*) FROM clicks c WHERE c.notification_id = n.id AND c.first = 0)), 0),
                   coalesce(sum((SELECT count(*) FROM link_previews p WHERE p.notification_id = n.id)), 0)
            FROM notifications n WHERE $1::text IS NULL OR n.assignment = $1
            GROUP BY n.channel ORDER BY n.channel COLLATE "C"
            """, [assignment?.rawValue])
        return (0..<rows.count).map { r in
            var c = ChannelCounts(channel: rows.text(r, 0) ?? "")
            c.notifications = Int(rows.int64(r, 1))
            c.delivered = Int(rows.int64(r, 2))
            c.failed = Int(rows.int64(r, 3))
            c.suppressed = Int(rows.int64(r, 4))
            c.engaged = Int(rows.int64(r, 5))
            c.repeatClicks = Int(rows.int64(r, 6))
            c.previews = Int(rows.int64(r, 7))
            return c
        }
    }

    public func flush() throws(StoreError) {
        guard uncommitted > 0 else { return }
        uncommitted = 0
        group.removeAll(keepingCapacity: true)
        try connection.execute("COMMIT")
    }

    /// Runs one write inside the open group transaction, opening it if needed.
    ///
    /// PostgreSQL aborts the whole transaction on an error, where SQLite fails only the statement:
    /// so that a failed write loses nothing but itself here too, the group's earlier writes are
    /// kept (`group`, bound: `writesPerCommit` writes of at most two statements) and, after a
    /// failure, redone and committed in a transaction of their own before the error is thrown.
    /// `more` are statements of the same write: they succeed or fail with it.
    private func write(_ statement: String, _ parameters: [String?], with more: [(String, [String?])] = []) throws(StoreError) {
        if uncommitted == 0 { try connection.execute("BEGIN") }
        let unit = [(statement, parameters)] + more
        do { for (s, p) in unit { try connection.run(prepared: s, p) } } catch {
            let earlier = group
            uncommitted = 0
            group.removeAll(keepingCapacity: true)
            try? connection.execute("ROLLBACK")
            if !earlier.isEmpty && !error.connectionLost {
                try connection.transaction { () throws(StoreError) in
                    for (s, p) in earlier { try connection.run(prepared: s, p) }
                }
            }
            throw error
        }
        uncommitted += 1
        group.append(contentsOf: unit)
        if uncommitted >= writesPerCommit { try flush() }
    }
}
