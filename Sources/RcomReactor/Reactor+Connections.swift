import CShims
import Dispatch
import Glibc
import RcomCore

/// Per-socket work: accept, connect (with off-thread name resolution), read, write, close.
extension Reactor {
    // MARK: - Connections

    func register(_ c: ReactorConnection) {
        connections[c.id] = c
        if c.fd >= 0 {
            if Int(c.fd) >= byFD.count { byFD += [ReactorConnection?](repeating: nil, count: max(Int(c.fd) + 1 - byFD.count, byFD.count)) }
            byFD[Int(c.fd)] = c
        }
        if !c.id.isOutbound { inboundCount += 1 }
        updateInterest(c)
        if !mayAccept { setListeners(active: false) }
    }

    func updateInterest(_ c: ReactorConnection) {
        guard c.fd >= 0 else { return }
        let interest = c.interest(limits: limits)
        if interest == .none {
            // poll(2) reports HUP even with no events asked; unregistering avoids a busy loop.
            if c.registered { poller.remove(c.fd); c.watched = nil }
        } else if interest == c.watched {
            return
        } else if let failure = poller.set(c.fd, interest) {
            // The connection cannot be watched: it would hang unseen, so it is closed now.
            finalize(c, reason: failure.description)
        } else {
            c.watched = interest
        }
    }

    func finalize(_ c: ReactorConnection, reason: String, abortive: Bool = false) {
        guard c.live, connections.removeValue(forKey: c.id) != nil else { return }
        c.live = false
        if !c.id.isOutbound { inboundCount -= 1 }
        if c.fd >= 0 {
            if c.registered { poller.forget(c.fd) }
            byFD[Int(c.fd)] = nil
            // After the peer's EOF there is no unread input left to discard.
            if abortive { Socket.reset(c.fd) } else if c.state == .open && !c.readEOF { Socket.closeDiscardingInput(c.fd) } else { close(c.fd) }
        }
        if acceptResume_ns == nil && !listenersActive && mayAccept {
            setListeners(active: true)
        }
        dispatch(.closed(c.id, reason: reason))
    }

    func setListeners(active: Bool) {
        guard active != listenersActive else { return }
        listenersActive = active
        for fd in listeners {
            if active {
                if let failure = poller.set(fd, Interest(read: true, write: false)) { fail(failure) }
            } else {
                poller.remove(fd)
            }
        }
    }

    func acceptBurst(listener fd: Int32) {
        let index = listeners.firstIndex(of: fd) ?? 0
        for _ in 0..<limits.acceptsPerTickMax {
            guard mayAccept else {
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

    func connect(_ id: ConnectionID, host: String, port: Int) {
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

    func startConnect(_ id: ConnectionID, _ address: SocketAddress) {
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

    func drainInbox() {
        if takesSignals, rcom_take_termination() != 0 { dispatch(.shutdown) }
        for item in wakeup.drain() {
            switch item {
            case .event(let e): dispatch(e)
            case .resolved(let id, let result):
                guard let c = connections[id], c.state == .resolving else { continue }
                connections[id] = nil
                c.live = false
                switch result {
                case .success(let address):
                    startConnect(id, address)
                    if c.closeAfterFlush, let n = connections[id] { n.closeAfterFlush = true }
                case .failure(let e): dispatch(.connectFailed(id, reason: e.message))
                }
            }
        }
    }

    func service(_ c: ReactorConnection, readable: Bool, writable: Bool) {
        let id = c.id
        if c.state == .connecting {
            guard readable || writable else { return }
            if let e = Socket.pendingError(c.fd) {
                connections[id] = nil
                c.live = false
                byFD[Int(c.fd)] = nil
                if c.registered { poller.forget(c.fd) }
                close(c.fd)
                dispatch(.connectFailed(id, reason: e.message))
                return
            }
            c.state = .open
            updateInterest(c)
            dispatch(.connected(id))
            flush(c)  // a no-op if handling `.connected` finalized it
            return
        }
        if writable { flush(c) }
        if readable, c.live { read(c) }
    }

    func read(_ c: ReactorConnection) {
        guard c.live else { return }
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
                guard c.live, !c.pausedByPipeline, !c.pausedByBackpressure else { return }
                if n < readBuffer.count { return }
            } else if n == 0 {
                c.readEOF = true
                dispatch(.readClosed(c.id))
                // After the pipeline had its say: a connection it closes needs no change of
                // interest (closing unregisters it), and one it wrote to is updated by its flush.
                if c.live && !c.written { updateInterest(c) }
                return
            } else {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return }
                finalize(c, reason: SocketError.errno("read").message)
                return
            }
        }
    }

    /// Queues the bytes; they are sent when the tick's events are handled (`flushWritten`), so
    /// that what several events write to one connection goes out in one send: pipelined starts
    /// to the job server, answers to its callbacks.
    func write(_ id: ConnectionID, _ bytes: [UInt8]) {
        guard let c = connections[id], !bytes.isEmpty else { return }
        c.enqueue(bytes)
        if c.state == .open && !c.written {
            c.written = true
            written.append(c)
        }
        if c.queuedBytes > limits.writeQueueBytesMax {
            finalize(c, reason: "write queue over \(limits.writeQueueBytesMax) bytes: peer not reading", abortive: true)
        } else if c.queuedBytes > limits.writeQueueBytesHigh && !c.pausedByBackpressure {
            c.pausedByBackpressure = true
            updateInterest(c)
        }
    }

    /// Sends what this tick queued, connection by connection in the order they were first
    /// written to. Runs after each batch of readiness entries, timers and wakeups.
    func flushWritten() {
        var i = 0
        while i < written.count {
            let c = written[i]
            i += 1
            c.written = false
            if c.live { flush(c) }
        }
        written.removeAll(keepingCapacity: true)
    }

    /// Written with MSG_NOSIGNAL: a peer that closed is an EPIPE to handle, never a SIGPIPE that
    /// kills the process (a process embedding a reactor, such as the test runner, may not ignore it).
    func flush(_ c: ReactorConnection) {
        // A connection finalized while an event was being handled (its write failed, the
        // pipeline closed it) must never write again: its fd number may already belong to a new
        // socket, and its unsent bytes would go to another peer (found by scripts/fault-matrix:
        // a start written twice, on a reconnect that reused the fd).
        guard c.live else { return }
        while c.queuedBytes > 0 {
            let n = c.withUnsent { Glibc.send(c.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
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
}
