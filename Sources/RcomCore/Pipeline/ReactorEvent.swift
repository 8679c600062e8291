/// What the reactor tells a pipeline. Each is a translation of a syscall result (or a
/// cross-thread message), stamped with the time by the caller of `handle`.
public enum ReactorEvent: Equatable, Sendable {
    /// A client connected to listener number `listener` (index in the order listeners were opened).
    case accepted(ConnectionID, listener: Int)
    /// An outbound connection asked for with `.connect` is established.
    case connected(ConnectionID)
    /// An outbound connection could not be made (refused, unreachable, name not resolved).
    case connectFailed(ConnectionID, reason: String)
    case received(ConnectionID, [UInt8])
    /// The peer finished sending (read returned 0). Writing may still be possible.
    case readClosed(ConnectionID)
    /// The connection is gone (reset, error, or after our own close). No effect may name it again.
    case closed(ConnectionID, reason: String)
    case timer(TimerID)
    /// A message from another thread (worker result), delivered through the reactor's wakeup.
    case wakeup(tag: String, payload: [UInt8])
    /// SIGINT / SIGTERM: finish cleanly.
    case shutdown
}

/// What a pipeline asks the reactor to do. Effects are data, so a replay can compare them.
public enum ReactorEffect: Equatable, Sendable {
    case write(ConnectionID, [UInt8])
    /// Close after everything queued for the connection has been written.
    case close(ConnectionID)
    /// Abortive close (RST), used by fault injection.
    case reset(ConnectionID)
    case connect(ConnectionID, host: String, port: Int)
    case setTimer(TimerID, deadline_ns: Instant_ns)
    case cancelTimer(TimerID)
    /// Stop reading from a connection (backpressure from the pipeline) / resume.
    case pauseReading(ConnectionID)
    case resumeReading(ConnectionID)
    /// End the event loop; `run` returns this code after flushing pending writes briefly.
    case stop(exitCode: Int32)
    /// A line for the operator's log.
    case notice(OperatorNotice)
}

/// Where randomness comes from. The core never creates its own: production passes the system
/// RNG, traces record every draw, replay hands the same draws back.
public protocol EntropySource: AnyObject {
    func next64() -> UInt64
}

public extension EntropySource {
    /// Lower-case hex of `bits` random bits (multiple of 64).
    func hexToken(bits: Int = 128) -> String {
        HexText.lowercase((0..<(bits / 64)).map { _ in next64() })
    }
}

/// A pipeline: typed events in, effects out, time given. No I/O, no clock, no RNG of its own.
public protocol EventPipeline {
    mutating func handle(_ event: ReactorEvent, now_ns: Instant_ns) -> [ReactorEffect]
    /// The same effects, appended to `effects`: the reactor hands in one array it reuses, so a
    /// pipeline that implements this makes no array of its own per event (the proxy's arrays of
    /// effects were about a third of its mallocs per job).
    mutating func handle(_ event: ReactorEvent, now_ns: Instant_ns, into effects: inout [ReactorEffect])
}

public extension EventPipeline {
    mutating func handle(_ event: ReactorEvent, now_ns: Instant_ns, into effects: inout [ReactorEffect]) {
        // Adopted when nothing is there yet (as the reactor hands it in): no copy.
        if effects.isEmpty { effects = handle(event, now_ns: now_ns) } else { effects += handle(event, now_ns: now_ns) }
    }
}
