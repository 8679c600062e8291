import CShims
import Glibc

/// Thin wrappers over the socket syscalls the reactor needs; all sockets are non-blocking
/// and close-on-exec.
enum Socket {
    static func listen(_ address: SocketAddress, backlog: Int32) -> Result<(fd: Int32, port: Int), SocketError> {
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(.errno("socket")) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        // Accepted sockets inherit TCP_NODELAY from their listener (Linux copies the option):
        // one setsockopt here instead of one per accepted connection.
        noDelay(fd)
        let rc = address.withSockaddr { bind(fd, $0, $1) }
        guard rc == 0 else {
            let e = SocketError.errno("bind")
            close(fd)
            return .failure(e)
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let e = SocketError.errno("listen")
            close(fd)
            return .failure(e)
        }
        return .success((fd, localPort(fd)))
    }

    static func localPort(_ fd: Int32) -> Int {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        let port: UInt16 = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_port }
        }
        return Int(UInt16(bigEndian: port))
    }

    enum AcceptResult {
        case accepted(Int32)
        case wouldBlock
        case outOfDescriptors
        case failed(SocketError)
    }

    static func accept(_ listener: Int32) -> AcceptResult {
        let fd = rcom_accept_nonblocking(listener)
        if fd >= 0 {
            return .accepted(fd)
        }
        switch errno {
        case EAGAIN, EWOULDBLOCK, EINTR, ECONNABORTED: return .wouldBlock
        case EMFILE, ENFILE, ENOBUFS, ENOMEM: return .outOfDescriptors
        default: return .failed(.errno("accept"))
        }
    }

    enum ConnectResult {
        case connected(Int32)
        case inProgress(Int32)
        case failed(SocketError)
    }

    static func connect(_ address: SocketAddress) -> ConnectResult {
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failed(.errno("socket")) }
        noDelay(fd)
        let rc = address.withSockaddr { Glibc.connect(fd, $0, $1) }
        if rc == 0 { return .connected(fd) }
        if errno == EINPROGRESS || errno == EINTR { return .inProgress(fd) }
        let e = SocketError.errno("connect")
        close(fd)
        return .failed(e)
    }

    /// The outcome of a non-blocking connect, once the fd is writable.
    static func pendingError(_ fd: Int32) -> SocketError? {
        var err: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
        return err == 0 ? nil : .errno("connect", err)
    }

    static func noDelay(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Abortive close: the peer sees a reset, not an orderly EOF.
    /// Closes after discarding what the peer sent and nobody read (bounded): a socket closed with
    /// unread input answers with a reset, and the peer may then lose the response written just
    /// before (a 503 or 408 to a client whose request was never read).
    static func closeDiscardingInput(_ fd: Int32) {
        var scratch = [UInt8](repeating: 0, count: 16_384)
        for _ in 0..<4 {
            let n = scratch.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
        }
        close(fd)
    }

    static func reset(_ fd: Int32) {
        var l = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
        close(fd)
    }
}
