import RcomCore

/// One attempt in flight: the transport it goes over and what has come back so far.
struct DeliveryExchange {
    enum Transport {
        case http(HTTPClientConnection<Int>)
        case smtp(SMTPClientSession)
        /// Carried outside the reactor (`CarriedRequest`); no connection of ours.
        case carried
    }

    let jobID: String
    let started_ns: Instant_ns
    let timer: TimerID
    var transport: Transport
    /// The attempt's result is known; the connection is only waiting to close.
    var settled = false

    /// Feeds received bytes (nil: the peer closed) to the transport. Returns what to write back
    /// (SMTP's next command) and the attempt's result once there is one. `dated` gives an HTTP
    /// answer the `Date` a recipient with a clock would add.
    mutating func receive(_ id: ConnectionID, _ bytes: [UInt8]?, channel: any Channel,
                          dated: (HTTPResponse) -> HTTPResponse) -> (effects: [ReactorEffect], result: DeliveryResult?) {
        var effects: [ReactorEffect] = []
        var result: DeliveryResult?
        switch transport {
        case .http(var c):
            for outcome in c.receive(bytes) {
                switch outcome {
                case .response(_, let r): result = channel.result(of: .http(dated(r)))
                case .failed(_, let reason): result = .transient(reason, retryAfter_ms: nil)
                }
            }
            transport = .http(c)
        case .smtp(var s):
            if let bytes {
                for step in s.receive(bytes) {
                    switch step {
                    case .write(let out): effects.append(.write(id, out))
                    case .done(.accepted(let reply)), .done(.refused(let reply, _)): result = channel.result(of: .smtp(reply))
                    case .done(.protocolError(let why)): result = .transient("SMTP: \(why)", retryAfter_ms: nil)
                    }
                }
            } else {
                result = .transient("the relay closed the connection during \(s.phase)", retryAfter_ms: nil)
            }
            transport = .smtp(s)
        case .carried:
            break
        }
        return (effects, result)
    }
}
