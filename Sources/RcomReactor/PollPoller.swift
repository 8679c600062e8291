import Glibc

/// poll(2) backend: a dense pollfd array with an fd→slot index; O(n) per wait.
public final class PollPoller: Poller {
    private var fds: [pollfd] = []
    private var slot: [Int32: Int] = [:]

    public init() {}

    public func set(_ fd: Int32, _ interest: Interest) -> PollerFailure? {
        var events: Int16 = 0
        if interest.read { events |= Int16(POLLIN) }
        if interest.write { events |= Int16(POLLOUT) }
        if let i = slot[fd] {
            fds[i].events = events
        } else {
            slot[fd] = fds.count
            fds.append(pollfd(fd: fd, events: events, revents: 0))
        }
        return nil
    }

    public func remove(_ fd: Int32) {
        guard let i = slot.removeValue(forKey: fd) else { return }
        let last = fds.count - 1
        if i != last {
            fds[i] = fds[last]
            slot[fds[i].fd] = i
        }
        fds.removeLast()
    }

    public func forget(_ fd: Int32) { remove(fd) }

    public func wait(timeout_ms: Int32) -> Result<[Readiness], PollerFailure> {
        let n = fds.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), timeout_ms) }
        if n < 0 { return errno == EINTR ? .success([]) : .failure(PollerFailure(call: "poll", errno: errno)) }
        guard n > 0 else { return .success([]) }
        var out: [Readiness] = []
        out.reserveCapacity(Int(n))
        for p in fds where p.revents != 0 {
            let trouble = p.revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0
            out.append(Readiness(fd: p.fd,
                                 readable: trouble || p.revents & Int16(POLLIN) != 0,
                                 writable: trouble || p.revents & Int16(POLLOUT) != 0))
        }
        return .success(out)
    }
}
