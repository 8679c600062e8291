import RcomCLI

/// One SMTP reply: a three-digit code and its text lines (`250-first`, `250 last`).
public struct SMTPReply: Equatable, Sendable, CustomStringConvertible {
    public let code: Int
    public let lines: [String]

    public init(code: Int, lines: [String]) {
        self.code = code
        self.lines = lines
    }

    public var text: String { lines.joined(separator: " / ") }
    public var description: String { lines.isEmpty ? "\(code)" : "\(code) \(text)" }
    public var isPositive: Bool { (200...399).contains(code) }
    /// 4yz: the server wants us to try again later.
    public var isTransient: Bool { (400...499).contains(code) }
}

/// A peer that does not speak SMTP as RFC 5321 §4.2 writes it.
public struct SMTPProtocolError: Error, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
}

/// Cuts a byte stream into replies. Bounded: a line over `lineBytesMax` (RFC 5321 allows 512)
/// or a reply over `linesMax` lines is a protocol error, not a growing buffer.
public struct SMTPReplyParser: Sendable {
    public static let lineBytesMax = 2048
    public static let linesMax = 100
    private var buffer: [UInt8] = []
    private var pending: [String] = []
    private var pendingCode = 0

    public init() {}

    /// Part of a reply received and not finished yet (a partial line, or the first lines of a
    /// multi-line reply).
    public var hasBufferedBytes: Bool { !buffer.isEmpty || !pending.isEmpty }

    public mutating func receive(_ bytes: [UInt8]) -> Result<[SMTPReply], SMTPProtocolError> {
        buffer.append(contentsOf: bytes)
        var replies: [SMTPReply] = []
        var start = 0
        while let nl = buffer[start...].firstIndex(of: 10) {
            var end = nl
            if end > start, buffer[end - 1] == 13 { end -= 1 }
            let line = Array(buffer[start..<end])
            start = nl + 1
            guard line.count >= 3, let code = Int(String(decoding: line.prefix(3), as: UTF8.self)),
                  (200...599).contains(code) else {
                return .failure(SMTPProtocolError("malformed reply line \(TerminalText.quoted(String(decoding: line.prefix(60), as: UTF8.self)))"))
            }
            let more = line.count > 3 && line[3] == UInt8(ascii: "-")
            let text = line.count > 4 ? String(decoding: line[4...], as: UTF8.self) : ""
            if !pending.isEmpty && code != pendingCode {
                return .failure(SMTPProtocolError("reply code changed within a multi-line reply"))
            }
            pending.append(text)
            pendingCode = code
            guard pending.count <= Self.linesMax else { return .failure(SMTPProtocolError("reply longer than \(Self.linesMax) lines")) }
            if !more {
                replies.append(SMTPReply(code: code, lines: pending))
                pending.removeAll()
            }
        }
        buffer.removeSubrange(0..<start)
        if buffer.count > Self.lineBytesMax { return .failure(SMTPProtocolError("reply line longer than \(Self.lineBytesMax) bytes")) }
        return .success(replies)
    }
}
