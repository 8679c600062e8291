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
