import Foundation
import RcomCore
import RcomReactor

/// A callback receiver for job server tests: records each POST (body, arrival time) and
/// answers 200, like a client's callback endpoint would (or `status`: a provider that fails).
struct CallbackSink: EventPipeline {
    struct Received { let body: [UInt8]; let at: Date }
    let log: Locked<[Received]>
    let status: Int
    var decoders: [ConnectionID: HTTPRequestDecoder] = [:]

    init(log: Locked<[Received]>, status: Int = 200) {
        self.log = log
        self.status = status
    }

    mutating func handle(_ event: ReactorEvent, now_ns: Instant_ns) -> [ReactorEffect] {
        switch event {
        case .accepted(let c, _): decoders[c] = HTTPRequestDecoder()
        case .received(let c, let bytes):
            decoders[c]?.receive(bytes)
            var out: [ReactorEffect] = []
            while case .message(let r)? = decoders[c]?.next() {
                log.mutate { $0.append(Received(body: r.body, at: Date())) }
                out.append(.write(c, HTTPSerializer.bytes(HTTPResponse.json(status, Array("{}".utf8)))))
            }
            return out
        case .readClosed(let c): return [.close(c)]
        case .closed(let c, _): decoders[c] = nil
        case .shutdown: return [.stop(exitCode: 0)]
        default: break
        }
        return []
    }
}
