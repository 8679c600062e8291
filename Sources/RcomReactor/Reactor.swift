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
    /// After EMFILE/ENFILE on accept, listeners pause this long instead of spinning.
    public var acceptRetry_ms: UInt64 = 100
    public init() {}
}

/// The thin shell: one thread owns every socket. It translates syscall results into
/// `ReactorEvent`s, hands them with the time to the pipeline, and carries out the effects.
///
/// Tick order (documented in design/architecture.md): wait (timeout = next timer) →
/// readiness in kernel order (wakeup inbox, accepts, connect completions, reads, writes) →
/// due timers in deadline order → accept-retry check. Events caused by carrying out effects
/// (a failed connect, a local close) are queued and handled before the next readiness entry.
public final class Reactor<P: EventPipeline> {
    public private(set) var pipeline: P
    public let limits: ReactorLimits
    public let wakeup = WakeupHandle()
    private let poller: Poller
    private var listeners: [Int32] = []
    private var listenersActive = false
    private var connections: [ConnectionID: ReactorConnection] = [:]
    private var byFD: [Int32: ConnectionID] = [:]
    private var timers = TimerHeap()
    private var pending: [ReactorEvent] = []
    private var draining = false
    private var nextInbound: UInt64 = 1
    private var stopCode: Int32?
    private var acceptResume_ns: UInt64?
    private let origin_ns = MonotonicClock.now_ns()
    private var readBuffer: [UInt8]
    private var recorder: TraceRecorder?
    private var drawsForTrace: (() -> [UInt64])?

    public init(pipeline: P, poller: PollerKind = .poll, limits: ReactorLimits = ReactorLimits()) {
        self.pipeline = pipeline
        self.limits = limits
        self.poller = poller.make()
        self.readBuffer = [UInt8](repeating: 0, count: limits.readChunkBytes)
        Socket.raiseDescriptorLimit()
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
    }

    /// Runs until the pipeline emits `.stop`; returns its exit code.
    public func run() -> Int32 {
        poller.set(wakeup.fd, Interest(read: true, write: false))
        setListeners(active: true)
        while stopCode == nil {
            let ready = poller.wait(timeout_ms: waitTimeout_ms())
            for r in ready {
                if stopCode != nil { break }
                if r.fd == wakeup.fd {
                    drainInbox()
                } else if listeners.contains(r.fd) {
                    if listenersActive { acceptBurst(listener: r.fd) }
                } else if let id = byFD[r.fd] {
                    service(id, readable: r.readable, writable: r.writable)
                }
            }
            fireDueTimers()
            if let resume = acceptResume_ns, now_ns() >= resume {
                acceptResume_ns = nil
                setListeners(active: connections.count < limits.connectionsMax)
            }
        }
        shutdownAll()
        return stopCode ?? 0
    }

    // MARK: - Dispatch

    private func dispatch(_ event: ReactorEvent) {
        pending.append(event)
        guard !draining else { return }
        draining = true
        var i = 0
        while i < pending.count {
            let e = pending[i]
            i += 1
            let now = now_ns()
            let effects = pipeline.handle(e, now_ns: now)
            recorder?.record(t_ns: now, event: e, draws: drawsForTrace?() ?? [], effects: effects)
            for effect in effects { execute(effect) }
        }
        pending.removeAll(keepingCapacity: true)
        draining = false
    }

    private func execute(_ effect: ReactorEffect) {
        switch effect {
        case .write(let id, let bytes): write(id, bytes)
        case .close(let id):
            guard let c = connections[id] else { return }
            c.closeAfterFlush = true
            if c.queuedBytes == 0 && c.state != .connecting && c.state != .resolving {
                finalize(c, reason: "closed locally")
            } else {
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
        }
    }

    // MARK: - Connections

    private func register(_ c: ReactorConnection) {
        connections[c.id] = c
        if c.fd >= 0 { byFD[c.fd] = c.id }
        updateInterest(c)
        if connections.count >= limits.connectionsMax { setListeners(active: false) }
    }

    private func updateInterest(_ c: ReactorConnection) {
        guard c.fd >= 0 else { return }
        let interest = c.interest(limits: limits)
        if interest == .none {
            // poll(2) reports HUP even with no events asked; unregistering avoids a busy loop.
            if c.registered { poller.remove(c.fd); c.registered = false }
        } else {
            poller.set(c.fd, interest)
            c.registered = true
        }
    }

    private func finalize(_ c: ReactorConnection, reason: String, abortive: Bool = false) {
        guard connections.removeValue(forKey: c.id) != nil else { return }
        if c.fd >= 0 {
            if c.registered { poller.remove(c.fd) }
            byFD[c.fd] = nil
            if abortive { Socket.reset(c.fd) } else { close(c.fd) }
        }
        if acceptResume_ns == nil && !listenersActive && connections.count < limits.connectionsMax {
            setListeners(active: true)
        }
        dispatch(.closed(c.id, reason: reason))
    }

    private func setListeners(active: Bool) {
        guard active != listenersActive else { return }
        listenersActive = active
        for fd in listeners {
            if active { poller.set(fd, Interest(read: true, write: false)) } else { poller.remove(fd) }
        }
    }

    private func acceptBurst(listener fd: Int32) {
        let index = listeners.firstIndex(of: fd) ?? 0
        for _ in 0..<limits.acceptsPerTickMax {
            guard connections.count < limits.connectionsMax else {
                setListeners(active: false)
                return
            }
            switch Socket.accept(fd) {
            case .accepted(let cfd):
                let id = ConnectionID(raw: nextInbound)
                nextInbound += 1
                register(ReactorConnection(id: id, fd: cfd, state: .open))
                dispatch(.accepted(id, listener: index))
            case .wouldBlock:
                return
            case .outOfDescriptors:
                // Out of fds: stop watching the listener (a pending connection would keep it
                // readable and spin the loop) and look again after a pause.
                setListeners(active: false)
                acceptResume_ns = now_ns() + limits.acceptRetry_ms * 1_000_000
                return
            case .failed:
                return
            }
        }
    }

    private func connect(_ id: ConnectionID, host: String, port: Int) {
        guard connections[id] == nil else { return }
        if let address = SocketAddress.numeric(host, port: port) {
            startConnect(id, address)
            return
        }
        // Name resolution blocks: do it on a worker thread; the answer re-enters via the wakeup.
        register(ReactorConnection(id: id, fd: -1, state: .resolving))
        let door = wakeup
        DispatchQueue.global().async {
            door.post(.resolved(id, SocketAddress.resolve(host, port: port)))
        }
    }

    private func startConnect(_ id: ConnectionID, _ address: SocketAddress) {
        switch Socket.connect(address) {
        case .connected(let fd):
            register(ReactorConnection(id: id, fd: fd, state: .open))
            dispatch(.connected(id))
        case .inProgress(let fd):
            register(ReactorConnection(id: id, fd: fd, state: .connecting))
        case .failed(let e):
            dispatch(.connectFailed(id, reason: e.message))
        }
    }

    private func drainInbox() {
        if rcom_take_termination() != 0 { dispatch(.shutdown) }
        for item in wakeup.drain() {
            switch item {
            case .event(let e): dispatch(e)
            case .resolved(let id, let result):
                guard let c = connections.removeValue(forKey: id), c.state == .resolving else { continue }
                switch result {
                case .success(let address):
                    startConnect(id, address)
                    if c.closeAfterFlush, let n = connections[id] { n.closeAfterFlush = true }
                case .failure(let e): dispatch(.connectFailed(id, reason: e.message))
                }
            }
        }
    }

    private func service(_ id: ConnectionID, readable: Bool, writable: Bool) {
        guard let c = connections[id] else { return }
        if c.state == .connecting {
            guard readable || writable else { return }
            if let e = Socket.pendingError(c.fd) {
                connections[id] = nil
                byFD[c.fd] = nil
                if c.registered { poller.remove(c.fd) }
                close(c.fd)
                dispatch(.connectFailed(id, reason: e.message))
                return
            }
            c.state = .open
            updateInterest(c)
            dispatch(.connected(id))
            flush(c)
            return
        }
        if writable { flush(c) }
        if readable, connections[id] === c { read(c) }
    }

    private func read(_ c: ReactorConnection) {
        guard c.state == .open, !c.readEOF else {
            // Readiness without read interest means an error or hang-up: find out by writing.
            if c.queuedBytes > 0 { flush(c) } else if c.readEOF, !c.pausedByPipeline { updateInterest(c) }
            return
        }
        if c.pausedByPipeline || c.pausedByBackpressure { return }
        for _ in 0..<limits.readsPerTickMax {
            let n = readBuffer.withUnsafeMutableBytes { Glibc.read(c.fd, $0.baseAddress, $0.count) }
            if n > 0 {
                dispatch(.received(c.id, Array(readBuffer[0..<n])))
                guard connections[c.id] === c, !c.pausedByPipeline, !c.pausedByBackpressure else { return }
                if n < readBuffer.count { return }
            } else if n == 0 {
                c.readEOF = true
                updateInterest(c)
                dispatch(.readClosed(c.id))
                return
            } else {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return }
                finalize(c, reason: SocketError.errno("read").message)
                return
            }
        }
    }

    private func write(_ id: ConnectionID, _ bytes: [UInt8]) {
        guard let c = connections[id], !bytes.isEmpty else { return }
        c.enqueue(bytes)
        if c.state == .open { flush(c) }
        guard connections[id] === c else { return }
        if c.queuedBytes > limits.writeQueueBytesMax {
            finalize(c, reason: "write queue over \(limits.writeQueueBytesMax) bytes: peer not reading", abortive: true)
        } else if c.queuedBytes > limits.writeQueueBytesHigh && !c.pausedByBackpressure {
            c.pausedByBackpressure = true
            updateInterest(c)
        }
    }

    private func flush(_ c: ReactorConnection) {
        while let (chunk, offset) = c.head {
            let n = chunk.withUnsafeBytes { buf in
                Glibc.write(c.fd, buf.baseAddress! + offset, buf.count - offset)
            }
            if n > 0 {
                c.consume(n)
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                break
            } else {
                finalize(c, reason: SocketError.errno("write").message)
                return
            }
        }
        if c.pausedByBackpressure && c.queuedBytes < limits.writeQueueBytesLow { c.pausedByBackpressure = false }
        if c.queuedBytes == 0 && c.closeAfterFlush {
            finalize(c, reason: "closed locally")
        } else {
            updateInterest(c)
        }
    }

    // MARK: - Timers and shutdown

    private func waitTimeout_ms() -> Int32 {
        var deadline = timers.nextDeadline()
        if let r = acceptResume_ns { deadline = min(deadline ?? r, r) }
        guard let d = deadline else { return 1000 }
        let now = now_ns()
        if d <= now { return 0 }
        // Round up so a timer never fires early and the loop never spins on a 0 ms wait.
        return Int32(min(1000, (d - now + 999_999) / 1_000_000))
    }

    private func fireDueTimers() {
        for id in timers.popDue(now_ns: now_ns()) {
            if stopCode != nil { return }
            dispatch(.timer(id))
        }
    }

    private func shutdownAll() {
        // Best effort: one last non-blocking flush so final responses are not cut.
        for c in connections.values.sorted(by: { $0.id < $1.id }) where c.fd >= 0 {
            if c.state == .open { _ = c.head.map { _ in flushOnce(c) } }
            if c.registered { poller.remove(c.fd) }
            close(c.fd)
        }
        connections.removeAll()
        byFD.removeAll()
        for fd in listeners { poller.remove(fd); close(fd) }
        listeners.removeAll()
        recorder?.close()
    }

    private func flushOnce(_ c: ReactorConnection) {
        while let (chunk, offset) = c.head {
            let n = chunk.withUnsafeBytes { Glibc.write(c.fd, $0.baseAddress! + offset, $0.count - offset) }
            guard n > 0 else { return }
            c.consume(n)
        }
    }
}
