import RcomCore

/// One attempt in flight: the transport it goes over and what has come back so far.
struct DeliveryExchange {
    enum Transport {
        case http(HTTPClientConnection<Int>)
        case smtp(SMTPTransport)
        /// Carried outside the reactor (`CarriedRequest`); no connection of ours.
        case carried
    }

    let jobID: String
    let started_ns: Instant_ns
    let timer: TimerID
    /// SMTP: fires if the relay says nothing at all (a TLS-only port waits for us).
    var greetingTimer: TimerID?
    var transport: Transport
    /// The attempt's result is known; the connection is only waiting to close.
    var settled = false
    /// The provider's last status: the HTTP status, or the SMTP reply code (for tracing).
    var providerStatus: Int?
    /// Where the attempt went (for tracing; never a path, which may hold a credential). Kept
    /// as the URL's own host string and port, so tracing off formats nothing.
    var peerHost: String?
    var peerPort = 0

    /// The connection is up: HTTP sends its request, implicit TLS its ClientHello.
    mutating func connected(_ id: ConnectionID) -> (effects: [ReactorEffect], result: DeliveryResult?) {
        switch transport {
        case .http(var c):
            let writes = c.connected()
            transport = .http(c)
            return (writes, nil)
        case .smtp(var t):
            let (writes, result) = t.connected()
            transport = .smtp(t)
            return (writes.map { .write(id, $0) }, result)
        case .carried:
            return ([], nil)
        }
    }

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
                case .response(_, let r):
                    providerStatus = r.status
                    result = channel.result(of: .http(dated(r)))
                case .failed(_, let reason): result = .transient(reason, retryAfter_ms: nil)
                }
            }
            transport = .http(c)
        case .smtp(var t):
            if let bytes {
                var code: Int?
                let (writes, r) = t.receive(bytes) { reply, phase in
                    code = reply.code
                    return channel.result(of: .smtp(reply, during: phase))
                }
                if let code { providerStatus = code }
                effects += writes.map { .write(id, $0) }
                result = r
            } else {
                result = .transient("the relay closed the connection during \(t.session.phase)", retryAfter_ms: nil)
            }
            transport = .smtp(t)
        case .carried:
            break
        }
        return (effects, result)
    }
}
