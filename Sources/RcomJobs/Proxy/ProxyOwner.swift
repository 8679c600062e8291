import RcomCore

/// Which part of the proxy an event belongs to, read from its ids alone: no stage is asked
/// "is this yours?", so dispatch costs a few bit tests and no table look-up.
///
/// The id spaces (the proxy allocates every id but the inbound connections'):
///
/// | id | bits | owner |
/// |---|---|---|
/// | `ConnectionID` inbound | bit 62 clear (the reactor's counter) | ① the server table: clients and the job server's callbacks |
/// | `ConnectionID` outbound | bit 62 set (`ConnectionID.outboundBit`) | ③ the upstream stage |
/// | `TimerID` | bit 61 set, low bits 0 / 1 | the server table's sweep / the drain deadline |
/// | `TimerID` | bit 62 set (`upstreamTimerBit`) | ③ the upstream stage (silence, retry, release) |
/// | `TimerID` | neither bit (a counter from 1) | ② the correlate stage (callback timeouts, ambiguity grace) |
///
/// A stage that no longer holds the id (a connection already closed, a timer already fired)
/// ignores the event: that is the stage's answer, not the dispatcher's.
enum ProxyOwner: Equatable {
    case client(ConnectionID)
    case upstream(ConnectionID)
    case serverTimer
    case drainTimer
    case upstreamTimer(TimerID)
    case correlateTimer(TimerID)
    /// SIGTERM/SIGINT: the drain.
    case shutdown
    /// Nobody (the proxy posts no wakeups; a timer in bit 61's space that is not one of its two).
    case none

    static let ownTimerBit: UInt64 = 1 << 61
    static let serverTimerID = TimerID(raw: ownTimerBit)
    static let drainTimerID = TimerID(raw: ownTimerBit | 1)
    /// The same bit as `ConnectionID.outboundBit`, named for what it means here: the upstream
    /// stage's timers. The value is part of recorded traces, so it stays.
    static let upstreamTimerBit: UInt64 = 1 << 62

    static func of(_ event: ReactorEvent) -> ProxyOwner {
        switch event {
        case .accepted(let id, _), .received(let id, _), .readClosed(let id), .closed(let id, _),
             .connected(let id), .connectFailed(let id, _):
            return id.isOutbound ? .upstream(id) : .client(id)
        case .timer(let t):
            if t.raw & upstreamTimerBit != 0 { return .upstreamTimer(t) }
            if t.raw & ownTimerBit == 0 { return .correlateTimer(t) }
            return t == serverTimerID ? .serverTimer : t == drainTimerID ? .drainTimer : .none
        case .shutdown:
            return .shutdown
        case .wakeup:
            return .none
        }
    }
}
