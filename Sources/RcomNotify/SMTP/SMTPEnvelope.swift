/// One message for an SMTP relay: envelope sender and recipient, and the message itself
/// (headers, blank line, body) with CRLF line endings, not yet dot-stuffed.
public struct SMTPEnvelope: Equatable, Sendable {
    public let heloName: String
    public let mailFrom: String
    public let rcptTo: String
    public let message: [UInt8]

    public init(heloName: String, mailFrom: String, rcptTo: String, message: [UInt8]) {
        self.heloName = heloName
        self.mailFrom = mailFrom
        self.rcptTo = rcptTo
        self.message = message
    }
}

extension SMTPEnvelope {
    /// An address with a non-ASCII byte can only travel under SMTPUTF8 (RFC 6531).
    public var needsSMTPUTF8: Bool { !mailFrom.utf8.allSatisfy { $0 < 0x80 } || !rcptTo.utf8.allSatisfy { $0 < 0x80 } }

    /// A message with a byte over 127 needs `BODY=8BITMIME` (RFC 6152).
    public var isEightBit: Bool { !message.allSatisfy { $0 < 0x80 } }

    /// The longest line in octets, without its line ending (RFC 5322 §2.1.1 allows 998).
    public var longestLine: Int {
        var longest = 0, current = 0
        for b in message {
            if b == 10 || b == 13 { longest = max(longest, current); current = 0 } else { current += 1 }
        }
        return max(longest, current)
    }
}

extension SMTPEnvelope {
    /// The address that needs SMTPUTF8 (the recipient's first), for messages.
    var needsSMTPUTF8Address: String { rcptTo.utf8.allSatisfy { $0 < 0x80 } ? mailFrom : rcptTo }
}
