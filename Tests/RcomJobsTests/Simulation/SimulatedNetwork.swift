import RcomCore

/// A deterministic, seeded network for sans-IO pipelines (TigerBeetle's simulator idea): every
/// node is an `EventPipeline`, every byte travels through a virtual clock with random latency
/// and random fragmentation, timers fire in virtual time. One seed reproduces a whole run.
final class SimulatedNetwork {
    typealias Handler = (ReactorEvent, Instant_ns) -> [ReactorEffect]

    private struct Scheduled {
        let at_ns: Instant_ns
        let sequence: UInt64
        let node: Int
        let event: ReactorEvent
        func before(_ o: Scheduled) -> Bool { at_ns != o.at_ns ? at_ns < o.at_ns : sequence < o.sequence }
    }

    private struct Endpoint: Hashable {
        let node: Int
        let connection: ConnectionID
    }

    private let rng: SeededEntropy
    private var nodes: [Handler] = []
    private var listeners: [Int: Int] = [:]            // port → node
    private var peers: [Endpoint: Endpoint] = [:]
    private var lastDelivery: [Endpoint: Instant_ns] = [:]  // per direction, keeps byte order
    private var timers: [Int: [TimerID: Instant_ns]] = [:]  // node → live timers and their due time
    private var queue: [Scheduled] = []
    private var sequence: UInt64 = 0
    private var nextInbound: UInt64 = 1
    private(set) var now_ns: Instant_ns = 1_000_000_000
    let latency_ns_max: UInt64
    /// Events handled (a runaway simulation is a bug: the loop is bounded).
    private(set) var steps = 0

    init(seed: UInt64, latency_ns_max: UInt64 = 2_000_000) {
        rng = SeededEntropy(seed: seed)
        self.latency_ns_max = latency_ns_max
    }

    /// Adds a node; if `port` is given, connections to that port reach it.
    @discardableResult
    func add(port: Int? = nil, _ handler: @escaping Handler) -> Int {
        nodes.append(handler)
        if let port { listeners[port] = nodes.count - 1 }
        return nodes.count - 1
    }

    func inject(_ event: ReactorEvent, to node: Int, after delay_ns: UInt64 = 0) {
        schedule(node, event, at: now_ns + delay_ns)
    }

    /// Runs until no event is left or virtual time passes `until_ns`; at most `stepsMax` events.
    func run(until until_ns: Instant_ns, stepsMax: Int = 2_000_000) {
        while let next = popNext(), steps < stepsMax {
            if next.at_ns > until_ns {
                queue.append(next)
                heapUp(queue.count - 1)
                break
            }
            now_ns = max(now_ns, next.at_ns)
            steps += 1
            if case .timer(let t) = next.event {
                guard timers[next.node]?[t] == next.at_ns else { continue }  // cancelled or re-armed
                timers[next.node]?[t] = nil
            }
            for effect in nodes[next.node](next.event, now_ns) { carry(effect, from: next.node) }
        }
        now_ns = max(now_ns, until_ns)
    }

    private func latency() -> UInt64 { 50_000 + rng.next64() % latency_ns_max }

    private func carry(_ effect: ReactorEffect, from node: Int) {
        let here = Endpoint(node: node, connection: effectConnection(effect) ?? ConnectionID(raw: 0))
        switch effect {
        case .write(_, let bytes):
            guard let there = peers[here] else { return }
            // Random fragmentation: the receiver must cope with any split.
            var rest = bytes[...]
            while !rest.isEmpty {
                let n = rest.count == 1 ? 1 : Int(1 + rng.next64() % UInt64(rest.count))
                deliver(.received(there.connection, Array(rest.prefix(n))), to: there, from: here)
                rest = rest.dropFirst(n)
            }
        case .close:
            guard let there = peers.removeValue(forKey: here) else { return }
            deliver(.readClosed(there.connection), to: there, from: here)
            deliver(.closed(there.connection, reason: "peer closed"), to: there, from: here)
            peers[there] = nil
            schedule(node, .closed(here.connection, reason: "closed locally"), at: now_ns)
        case .reset:
            guard let there = peers.removeValue(forKey: here) else { return }
            peers[there] = nil
            deliver(.closed(there.connection, reason: "connection reset by peer"), to: there, from: here)
            schedule(node, .closed(here.connection, reason: "reset locally"), at: now_ns)
        case .connect(let id, _, let port):
            guard let target = listeners[port] else {
                schedule(node, .connectFailed(id, reason: "connection refused"), at: now_ns + latency())
                return
            }
            let accepted = ConnectionID(raw: nextInbound)
            nextInbound += 1
            let a = Endpoint(node: node, connection: id), b = Endpoint(node: target, connection: accepted)
            peers[a] = b
            peers[b] = a
            let t = now_ns + latency()
            schedule(target, .accepted(accepted, listener: 0), at: t)
            schedule(node, .connected(id), at: t)
            lastDelivery[a] = t
            lastDelivery[b] = t
        case .setTimer(let t, let deadline):
            let due = max(deadline, now_ns)
            timers[node, default: [:]][t] = due
            schedule(node, .timer(t), at: due)
        case .cancelTimer(let t):
            timers[node]?[t] = nil
        case .pauseReading, .resumeReading, .stop, .notice:
            break  // the simulated peers never overrun; stop ends nothing here
        }
    }

    private func deliver(_ event: ReactorEvent, to there: Endpoint, from here: Endpoint) {
        // Bytes in one direction arrive in order, each piece no earlier than the previous.
        let t = max(now_ns + latency(), (lastDelivery[here] ?? 0) + 1)
        lastDelivery[here] = t
        schedule(there.node, event, at: t)
    }

    private func effectConnection(_ e: ReactorEffect) -> ConnectionID? {
        switch e {
        case .write(let c, _), .close(let c), .reset(let c), .connect(let c, _, _), .pauseReading(let c), .resumeReading(let c): return c
        default: return nil
        }
    }

    // MARK: event queue (binary heap ordered by time, then scheduling order)

    private func schedule(_ node: Int, _ event: ReactorEvent, at t: Instant_ns) {
        sequence += 1
        queue.append(Scheduled(at_ns: t, sequence: sequence, node: node, event: event))
        heapUp(queue.count - 1)
    }

    private func popNext() -> Scheduled? {
        guard !queue.isEmpty else { return nil }
        queue.swapAt(0, queue.count - 1)
        let top = queue.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < queue.count && queue[l].before(queue[m]) { m = l }
            if r < queue.count && queue[r].before(queue[m]) { m = r }
            if m == i { break }
            queue.swapAt(i, m)
            i = m
        }
        return top
    }

    private func heapUp(_ index: Int) {
        var i = index
        while i > 0 {
            let p = (i - 1) / 2
            guard queue[i].before(queue[p]) else { break }
            queue.swapAt(i, p)
            i = p
        }
    }
}
