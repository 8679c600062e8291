/// A feed of one notification (a plain `rcom send`).
public final class SingleFeed: NotificationFeed {
    private var item: (Notification, any Channel)?
    public init(_ notification: Notification, channel: any Channel) { item = (notification, channel) }
    public func next() -> (Notification, any Channel)? {
        defer { item = nil }
        return item
    }
}
