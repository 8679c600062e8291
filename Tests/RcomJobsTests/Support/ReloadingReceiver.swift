import Foundation
import RcomCore
import RcomReactor

/// A callback receiver that behaves like nginx at a reload, as a job server sees it: before
/// `reload()` it answers 200 (holding its first answers until `spreadOver` requests are
/// pending, so that the sender opens that many kept-alive connections); after it, every
/// connection accepted before the reload is an old worker's: the next request on it is read and
/// the connection closed without a byte of answer. Connections accepted after it are answered.
struct ReloadingReceiver: EventPipeline {
    struct Tally: Sendable {
        var reloaded = false
        var connectionsAccepted = 0
        var answered = 0
        /// Requests read on an old connection and closed without an answer.
        var closedUnanswered = 0
    }

    let tally: Locked<Tally>
    let spreadOver: Int
    private var decoders: [ConnectionID: HTTPRequestDecoder] = [:]
    private var acceptedBeforeReload: Set<ConnectionID> = []
    private var held: [ConnectionID] = []

    init(tally: Locked<Tally>, spreadOver: Int) {
        self.tally = tally
        self.spreadOver = spreadOver
    }

    mutating func handle(_ event: ReactorEvent, now_ns: Instant_ns) -> [ReactorEffect] {
        switch event {
        case .accepted(let c, _):
            decoders[c] = HTTPRequestDecoder()
            tally.mutate { $0.connectionsAccepted += 1 }
            if !tally.value.reloaded { acceptedBeforeReload.insert(c) }
        case .received(let c, let bytes):
            decoders[c]?.receive(bytes)
            var out: [ReactorEffect] = []
            while case .message? = decoders[c]?.next() {
                if tally.value.reloaded && acceptedBeforeReload.contains(c) {
                    tally.mutate { $0.closedUnanswered += 1 }
                    decoders[c] = nil
                    return out + [.close(c)]
                }
                held.append(c)
            }
            // Before the reload, answers wait until the sender has spread over enough connections.
            if tally.value.reloaded || Set(held).count >= spreadOver {
                for h in held { out.append(.write(h, HTTPSerializer.bytes(HTTPResponse.json(200, Array("{\"ok\":true}".utf8))))) }
                tally.mutate { $0.answered += held.count }
                held.removeAll()
            }
            return out
        case .readClosed(let c): return [.close(c)]
        case .closed(let c, _):
            decoders[c] = nil
            held.removeAll { $0 == c }
        case .shutdown: return [.stop(exitCode: 0)]
        default: break
        }
        return []
    }

    /// From now on the connections accepted so far close under the next request.
    static func reload(_ tally: Locked<Tally>) { tally.mutate { $0.reloaded = true } }
}
