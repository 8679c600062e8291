import RcomCore

/// One account's lane to the job server: the starts queued for it and the one phase its
/// connection is in. Every timer the lane owns sits in its phase, so a phase change cannot leave
/// one behind; `UpstreamStage.step` is the only code that changes the phase.
struct UpstreamLane {
    /// A connection and the timers that belong to it.
    struct Link {
        var connection: HTTPClientConnection<UpstreamJob>
        /// "No answer" timer, armed while requests are in flight; re-armed on each answer.
        var silence: TimerID?
        /// Idle-release timer (with `upstreamIdleRelease_ms` set), armed while open with nothing to do.
        var release: TimerID?
        var id: ConnectionID { connection.id }
        var inFlight: Int { connection.inFlight.count }
    }

    /// A run of connection attempts: how many failed in a row, and whether it is a probe.
    struct Attempts {
        var failed = 0
        /// nil: the attempts carry starts. Otherwise the job server closed this account's
        /// connection and the lane connects to see whether it is still there (its callbacks are
        /// what waiting clients need): the probe connections that opened so far. One is not
        /// proof: the listener of a job server being killed still completes handshakes for a
        /// moment (measured: a probe 0.3 ms after the close connected, and 50 waiting clients
        /// waited out the 10 s callback timeout instead of the 5 s grace), so a second probe
        /// after the backoff must open too.
        var probesOpened: Int?
    }

    enum Phase {
        /// No connection and none wanted (a start queued here connects).
        case idle
        /// Wants a connection (queued starts, or a probe) and waits for a connection slot.
        case waiting(Attempts)
        case connecting(Link, Attempts)
        case open(Link)
        /// Waiting out a backoff (or a probe's second look) before the next attempt.
        case backingOff(TimerID, Attempts)
        /// The connection attempts were spent: starts fail at once until then.
        case down(until_ns: Instant_ns)
    }

    var phase = Phase.idle
    var queue = FIFO<UpstreamJob>()
    var lastUsed_ns: Instant_ns = 0
    /// How many starts may be in flight on the connection; it outlives connections (a reset
    /// lowers it for the next one), not the lane.
    var window: PipelineWindow

    init(window: PipelineWindow) { self.window = window }

    /// The lane's connection, whether it is still connecting or open.
    var link: Link? {
        switch phase {
        case .connecting(let l, _), .open(let l): return l
        default: return nil
        }
    }

    /// Open with nothing queued or in flight: its connection may be released or evicted.
    var isIdleOpen: Bool {
        guard case .open(let l) = phase else { return false }
        return queue.isEmpty && l.inFlight == 0
    }

    /// Nothing queued, no connection, nothing pending: the lane can be forgotten (its window
    /// with it: the account's next lane starts at one start in flight again).
    var isForgettable: Bool {
        guard case .idle = phase else { return false }
        return queue.isEmpty
    }
}
