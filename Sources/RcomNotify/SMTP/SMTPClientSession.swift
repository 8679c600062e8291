import Foundation

/// The client side of one SMTP transaction as plain state (RFC 5321 §3): greeting → EHLO
/// (HELO if the server refuses EHLO) → STARTTLS and EHLO again (RFC 3207) → AUTH (RFC 4954,
/// PLAIN or LOGIN) → MAIL FROM → RCPT TO → DATA → message → QUIT.
/// Bytes in, bytes out; the owner moves them over a connection, runs the TLS layer when told
/// (`.startTLS`, then `tlsEstablished()`), and decides about time.
///
/// Security rules, decided here so every transport keeps them: a password is only ever sent
/// over TLS; `smtp+starttls` without STARTTLS on offer stops before MAIL; bytes the relay sends
/// after its STARTTLS reply and before the handshake are a protocol error (they could be an
/// attacker's injection, CVE-2011-0411).
public struct SMTPClientSession: Sendable {
    public enum Phase: Equatable, Sendable {
        case greeting, ehlo, helo, startTLS, tlsHandshake, auth, authLoginUser, authLoginPassword
        case mailFrom, rcptTo, data, message, quit, finished
    }

    public enum Outcome: Equatable, Sendable {
        /// The server took the message (the reply to the end of DATA).
        case accepted(SMTPReply)
        /// The server refused at some step; its reply says whether to try again (4yz) or not (5yz).
        case refused(SMTPReply, during: Phase)
        /// The peer is not speaking SMTP as we expect.
        case protocolError(String)
        /// rcom will not go on with this relay (no STARTTLS where it is required, no AUTH
        /// mechanism we speak, no SMTPUTF8 for an address that needs it, ...): a retry cannot help.
        case cannotSend(String)
    }

    public enum Step: Equatable, Sendable {
        case write([UInt8])
        /// Start the TLS handshake now; call `tlsEstablished()` when it completes. Nothing else
        /// is written in plaintext.
        case startTLS
        case done(Outcome)
    }

    public let envelope: SMTPEnvelope
    public let security: SMTPSecurity
    private let credentials: SMTPCredentials?
    /// The relay as messages name it (`host:port`).
    private let relayName: String
    public private(set) var phase = Phase.greeting
    public private(set) var tlsActive: Bool
    public private(set) var extensions = SMTPExtensions()
    private var parser = SMTPReplyParser()

    /// `security == .implicitTLS`: the owner runs TLS from the first byte, so the session starts
    /// with TLS active.
    public init(envelope: SMTPEnvelope, security: SMTPSecurity = .startTLSIfOffered,
                credentials: SMTPCredentials? = nil, relayName: String = "the relay") {
        self.envelope = envelope
        self.security = security
        self.credentials = credentials
        self.relayName = relayName
        self.tlsActive = security == .implicitTLS
    }

    /// Feed bytes from the server (decrypted, once TLS is on); returns what to write and, once
    /// decided, the outcome. After `.done`, the session writes QUIT itself (included in the
    /// steps) and ignores the rest.
    public mutating func receive(_ bytes: [UInt8]) -> [Step] {
        guard phase != .finished, phase != .quit else { return [] }
        guard phase != .tlsHandshake else {
            return finish(.protocolError("\(relayName) sent plaintext after agreeing to STARTTLS"), quit: false)
        }
        switch parser.receive(bytes) {
        case .failure(let e):
            return finish(.protocolError(e.message), quit: false)
        case .success(let replies):
            var steps: [Step] = []
            for (i, reply) in replies.enumerated() {
                steps += advance(reply)
                if phase == .tlsHandshake && (i < replies.count - 1 || parser.hasBufferedBytes) {
                    return finish(.protocolError("\(relayName) sent more after its STARTTLS reply (refused: it could be injected)"), quit: false)
                }
                if phase == .quit || phase == .finished || phase == .tlsHandshake { break }
            }
            return steps
        }
    }

    /// The TLS handshake the session asked for completed: EHLO again (RFC 3207 §4.2: what the
    /// relay offered in plaintext is forgotten).
    public mutating func tlsEstablished() -> [Step] {
        guard phase == .tlsHandshake else { return [] }
        tlsActive = true
        extensions = SMTPExtensions()
        phase = .ehlo
        return [line("EHLO \(envelope.heloName)")]
    }

    private mutating func advance(_ reply: SMTPReply) -> [Step] {
        switch phase {
        case .greeting:
            guard reply.code == 220 else { return refuse(reply) }
            phase = .ehlo
            return [line("EHLO \(envelope.heloName)")]
        case .ehlo:
            // A server that does not know EHLO (500/502) gets the older HELO (RFC 5321 §3.2).
            if reply.code == 500 || reply.code == 502 {
                phase = .helo
                return [line("HELO \(envelope.heloName)")]
            }
            guard reply.code == 250 else { return refuse(reply) }
            extensions = SMTPExtensions(ehloReply: reply)
            return afterHello()
        case .helo:
            guard reply.code == 250 else { return refuse(reply) }
            extensions = SMTPExtensions()
            return afterHello()
        case .startTLS:
            if reply.code == 220 {
                phase = .tlsHandshake
                return [.startTLS]
            }
            // Refused (454: TLS not available now). Plaintext is acceptable only where it was anyway.
            guard security == .startTLSIfOffered, credentials == nil else { return refuse(reply) }
            return mailFrom()
        case .tlsHandshake:
            return []
        case .auth:
            guard reply.code == 235 else { return refuse(reply) }
            return mailFrom()
        case .authLoginUser, .authLoginPassword:
            guard reply.code == 334, let credentials else { return refuse(reply) }
            let secret = phase == .authLoginUser ? credentials.user : credentials.password
            phase = phase == .authLoginUser ? .authLoginPassword : .auth
            return [line(Data(secret.utf8).base64EncodedString())]
        case .mailFrom:
            guard reply.code == 250 else { return refuse(reply) }
            phase = .rcptTo
            return [line("RCPT TO:<\(envelope.rcptTo)>")]
        case .rcptTo:
            guard reply.code == 250 || reply.code == 251 else { return refuse(reply) }
            phase = .data
            return [line("DATA")]
        case .data:
            guard reply.code == 354 else { return refuse(reply) }
            phase = .message
            return [.write(SMTPData.encode(envelope.message))]
        case .message:
            guard reply.code == 250 else { return refuse(reply) }
            phase = .quit
            return [.done(.accepted(reply)), line("QUIT")]
        case .quit, .finished:
            return []
        }
    }

    /// After (E)HLO: STARTTLS if offered and not on yet, then AUTH if there are credentials.
    private mutating func afterHello() -> [Step] {
        if !tlsActive {
            if extensions.startTLS {
                phase = .startTLS
                return [line("STARTTLS")]
            }
            if security == .startTLSRequired {
                return cannotSend("\(relayName) does not offer STARTTLS, which smtp+starttls:// requires")
            }
            if credentials != nil {
                return cannotSend("\(relayName) does not offer STARTTLS: the password would be sent in clear, so it is not; "
                                  + "use smtps:// (port 465) or a relay that offers STARTTLS")
            }
        }
        guard let credentials else { return mailFrom() }
        let offered = extensions.authMechanisms
        if offered.contains("PLAIN") {
            // RFC 4616: authorization identity (empty), user, password, NUL-separated; sent as
            // the initial response (RFC 4954 §4).
            phase = .auth
            let token = Data([0] + Array(credentials.user.utf8) + [0] + Array(credentials.password.utf8)).base64EncodedString()
            return [line("AUTH PLAIN \(token)")]
        }
        if offered.contains("LOGIN") {
            phase = .authLoginUser
            return [line("AUTH LOGIN")]
        }
        return cannotSend(offered.isEmpty
            ? "\(relayName) offers no AUTH, but a user and password are configured"
            : "\(relayName) offers AUTH \(offered.joined(separator: " ")); rcom speaks PLAIN and LOGIN")
    }

    private mutating func mailFrom() -> [Step] {
        let longest = envelope.longestLine
        guard longest <= 998 else { return cannotSend("the message has a line of \(longest) octets; RFC 5322 allows 998") }
        var parameters = ""
        if let max = extensions.sizeMax {
            guard envelope.message.count <= max else {
                return cannotSend("the message (\(envelope.message.count) bytes) is over \(relayName)'s SIZE limit (\(max))")
            }
            parameters += " SIZE=\(envelope.message.count)"
        }
        if envelope.isEightBit {
            guard extensions.eightBitMIME else { return cannotSend("\(relayName) does not offer 8BITMIME, which this message needs") }
            parameters += " BODY=8BITMIME"
        }
        if envelope.needsSMTPUTF8 {
            guard extensions.smtpUTF8 else {
                return cannotSend("\(relayName) does not offer SMTPUTF8, which the address \(envelope.needsSMTPUTF8Address) needs")
            }
            parameters += " SMTPUTF8"
        }
        phase = .mailFrom
        return [line("MAIL FROM:<\(envelope.mailFrom)>\(parameters)")]
    }

    private mutating func cannotSend(_ why: String) -> [Step] { finish(.cannotSend(why), quit: true) }

    private mutating func refuse(_ reply: SMTPReply) -> [Step] {
        let outcome: Outcome = reply.code >= 400
            ? .refused(reply, during: phase)
            : .protocolError("unexpected reply \(reply) during \(phase)")
        return finish(outcome, quit: true)
    }

    private mutating func finish(_ outcome: Outcome, quit: Bool) -> [Step] {
        phase = quit ? .quit : .finished
        return quit ? [.done(outcome), line("QUIT")] : [.done(outcome)]
    }

    private func line(_ text: String) -> Step { .write(Array((text + "\r\n").utf8)) }
}
