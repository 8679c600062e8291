/// The notifications `rcom send --retry-pending` claimed, fed again with their first id (and a
/// tracking link when this run has --public-url or --track, as the first send had), each checked against the suppression list once more: an
/// address suppressed meanwhile ends the notification as suppressed, unsent. Runs on the
/// `StoreWorker` thread, like every feed that touches the store.
final class PendingFeed: NotificationFeed {
    private var claimed: [PendingNotification]
    private let registry: ChannelRegistry
    private let store: any NotificationStore
    private let publicURL: String?
    private(set) var suppressed = 0
    private(set) var problems: [String] = []

    init(_ claimed: [PendingNotification], registry: ChannelRegistry, store: any NotificationStore, publicURL: String?) {
        self.claimed = claimed.reversed()
        self.registry = registry
        self.store = store
        self.publicURL = publicURL?.trimmingSuffix("/")
    }

    func next() -> (Notification, any Channel)? {
        while let p = claimed.popLast() {
            guard let channel = registry.channel(p.channel) else {
                problems.append("\(p.id): channel \(p.channel) is not known to this rcom; left pending")
                continue
            }
            do {
                if p.channel == EmailChannel.name, try store.isSuppressed(emailKey: EmailAddress.suppressionKey(p.target)) {
                    try store.markSuppressed(id: p.id)
                    suppressed += 1
                    continue
                }
            } catch {
                problems.append("\(p.id): \(error.description); left pending")
                continue
            }
            var n = Notification(id: p.id, channel: p.channel, target: p.target, message: p.message,
                                 trackingURL: publicURL.map { "\($0)/e/\(p.id)" } ?? "", createdAt_ms: p.createdAt_ms)
            n.deferrals = p.deferrals
            return (n, channel)
        }
        return nil
    }
}
