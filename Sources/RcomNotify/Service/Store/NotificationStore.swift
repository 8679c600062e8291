import RcomStore

/// How a recipient's channel was chosen. Only randomly assigned channels compare channels;
/// channels the recipients chose compare the recipients.
public enum Assignment: String, Sendable, Equatable {
    case chosen, random
}

public enum ClickKind: String, Sendable, Equatable {
    case click, ack
}

public enum PreviewResult: Sendable, Equatable {
    case recorded
    /// The notification has `SQLiteNotificationStore.previewsPerNotificationMax` already.
    case overBound
    case unknownNotification
}

public enum ClickResult: Sendable, Equatable {
    /// The first click on this notification: it counts as engagement.
    case first
    /// A repeat, counted apart.
    case repeated
    case unknownNotification
}

/// Per channel totals, as `rcom stats` reads them.
public struct ChannelCounts: Sendable, Equatable {
    public var channel: String
    public var notifications = 0
    public var delivered = 0
    public var failed = 0
    public var suppressed = 0
    /// Delivered notifications with at least one click or acknowledgement.
    public var engaged = 0
    /// Clicks after the first, per notification, summed.
    public var repeatClicks = 0
    /// Link-preview fetches and HEADs of the tracking links: not engagement, shown apart.
    public var previews = 0

    /// A row of either store's channel-counts query: the channel, then columns 1–7 in the
    /// order of the fields above (notifications .. previews), read through the backend's accessor.
    init(channel: String, columns int64: (Int) -> Int64) {
        self.channel = channel
        notifications = Int(int64(1))
        delivered = Int(int64(2))
        failed = Int(int64(3))
        suppressed = Int(int64(4))
        engaged = Int(int64(5))
        repeatClicks = Int(int64(6))
        previews = Int(int64(7))
    }

    public init(channel: String) { self.channel = channel }

    /// Handed to a provider (everything not suppressed).
    public var sent: Int { notifications - suppressed }
}

/// A notification left `pending` after temporary failures, as `--retry-pending` takes it back.
public struct PendingNotification: Sendable, Equatable {
    public let id: String
    public let channel: String
    public let target: String
    public let message: String
    public let createdAt_ms: Int64
    /// Rounds of quick retries so far that ended in a temporary failure.
    public let deferrals: Int

    public init(id: String, channel: String, target: String, message: String, createdAt_ms: Int64, deferrals: Int) {
        self.id = id
        self.channel = channel
        self.target = target
        self.message = message
        self.createdAt_ms = createdAt_ms
        self.deferrals = deferrals
    }
}

/// What the notification service needs from storage. SQLite and PostgreSQL implement it; tests may use a fake.
public protocol NotificationStore: AnyObject {
    /// `key` is `EmailAddress.suppressionKey` of the address.
    func isSuppressed(emailKey: String) throws(StoreError) -> Bool
    /// Why and since when the address is suppressed (the reason `rcom blacklist` or a bounce
    /// stored), for the refusal; nil when it is not.
    func suppression(emailKey: String) throws(StoreError) -> Suppression?
    func insert(_ n: Notification, assignment: Assignment, suppressed: Bool) throws(StoreError)
    func record(_ attempt: AttemptRecord) throws(StoreError)
    /// Ends a round of attempts: delivered, failed, or (`nextAttempt_ms` set) pending until
    /// then. An `.undeliverable` result also puts the address on the suppression list. Attempt
    /// and attempts counts add to those of earlier rounds.
    func finish(_ outcome: DeliveryOutcome) throws(StoreError)
    func recordClick(notificationID: String, kind: ClickKind) throws(StoreError) -> ClickResult
    /// A link-preview fetch or HEAD of a tracking link (`fetcher` names which).
    func recordPreview(notificationID: String, fetcher: String) throws(StoreError) -> PreviewResult
    /// Totals per channel, in name order; `assignment` nil means all notifications.
    func channelCounts(assignment: Assignment?) throws(StoreError) -> [ChannelCounts]
    /// Commits what is buffered.
    func flush() throws(StoreError)
    /// Notifications held (for reproducible ids with --seed: a rerun draws new ones).
    func notificationCount() throws(StoreError) -> Int
    /// Claims an idempotency key for this process, committed before it returns: true when the
    /// key was free, false when another run or process claimed it (then do not send).
    func claim(_ key: String) throws(StoreError) -> Bool
    /// Takes up to `limit` pending notifications due by `now_ms` (all pending ones with
    /// `includeNotDue`), oldest due first, and moves their next attempt `lease_ms` ahead in the
    /// same transaction: a second `--retry-pending` running meanwhile does not take them too,
    /// and a run that dies leaves them due again once the lease is over.
    func claimPending(now_ms: Int64, includeNotDue: Bool, limit: Int, lease_ms: Int64) throws(StoreError) -> [PendingNotification]
    /// A batch of many writes starts (`rcom send --batch`, `rcom notify --batch`): the store may
    /// do its upkeep less often until `endBatch`, which must follow (after a failure too).
    func beginBatch() throws(StoreError)
    func endBatch() throws(StoreError)
    /// A pending notification whose address was suppressed since: it ends as suppressed.
    func markSuppressed(id: String) throws(StoreError)
}

extension NotificationStore {
    /// Stores with no upkeep to defer (PostgreSQL, test fakes).
    public func beginBatch() throws(StoreError) {}
    public func endBatch() throws(StoreError) {}
    public func notificationCount() throws(StoreError) -> Int { 0 }
    /// Stores without claims (test fakes) never refuse one.
    public func claim(_ key: String) throws(StoreError) -> Bool { true }
}

/// `rcom track` records clicks through the store, whichever backend it is.
extension ClickRecorder where Self: NotificationStore {
    public func click(notificationID: String, kind: ClickKind) -> Result<ClickResult, StoreErrorText> {
        do { return .success(try recordClick(notificationID: notificationID, kind: kind)) } catch {
            return .failure(StoreErrorText(error.description))
        }
    }

    public func preview(notificationID: String, fetcher: String) -> Result<PreviewResult, StoreErrorText> {
        do { return .success(try recordPreview(notificationID: notificationID, fetcher: fetcher)) } catch {
            return .failure(StoreErrorText(error.description))
        }
    }
}

extension SQLiteNotificationStore: ClickRecorder {}
extension PostgresNotificationStore: ClickRecorder {}

/// Opens the notification store at `location` (migrating it).
public func openNotificationStore(_ location: StoreLocation) throws(StoreError) -> any NotificationStore & ClickRecorder {
    switch location {
    case .sqlite(let path): return try SQLiteNotificationStore(path: path)
    case .postgres(let url): return try PostgresNotificationStore(url: url)
    }
}
