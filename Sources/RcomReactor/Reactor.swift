import CShims
import Dispatch
import Glibc
import RcomCore

/// Bounds the reactor enforces per connection and per tick.
public struct ReactorLimits: Sendable {
    /// Above this many queued outbound bytes a connection stops being read (backpressure)...
    public var writeQueueBytesHigh = 1 << 20
    /// ...and reading resumes once the queue drains below this.
    public var writeQueueBytesLow = 256 << 10
    /// A peer that lets its queue pass this is reset: it is not reading and we will not buffer for it.
    public var writeQueueBytesMax = 16 << 20
    public var readChunkBytes = 64 << 10
    /// Reads per connection per tick, so one busy peer cannot starve the others.
    public var readsPerTickMax = 4
    public var acceptsPerTickMax = 8192
    /// Open connections (both directions). At the bound the listeners stop accepting until one closes.
    public var connectionsMax = 15_000
    /// Inbound connections at most (a server keeps the rest of its descriptors for its own
    /// outbound connections). At the bound the listeners stop accepting: newcomers wait in the
    /// listen backlog until an inbound connection closes.
    public var inboundConnectionsMax = Int.max
    /// After EMFILE/ENFILE on accept, listeners pause this long instead of spinning.
    public var acceptRetry_ms: UInt64 = 100
    public init() {}
}

/// The thin shell: one thread owns every socket. It translates syscall results into
/// `ReactorEvent`s, hands them with the time to the pipeline, and carries out the effects.
///
/// Tick order (documented in design/architecture.md): wait (timeout = next timer) →
/// readiness entries in kernel order, each one: the wakeup inbox, or a listener's accepts, or
/// a connection's connect completion, else its write (flush) then its read → due timers in
/// deadline order → accept-retry check → what the tick wrote is sent, one send per
/// connection. Events caused by carrying out effects (a failed connect, a local close) are
/// queued and handled before the next readiness entry. A poller
/// failure is handled, never read as "nothing ready": a connection whose registration fails is
/// closed; a failed wait or a listener that cannot be watched stops the loop with exit 70.
public final class Reactor<P: EventPipeline> {
    public internal(set) var pipeline: P
    public let limits: ReactorLimits
    public let wakeup = WakeupHandle()
    /// Only the reactor that installed the handler takes the process's termination flag: a
    /// second reactor in the process (rcom serve's deliveries, a simulator) must not take a
    /// SIGTERM meant for the server's reactor.
    var takesSignals = false
    let poller: Poller
    var listeners: [Int32] = []
    var listenersActive = false
    var connections: [ConnectionID: ReactorConnection] = [:]
    /// Connections by descriptor number (a readiness entry names an fd): an array, not a dictionary.
    var byFD: [ReactorConnection?] = []
    var timers = TimerHeap()
    var pending: [ReactorEvent] = []
    /// The array each event's effects are appended to (`dispatch`), empty between events.
    var effectsScratch: [ReactorEffect] = []
    /// Connections written to during this tick, flushed after its events (`flushWritten`).
    var written: [ReactorConnection] = []
    var draining = false
    var nextInbound: UInt64 = 1
    var inboundCount = 0
    /// Below both bounds: the listeners may be watched.
    var mayAccept: Bool { connections.count < limits.connectionsMax && inboundCount < limits.inboundConnectionsMax }
    var stopCode: Int32?
    var acceptResume_ns: UInt64?
    let origin_ns: UInt64
    var readBuffer: [UInt8]
    var recorder: TraceRecorder?
    /// Where `.notice` effects go (the server's logger); dropped when unset.
    public var noticeSink: ((OperatorNotice) -> Void)?
    var drawsForTrace: (() -> [UInt64])?

    /// `origin_ns`: the `MonotonicClock` reading the pipeline's clock starts from (1 s then);
    /// default now. A traced pipeline gives the one its wall-clock origin was read with
    /// (`PipelineTracing.reactorOrigin_ns`), so its spans' Unix times are exact.
    public init(pipeline: P, poller: PollerKind = .poll, limits: ReactorLimits = ReactorLimits(), origin_ns: UInt64? = nil) {
        self.origin_ns = origin_ns ?? MonotonicClock.now_ns()
        self.pipeline = pipeline
        self.limits = limits
        self.poller = poller.make()
        self.readBuffer = [UInt8](repeating: 0, count: limits.readChunkBytes)
        DescriptorLimit.raise()
    }

    /// Time as the pipeline sees it: monotonic, starting at 1 s when the reactor was made.
    public func now_ns() -> UInt64 { MonotonicClock.now_ns() - origin_ns + 1_000_000_000 }

    /// Records every event, its entropy draws and its effects (see design/trace-format.md).
    public func record(to recorder: TraceRecorder, draws: @escaping () -> [UInt64]) {
        self.recorder = recorder
        self.drawsForTrace = draws
    }

    /// Opens a listener; returns the bound port (pass 0 to let the kernel choose).
    /// Listener numbers in `.accepted` events follow the order of these calls.
    public func listen(host: String, port: Int) throws(SocketError) -> Int {
        let bound = try BoundListener.open(host: host, port: port)
        adopt(bound)
        return bound.port
    }

    /// Takes over a listener opened before the reactor existed (when the pipeline needs the port).
    public func adopt(_ listener: BoundListener) {
        listeners.append(listener.fd)
    }

    /// SIGINT and SIGTERM become a `.shutdown` event on the loop thread. The handler is in
    /// place when this returns (a Dispatch signal source registers asynchronously, and a
    /// signal arriving in that gap was lost), so callers may announce readiness right after.
    public func handleTerminationSignals() {
        rcom_install_termination_handler(wakeup.fd)
        takesSignals = true
    }

    /// Runs until the pipeline emits `.stop`; returns its exit code.
    public func run() -> Int32 {
        if let failure = poller.set(wakeup.fd, Interest(read: true, write: false)) { fail(failure) }
        setListeners(active: true)
        while stopCode == nil {
            let waited = poller.wait(timeout_ms: waitTimeout_ms())
            guard case .success(let ready) = waited else {
                if case .failure(let failure) = waited { fail(failure) }
                break
            }
            for r in ready {
                if stopCode != nil { break }
                if r.fd == wakeup.fd {
                    drainInbox()
                } else if listeners.contains(r.fd) {
                    if listenersActive { acceptBurst(listener: r.fd) }
                } else if Int(r.fd) < byFD.count, let c = byFD[Int(r.fd)] {
                    service(c, readable: r.readable, writable: r.writable)
                }
            }
            fireDueTimers()
            if let resume = acceptResume_ns, now_ns() >= resume {
                acceptResume_ns = nil
                setListeners(active: mayAccept)
            }
            flushWritten()
        }
        shutdownAll()
        return stopCode ?? 0
    }

    /// The loop cannot go on (the poller itself failed): say so and stop.
    func fail(_ failure: PollerFailure) {
        let line = "rcom: the event loop stopped: \(failure)\n"
        _ = line.utf8CString.withUnsafeBufferPointer { Glibc.write(2, $0.baseAddress, $0.count - 1) }
        stopCode = 70
    }

    // MARK: - Dispatch

    func dispatch(_ event: ReactorEvent) {
        pending.append(event)
        guard !draining else { return }
        draining = true
        var i = 0
        while i < pending.count {
            let e = pending[i]
            i += 1
            let now = now_ns()
            // One array for every event's effects, its capacity kept (a large one, after a drain
            // answered every waiting client, is let go).
            var effects = effectsScratch
            effectsScratch = []
            pipeline.handle(e, now_ns: now, into: &effects)
            recorder?.record(t_ns: now, event: e, draws: drawsForTrace?() ?? [], effects: effects)
            for effect in effects { execute(effect) }
            // Emptied now, not at the next event: a write's bytes are the connection's alone.
            effects.removeAll(keepingCapacity: effects.capacity <= 1024)
            effectsScratch = effects
        }
        pending.removeAll(keepingCapacity: true)
        draining = false
    }

    func execute(_ effect: ReactorEffect) {
        switch effect {
        case .write(let id, let bytes): write(id, bytes)
        case .close(let id):
            guard let c = connections[id] else { return }
            c.closeAfterFlush = true
            if c.queuedBytes == 0 && c.state != .connecting && c.state != .resolving {
                finalize(c, reason: "closed locally")
            } else if !c.written {
                // Bytes waiting for writability: stop reading, keep writing. (Bytes written this
                // tick are sent by `flushWritten`, which closes after them.)
                updateInterest(c)
            }
        case .reset(let id):
            guard let c = connections[id] else { return }
            finalize(c, reason: "reset locally", abortive: true)
        case .connect(let id, let host, let port): connect(id, host: host, port: port)
        case .setTimer(let id, let deadline): timers.schedule(id, at: deadline)
        case .cancelTimer(let id): timers.cancel(id)
        case .pauseReading(let id):
            guard let c = connections[id] else { return }
            c.pausedByPipeline = true
            updateInterest(c)
        case .resumeReading(let id):
            guard let c = connections[id] else { return }
            c.pausedByPipeline = false
            updateInterest(c)
        case .stop(let code): stopCode = code
        case .notice(let n): noticeSink?(n)
        }
    }

    // MARK: - Timers and shutdown

    func waitTimeout_ms() -> Int32 {
        var deadline = timers.nextDeadline()
        if let r = acceptResume_ns { deadline = min(deadline ?? r, r) }
        guard let d = deadline else { return 1000 }
        let now = now_ns()
        if d <= now { return 0 }
        // Round up so a timer never fires early and the loop never spins on a 0 ms wait.
        return Int32(min(1000, (d - now + 999_999) / 1_000_000))
    }

    func fireDueTimers() {
        for id in timers.popDue(now_ns: now_ns()) {
            if stopCode != nil { return }
            dispatch(.timer(id))
        }
    }

    func shutdownAll() {
        // Best effort: one last non-blocking flush so final responses are not cut.
        for c in connections.values.sorted(by: { $0.id < $1.id }) where c.fd >= 0 {
            if c.state == .open { flushOnce(c) }
            if c.registered { poller.forget(c.fd) }
            close(c.fd)
        }
        connections.removeAll()
        byFD.removeAll()
        for fd in listeners { poller.remove(fd); close(fd) }
        listeners.removeAll()
        recorder?.close()
    }

    func flushOnce(_ c: ReactorConnection) {
        while c.queuedBytes > 0 {
            let n = c.withUnsent { Glibc.send(c.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return }
            c.consume(n)
        }
    }
}
