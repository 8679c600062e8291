/// Where an SMTP relay listens.
public struct SMTPEndpoint: Equatable, Sendable, CustomStringConvertible {
    public let host: String
    public let port: Int
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `smtp://host:port` (port 25 when omitted); nil for anything else.
    public init?(url: String) {
        guard url.lowercased().hasPrefix("smtp://") else { return nil }
        let rest = url.dropFirst(7).split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)[0]
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        guard !parts.isEmpty, !parts[0].isEmpty, parts.count <= 2 else { return nil }
        var port = 25
        if parts.count == 2 {
            guard let p = Int(parts[1]), (1...65535).contains(p) else { return nil }
            port = p
        }
        self.init(host: String(parts[0]), port: port)
    }

    public var description: String { "smtp://\(host):\(port)" }
}

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
