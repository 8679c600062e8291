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
    var registered = false
    /// False once the reactor let go of it (finalized, or replaced after name resolution): a
    /// flag instead of looking the ID up again after each event it was handed to.
    var live = true
    /// What the poller was last told to watch, while `registered`: an unchanged interest costs
    /// no epoll_ctl (measured: five epoll_ctl calls per proxied job before, mostly repeats).
    var watched = Interest.none
    private var queue: [[UInt8]] = []
    private var queueStart = 0
    private var headOffset = 0
    private(set) var queuedBytes = 0

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
        queue.append(bytes)
        queuedBytes += bytes.count
    }

    /// The first unsent chunk and how much of it was already sent.
    var head: ([UInt8], Int)? { queueStart < queue.count ? (queue[queueStart], headOffset) : nil }

    func consume(_ n: Int) {
        var left = n
        queuedBytes -= n
        while left > 0, queueStart < queue.count {
            let remaining = queue[queueStart].count - headOffset
            if left >= remaining {
                left -= remaining
                queueStart += 1
                headOffset = 0
            } else {
                headOffset += left
                left = 0
            }
        }
        if queueStart == queue.count {
            queue.removeAll(keepingCapacity: true)
            queueStart = 0
        } else if queueStart > 64 {
            queue.removeFirst(queueStart)
            queueStart = 0
        }
    }
}
