/// What a backend reports for one fd. Errors and hang-ups are reported as readable+writable
/// (as Redis's ae does) so the owner discovers them on its next read or write.
public struct Readiness: Equatable, Sendable {
    public let fd: Int32
    public let readable: Bool
    public let writable: Bool
}

public struct Interest: Equatable, Sendable {
    public var read: Bool
    public var write: Bool
    public init(read: Bool, write: Bool) {
        self.read = read
        self.write = write
    }
    public static let none = Interest(read: false, write: false)
}

/// A poller call that failed: the reactor handles it (closes the connection, or stops with a
/// message), never mistakes it for "nothing ready".
public struct PollerFailure: Error, Equatable, Sendable, CustomStringConvertible {
    public let call: String
    public let errno: Int32
    public var description: String { "\(call) failed: errno \(errno)" }
}

/// The readiness backend: a handful of calls, one file per implementation.
public protocol Poller: AnyObject {
    /// Starts or changes watching `fd`. `Interest.none` keeps it registered but silent.
    func set(_ fd: Int32, _ interest: Interest) -> PollerFailure?
    func remove(_ fd: Int32)
    /// `fd` is about to be closed. Closing it takes it off epoll's interest list by itself (the
    /// reactor never duplicates a socket's descriptor), so the epoll backend only forgets it,
    /// with no syscall; the poll backend drops its slot.
    func forget(_ fd: Int32)
    /// Blocks up to `timeout_ms` (-1: forever) and returns the ready fds. An interrupted wait
    /// (EINTR) is an empty success; any other failure is returned.
    func wait(timeout_ms: Int32) -> Result<[Readiness], PollerFailure>
}

public enum PollerKind: String, Sendable, CaseIterable {
    case poll, epoll
    public func make() -> Poller {
        switch self {
        case .poll: return PollPoller()
        case .epoll: return EpollPoller()
        }
    }
}
