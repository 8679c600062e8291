import RcomCore
import CShims
import Glibc

/// The one thread-safe door into the reactor: other threads post events, the eventfd wakes
/// the poller, the reactor drains the inbox on its own thread. Bounded: past `capacity`
/// queued events, `post` returns false and the caller must retry or drop (it decides).
public final class WakeupHandle: Sendable {
    let fd: Int32
    /// A pthread lock, not Synchronization.Mutex: see `Locked` (ThreadSanitizer must see it).
    private let inbox: Locked<[ReactorEventBox]>
    public let capacity: Int

    init(capacity: Int = 65_536) {
        fd = rcom_eventfd()
        precondition(fd >= 0, "eventfd failed: errno \(errno)")
        inbox = Locked([])
        self.capacity = capacity
    }

    deinit { close(fd) }

    @discardableResult
    public func post(_ event: ReactorEvent) -> Bool { post(.event(event)) }

    @discardableResult
    func post(_ item: ReactorEventBox) -> Bool {
        let accepted = inbox.withLock { q -> Bool in
            guard q.count < capacity else { return false }
            q.append(item)
            return true
        }
        if accepted {
            var one: UInt64 = 1
            _ = write(fd, &one, 8)
        }
        return accepted
    }

    func drain() -> [ReactorEventBox] {
        var counter: UInt64 = 0
        _ = read(fd, &counter, 8)
        return inbox.withLock { q in
            defer { q.removeAll(keepingCapacity: true) }
            return q
        }
    }
}

/// Inbox items: pipeline events from other threads, and the reactor's own DNS results.
enum ReactorEventBox: Sendable {
    case event(ReactorEvent)
    case resolved(ConnectionID, Result<SocketAddress, SocketError>)
}
