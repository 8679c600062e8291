import Glibc

/// A bound, listening socket not yet owned by a reactor.
public struct BoundListener: Sendable {
    let fd: Int32
    public let port: Int

    /// `backlog`: connections the kernel queues before they are accepted (it caps the number at
    /// net.core.somaxconn; see `ListenBacklog`).
    public static func open(host: String, port: Int, backlog: ListenBacklog = ListenBacklog(connections: 4096)) throws(SocketError) -> BoundListener {
        guard let address = SocketAddress.numeric(host, port: port) else {
            throw SocketError("cannot listen on \(host): give a numeric address such as 127.0.0.1 or 0.0.0.0")
        }
        switch Socket.listen(address, backlog: Int32(backlog.requested)) {
        case .failure(let e): throw SocketError("listen on \(host):\(port): \(e.message)")
        case .success(let l): return BoundListener(fd: l.fd, port: l.port)
        }
    }
}

extension BoundListener {
    /// Closes a listener that was never adopted (tests use it to find a refusing port).
    public func close() { _ = Glibc.close(fd) }
}
