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

/// The readiness backend: a handful of calls, one file per implementation.
public protocol Poller: AnyObject {
    /// Starts or changes watching `fd`. `Interest.none` keeps it registered but silent.
    func set(_ fd: Int32, _ interest: Interest)
    func remove(_ fd: Int32)
    /// Blocks up to `timeout_ms` (-1: forever) and returns the ready fds.
    func wait(timeout_ms: Int32) -> [Readiness]
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
