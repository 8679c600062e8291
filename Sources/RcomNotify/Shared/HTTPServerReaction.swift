import RcomCore

/// What the simulator and the tracking server do with each decoder event: answer a request,
/// say 100 Continue, wait for bytes, or close (after a 4xx/5xx for a malformed request). One
/// definition so both servers close and refuse alike.
enum HTTPServerReaction {
    /// Answer it, then keep decoding.
    case request(HTTPRequest)
    /// Write these, then keep decoding.
    case proceed([ReactorEffect])
    /// Write these and stop decoding this connection until more bytes come (or for good).
    case stop([ReactorEffect])

    init(_ event: HTTPDecoderEvent<HTTPRequest>, connection id: ConnectionID) {
        switch event {
        case .message(let r): self = .request(r)
        case .expectContinue: self = .proceed([.write(id, HTTPSerializer.continueResponse)])
        case .needData: self = .stop([])
        case .closed: self = .stop([.close(id)])
        case .error(let e):
            self = .stop([.write(id, HTTPSerializer.bytes(HTTPResponse.error(e.status, e.message, keepAlive: false))), .close(id)])
        }
    }
}
