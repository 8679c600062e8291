/// The client side of one SMTP transaction as plain state (RFC 5321 §3): greeting → EHLO
/// (HELO if the server refuses EHLO) → MAIL FROM → RCPT TO → DATA → message → QUIT.
/// Bytes in, bytes out; the owner moves them over a connection and decides about time.
public struct SMTPClientSession: Sendable {
    public enum Phase: Equatable, Sendable {
        case greeting, ehlo, helo, mailFrom, rcptTo, data, message, quit, finished
    }

    public enum Outcome: Equatable, Sendable {
        /// The server took the message (the reply to the end of DATA).
        case accepted(SMTPReply)
        /// The server refused at some step; its reply says whether to try again (4yz) or not (5yz).
        case refused(SMTPReply, during: Phase)
        /// The peer is not speaking SMTP as we expect.
        case protocolError(String)
    }

    public enum Step: Equatable, Sendable {
        case write([UInt8])
        case done(Outcome)
    }

    public let envelope: SMTPEnvelope
    public private(set) var phase = Phase.greeting
    private var parser = SMTPReplyParser()

    public init(envelope: SMTPEnvelope) { self.envelope = envelope }

    /// Feed bytes from the server; returns what to write and, once decided, the outcome.
    /// After `.done`, the session writes QUIT itself (included in the steps) and ignores the rest.
    public mutating func receive(_ bytes: [UInt8]) -> [Step] {
        guard phase != .finished, phase != .quit else { return [] }
        switch parser.receive(bytes) {
        case .failure(let e):
            phase = .finished
            return [.done(.protocolError(e.message))]
        case .success(let replies):
            var steps: [Step] = []
            for reply in replies {
                steps += advance(reply)
                if phase == .quit || phase == .finished { break }
            }
            return steps
        }
    }

    private mutating func advance(_ reply: SMTPReply) -> [Step] {
        func expect(_ ok: ClosedRange<Int>, then next: Phase, write line: String) -> [Step] {
            guard ok.contains(reply.code) else { return refuse(reply) }
            phase = next
            return [.write(Array((line + "\r\n").utf8))]
        }
        switch phase {
        case .greeting:
            return expect(220...220, then: .ehlo, write: "EHLO \(envelope.heloName)")
        case .ehlo:
            // A server that does not know EHLO (500/502) gets the older HELO (RFC 5321 §3.2).
            if reply.code == 500 || reply.code == 502 {
                phase = .helo
                return [.write(Array("HELO \(envelope.heloName)\r\n".utf8))]
            }
            return expect(250...250, then: .mailFrom, write: "MAIL FROM:<\(envelope.mailFrom)>")
        case .helo:
            return expect(250...250, then: .mailFrom, write: "MAIL FROM:<\(envelope.mailFrom)>")
        case .mailFrom:
            return expect(250...250, then: .rcptTo, write: "RCPT TO:<\(envelope.rcptTo)>")
        case .rcptTo:
            return expect(250...251, then: .data, write: "DATA")
        case .data:
            guard reply.code == 354 else { return refuse(reply) }
            phase = .message
            return [.write(SMTPData.encode(envelope.message))]
        case .message:
            guard reply.code == 250 else { return refuse(reply) }
            phase = .quit
            return [.done(.accepted(reply)), .write(Array("QUIT\r\n".utf8))]
        case .quit, .finished:
            return []
        }
    }

    private mutating func refuse(_ reply: SMTPReply) -> [Step] {
        let during = phase
        phase = .quit
        let outcome: Outcome = reply.code >= 400
            ? .refused(reply, during: during)
            : .protocolError("unexpected reply \(reply) during \(during)")
        return [.done(outcome), .write(Array("QUIT\r\n".utf8))]
    }
}
