import RcomCore

/// Stage 1 (parse): bytes from inbound connections → classified requests. Owns one request
/// decoder per inbound connection and numbers requests per connection.
struct ClientParseStage {
    struct Inbound {
        var decoder: HTTPRequestDecoder
        var nextSequence: UInt64 = 0
    }

    private var connections: [ConnectionID: Inbound] = [:]
    let limits: HTTPLimits

    init(limits: HTTPLimits) { self.limits = limits }

    var openCount: Int { connections.count }
    func knows(_ id: ConnectionID) -> Bool { connections[id] != nil }

    mutating func accepted(_ id: ConnectionID) {
        connections[id] = Inbound(decoder: HTTPRequestDecoder(limits: limits))
    }

    /// Bytes (or EOF when nil) → messages, plus raw effects (100-continue, protocol errors).
    mutating func receive(_ id: ConnectionID, _ bytes: [UInt8]?) -> (messages: [InboundMessage], effects: [ReactorEffect], malformed: (RequestRef, HTTPParseError)?) {
        guard connections[id] != nil else { return ([], [], nil) }
        if let bytes { connections[id]!.decoder.receive(bytes) } else { connections[id]!.decoder.receiveEOF() }
        var messages: [InboundMessage] = []
        var effects: [ReactorEffect] = []
        while true {
            let event = connections[id]!.decoder.next()
            switch event {
            case .message(let request):
                // Take the ref first: `classify(…, ref: nextRef(id))` would hold a copy of self
                // across the mutation and copy the whole connection table per request.
                let ref = nextRef(id)
                messages.append(classify(request, ref: ref))
            case .expectContinue:
                effects.append(.write(id, HTTPSerializer.continueResponse))
            case .needData:
                return (messages, effects, nil)
            case .closed:
                messages.append(.connectionGone(id))
                return (messages, effects, nil)
            case .error(let e):
                if bytes == nil && e.kind == .truncated {
                    messages.append(.connectionGone(id))
                    return (messages, effects, nil)
                }
                return (messages, effects, (nextRef(id), e))
            }
        }
    }

    mutating func gone(_ id: ConnectionID) -> Bool { connections.removeValue(forKey: id) != nil }

    private mutating func nextRef(_ id: ConnectionID) -> RequestRef {
        let seq = connections[id]!.nextSequence
        connections[id]!.nextSequence += 1
        return RequestRef(connection: id, sequence: seq)
    }

    private func classify(_ r: HTTPRequest, ref: RequestRef) -> InboundMessage {
        let path = r.path
        if path.hasPrefix("/callback/") {
            let token = String(path.dropFirst("/callback/".count))
            return r.method == "POST" ? .callback(ref, token: token, r) : .local(ref, r)
        }
        if path == "/healthz" || path == "/stats" || r.method != "POST" { return .local(ref, r) }
        return .job(ref, r)
    }
}
