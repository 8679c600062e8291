import CShims
import Glibc

/// epoll(7) backend through the CShims wrappers (struct epoll_event is packed on x86_64).
public final class EpollPoller: Poller {
    private let epfd: Int32
    private var registered: Set<Int32> = []
    private var datas = [UInt64](repeating: 0, count: 256)
    private var events = [UInt32](repeating: 0, count: 256)

    public init() {
        epfd = rcom_epoll_create()
        precondition(epfd >= 0, "epoll_create1 failed: errno \(errno)")
    }

    deinit { close(epfd) }

    public func set(_ fd: Int32, _ interest: Interest) -> PollerFailure? {
        var mask: UInt32 = 0
        if interest.read { mask |= UInt32(RCOM_EPOLLIN) }
        if interest.write { mask |= UInt32(RCOM_EPOLLOUT) }
        let op = registered.contains(fd) ? Int32(RCOM_EPOLL_CTL_MOD) : Int32(RCOM_EPOLL_CTL_ADD)
        guard rcom_epoll_ctl(epfd, op, fd, mask, UInt64(UInt32(bitPattern: fd))) == 0 else {
            return PollerFailure(call: "epoll_ctl", errno: errno)
        }
        registered.insert(fd)
        return nil
    }

    public func remove(_ fd: Int32) {
        guard registered.remove(fd) != nil else { return }
        _ = rcom_epoll_ctl(epfd, Int32(RCOM_EPOLL_CTL_DEL), fd, 0, 0)
    }

    public func forget(_ fd: Int32) {
        registered.remove(fd)
    }

    public func wait(timeout_ms: Int32) -> Result<[Readiness], PollerFailure> {
        let n = datas.withUnsafeMutableBufferPointer { d in
            events.withUnsafeMutableBufferPointer { e in
                rcom_epoll_wait(epfd, d.baseAddress, e.baseAddress, Int32(d.count), timeout_ms)
            }
        }
        if n < 0 { return errno == EINTR ? .success([]) : .failure(PollerFailure(call: "epoll_wait", errno: errno)) }
        guard n > 0 else { return .success([]) }
        var out: [Readiness] = []
        out.reserveCapacity(Int(n))
        for i in 0..<Int(n) {
            let m = events[i]
            let trouble = m & UInt32(RCOM_EPOLLERR | RCOM_EPOLLHUP) != 0
            out.append(Readiness(fd: Int32(truncatingIfNeeded: datas[i]),
                                 readable: trouble || m & UInt32(RCOM_EPOLLIN) != 0,
                                 writable: trouble || m & UInt32(RCOM_EPOLLOUT) != 0))
        }
        return .success(out)
    }
}
