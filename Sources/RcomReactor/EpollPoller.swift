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

    public func set(_ fd: Int32, _ interest: Interest) {
        var mask: UInt32 = 0
        if interest.read { mask |= UInt32(RCOM_EPOLLIN) }
        if interest.write { mask |= UInt32(RCOM_EPOLLOUT) }
        let op = registered.contains(fd) ? Int32(RCOM_EPOLL_CTL_MOD) : Int32(RCOM_EPOLL_CTL_ADD)
        if rcom_epoll_ctl(epfd, op, fd, mask, UInt64(UInt32(bitPattern: fd))) == 0 { registered.insert(fd) }
    }

    public func remove(_ fd: Int32) {
        guard registered.remove(fd) != nil else { return }
        _ = rcom_epoll_ctl(epfd, Int32(RCOM_EPOLL_CTL_DEL), fd, 0, 0)
    }

    public func wait(timeout_ms: Int32) -> [Readiness] {
        let n = datas.withUnsafeMutableBufferPointer { d in
            events.withUnsafeMutableBufferPointer { e in
                rcom_epoll_wait(epfd, d.baseAddress, e.baseAddress, Int32(d.count), timeout_ms)
            }
        }
        guard n > 0 else { return [] }
        var out: [Readiness] = []
        out.reserveCapacity(Int(n))
        for i in 0..<Int(n) {
            let m = events[i]
            let trouble = m & UInt32(RCOM_EPOLLERR | RCOM_EPOLLHUP) != 0
            out.append(Readiness(fd: Int32(truncatingIfNeeded: datas[i]),
                                 readable: trouble || m & UInt32(RCOM_EPOLLIN) != 0,
                                 writable: trouble || m & UInt32(RCOM_EPOLLOUT) != 0))
        }
        return out
    }
}
