/// One SMTP attempt's bytes: the session, and the TLS layer under it once TLS is on (from the
/// first byte for `smtps://`, after the relay's 220 to STARTTLS otherwise). Turns socket bytes
/// into session input and session output into socket bytes; the result, once there is one, is
/// a `DeliveryResult` (the channel reads the relay's replies).
struct SMTPTransport {
    private(set) var session: SMTPClientSession
    let endpoint: SMTPEndpoint
    private var tls: TLSClientConnection?
    /// Any byte arrived from the relay (what the greeting timer waits for).
    private(set) var heardFromRelay = false

    init(endpoint: SMTPEndpoint, envelope: SMTPEnvelope) {
        self.endpoint = endpoint
        session = SMTPClientSession(envelope: envelope, security: endpoint.security, credentials: endpoint.credentials,
                                    relayName: "\(endpoint.host):\(endpoint.port)")
    }

    typealias Read = (SMTPReply, SMTPClientSession.Phase) -> DeliveryResult

    /// The connection is up: implicit TLS sends its ClientHello; plain SMTP waits for the greeting.
    mutating func connected() -> (writes: [[UInt8]], result: DeliveryResult?) {
        guard endpoint.security == .implicitTLS else { return ([], nil) }
        return startTLS()
    }

    mutating func receive(_ bytes: [UInt8], read: Read) -> (writes: [[UInt8]], result: DeliveryResult?) {
        let firstBytes = !heardFromRelay
        heardFromRelay = true
        guard let tls else { return run(session.receive(bytes), read: read) }
        if firstBytes, !tls.isEstablished, let b = bytes.first, b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") {
            // A TLS record starts with its content type (20-23), an SMTP reply with a digit.
            let greeting = String(decoding: bytes.prefix(40).filter { $0 >= 32 && $0 < 127 }, as: UTF8.self)
            return ([], .permanent("\(endpoint.host):\(endpoint.port) answered in plaintext SMTP (\"\(greeting)\"), not TLS: "
                                   + "use smtp:// (STARTTLS) for this port, smtps:// is for implicit-TLS ports such as 465"))
        }
        let p = tls.receive(bytes)
        var writes = p.send.isEmpty ? [] : [p.send]
        if let e = p.error { return (writes, e.permanent ? .permanent(e.message) : .transient(e.message, retryAfter_ms: nil)) }
        var result: DeliveryResult?
        if p.established && session.phase == .tlsHandshake {
            let (w, r) = run(session.tlsEstablished(), read: read)
            writes += w
            result = r
        }
        if !p.plaintext.isEmpty && result == nil {
            let (w, r) = run(session.receive(p.plaintext), read: read)
            writes += w
            result = r
        }
        return (writes, result)
    }

    private mutating func run(_ steps: [SMTPClientSession.Step], read: Read) -> (writes: [[UInt8]], result: DeliveryResult?) {
        var writes: [[UInt8]] = []
        var result: DeliveryResult?
        for step in steps {
            switch step {
            case .write(let plain):
                if let tls {
                    let p = tls.send(plain)
                    if !p.send.isEmpty { writes.append(p.send) }
                    if let e = p.error, result == nil { result = .transient(e.message, retryAfter_ms: nil) }
                } else {
                    writes.append(plain)
                }
            case .startTLS:
                let (w, r) = startTLS()
                writes += w
                if result == nil { result = r }
            case .done(.accepted(let reply)):
                result = read(reply, .message)
            case .done(.refused(let reply, let phase)):
                result = read(reply, phase)
            case .done(.protocolError(let why)):
                result = .transient("SMTP: \(why)", retryAfter_ms: nil)
            case .done(.cannotSend(let why)):
                result = .permanent(why)
            }
        }
        return (writes, result)
    }

    private mutating func startTLS() -> (writes: [[UInt8]], result: DeliveryResult?) {
        do {
            let c = try TLSClientConnection(context: TLSClientContext.shared(caFile: endpoint.caFile), host: endpoint.host)
            tls = c
            let p = c.start()
            if let e = p.error { return ([], .permanent(e.message)) }
            return (p.send.isEmpty ? [] : [p.send], nil)
        } catch {
            return ([], .permanent(error.message))
        }
    }

    /// What the greeting timer concludes when the relay has said nothing at all.
    func silentRelayResult(after_ms: Int64) -> DeliveryResult {
        let name = "\(endpoint.host):\(endpoint.port) within \(after_ms) ms"
        if endpoint.security == .implicitTLS {
            return .transient("no TLS answer from \(name)", retryAfter_ms: nil)
        }
        // RFC 5321 gives a greeting 5 minutes, but a relay that says nothing for seconds is
        // almost always an implicit-TLS port waiting for our ClientHello: retrying cannot help.
        return .permanent("no SMTP greeting from \(name): a port that waits silently expects TLS first "
                          + "(port 465 does); use smtps://\(endpoint.host):\(endpoint.port)/")
    }
}
