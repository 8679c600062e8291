import RcomCore

/// The reactor's private state for one socket: its fd, its write queue and why it is or is
/// not being read. The pipeline never sees this; it knows only the `ConnectionID`.
final class ReactorConnection {
    enum State { case resolving, connecting, open }

    let id: ConnectionID
    let fd: Int32
    var state: State
    var readEOF = false
    var closeAfterFlush = false
    var pausedByPipeline = false
    var pausedByBackpressure = false
    /// False once the reactor let go of it (finalized, or replaced after name resolution): a
    /// flag instead of looking the ID up again after each event it was handed to.
    var live = true
    /// What the poller was last told to watch (nil: not registered with it): an unchanged
    /// interest costs no epoll_ctl (measured: five epoll_ctl calls per proxied job before,
    /// mostly repeats).
    var watched: Interest?
    var registered: Bool { watched != nil }
    /// Queued in the tick's flush list (`Reactor.written`).
    var written = false
    /// Unsent bytes: `outbound[sentUpTo...]`. One buffer, not a list of chunks, so that what a
    /// tick wrote goes out in one send.
    private var outbound: [UInt8] = []
    private var sentUpTo = 0
    var queuedBytes: Int { outbound.count - sentUpTo }

    init(id: ConnectionID, fd: Int32, state: State) {
        self.id = id
        self.fd = fd
        self.state = state
    }

    func interest(limits: ReactorLimits) -> Interest {
        switch state {
        case .resolving: return .none
        case .connecting: return Interest(read: false, write: true)
        case .open:
            let read = !readEOF && !pausedByPipeline && !pausedByBackpressure && !closeAfterFlush
            return Interest(read: read, write: queuedBytes > 0)
        }
    }

    func enqueue(_ bytes: [UInt8]) {
        if outbound.isEmpty {
            outbound = bytes
        } else {
            outbound.append(contentsOf: bytes)
        }
    }

    /// The unsent bytes, for one send.
    func withUnsent<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        outbound.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[sentUpTo...])) }
    }

    func consume(_ n: Int) {
        sentUpTo += n
        if sentUpTo == outbound.count {
            // A buffer that grew large is let go of rather than kept per connection.
            if outbound.capacity > 64 << 10 { outbound = [] } else { outbound.removeAll(keepingCapacity: true) }
            sentUpTo = 0
        } else if sentUpTo > 64 << 10 && sentUpTo > outbound.count / 2 {
            outbound.removeFirst(sentUpTo)
            sentUpTo = 0
        }
    }
}
