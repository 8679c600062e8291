import RcomCore
import RcomStore

/// The service of the seed: takes a general request (channel, target, message), validates it,
/// checks the suppression list, assigns an id and the tracking link, records the notification,
/// and hands back what the delivery stage needs. Delivery itself is `SendPipeline`'s.
public final class NotificationService {
    public enum Prepared {
        case ready(Notification, any Channel)
        /// On the suppression list: recorded, never sent.
        case suppressed(Notification)
        /// Unknown channel, bad target, empty message: the person must fix the request (exit 2).
        case rejected(String)
        /// The store could not record or check it.
        case storeFailed(String)
    }

    public static let messageBytesMax = 4_096

    public let registry: ChannelRegistry
    /// Base of tracking links; nil: tracking is off and messages carry no link.
    public let publicURL: String?
    private let store: NotificationStore?
    private let entropy: EntropySource
    private let wall_ms: () -> Int64

    /// `store` nil: no suppression check and nothing recorded (`--dry-run`).
    public init(registry: ChannelRegistry, store: NotificationStore?, entropy: EntropySource,
                publicURL: String?, wall_ms: @escaping () -> Int64) {
        self.registry = registry
        self.store = store
        self.entropy = entropy
        self.publicURL = publicURL?.trimmingSuffix("/")
        self.wall_ms = wall_ms
    }

    public func prepare(channel name: String, target: String, message: String, assignment: Assignment = .chosen) -> Prepared {
        guard let channel = registry.channel(name) else { return .rejected(registry.unknown(name)) }
        let normalised: String
        switch channel.normalise(target: target) {
        case .failure(let e): return .rejected(e.message)
        case .success(let t): normalised = t
        }
        guard !message.allSatisfy(\.isWhitespace) else { return .rejected("the message is empty") }
        guard message.utf8.count <= Self.messageBytesMax else {
            return .rejected("the message is \(message.utf8.count) bytes; at most \(Self.messageBytesMax)")
        }
        var suppressed = false
        if name == EmailChannel.name, let store {
            do { suppressed = try store.isSuppressed(emailKey: EmailAddress.suppressionKey(normalised)) } catch {
                return .storeFailed(error.description)
            }
        }
        let id = "n" + entropy.hexToken(bits: 64)
        let n = Notification(id: id, channel: name, target: normalised, message: message,
                             trackingURL: publicURL.map { "\($0)/e/\(id)" } ?? "", createdAt_ms: wall_ms())
        do { try store?.insert(n, assignment: assignment, suppressed: suppressed) } catch {
            return .storeFailed(error.description)
        }
        return suppressed ? .suppressed(n) : .ready(n, channel)
    }
}
