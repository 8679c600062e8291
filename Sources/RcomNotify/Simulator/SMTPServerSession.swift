import Foundation

/// The relay side of SMTP for the simulator: commands line by line, DATA with dot-unstuffing,
/// and a pause after each message until the owner gives its verdict (so faults can be injected
/// there, including never answering). Bounded: lines over `lineBytesMax` and messages over
/// `messageBytesMax` are refused, not buffered.
struct SMTPServerSession {
    static let lineBytesMax = 1_000
    let messageBytesMax: Int

    enum Output: Equatable {
        case write([UInt8])
        /// A complete message: answer with `verdict(_:)`.
        case message(from: String, to: [String], data: [UInt8])
        case close
    }

    private enum Phase { case commands, data, awaitingVerdict, closed }

    private var phase = Phase.commands
    private var buffer: [UInt8] = []
    private var from: String?
    private var recipients: [String] = []
    private var data: [UInt8] = []
    private var oversize = false
    /// Every command line the client sent, for the simulator's record (bounded by `transcriptMax`).
    private(set) var transcript: [String] = []
    static let transcriptMax = 32

    init(messageBytesMax: Int = 1 << 20) { self.messageBytesMax = messageBytesMax }

    static let greeting = Array("220 rcom-providers ESMTP simulator\r\n".utf8)

    mutating func receive(_ bytes: [UInt8]) -> [Output] {
        buffer.append(contentsOf: bytes)
        return process()
    }

    /// The owner's answer to the message last reported; input that arrived meanwhile is processed.
    mutating func verdict(_ reply: String, close: Bool = false) -> [Output] {
        guard phase == .awaitingVerdict else { return [] }
        phase = close ? .closed : .commands
        from = nil
        recipients = []
        var out: [Output] = [.write(Array((reply + "\r\n").utf8))]
        if close { return out + [.close] }
        out += process()
        return out
    }

    private mutating func process() -> [Output] {
        var out: [Output] = []
        var start = 0
        defer { buffer.removeSubrange(0..<start) }
        while phase == .commands || phase == .data, let nl = buffer[start...].firstIndex(of: 10) {
            var end = nl
            if end > start && buffer[end - 1] == 13 { end -= 1 }
            let line = buffer[start..<end]
            start = nl + 1
            if phase == .data {
                out += dataLine(line)
            } else {
                out += command(String(decoding: line, as: UTF8.self))
            }
        }
        if buffer.count - start > Self.lineBytesMax {
            start = buffer.count
            phase = .closed
            out += [.write(Array("500 5.5.2 Line too long\r\n".utf8)), .close]
        }
        return out
    }

    private mutating func dataLine(_ line: ArraySlice<UInt8>) -> [Output] {
        guard let text = SMTPData.unstuff(line) else {
            if oversize {
                oversize = false
                data = []
                phase = .commands
                return [.write(Array("552 5.3.4 Message too big\r\n".utf8))]
            }
            phase = .awaitingVerdict
            defer { data = [] }
            return [.message(from: from ?? "", to: recipients, data: data)]
        }
        if data.count + text.count + 2 > messageBytesMax { oversize = true }
        if !oversize {
            data.append(contentsOf: text)
            data.append(contentsOf: [13, 10])
        }
        return []
    }

    private mutating func command(_ line: String) -> [Output] {
        if transcript.count < Self.transcriptMax { transcript.append(line) }
        let verb = line.prefix { $0 != " " && $0 != ":" }.uppercased()
        func reply(_ s: String) -> [Output] { [.write(Array((s + "\r\n").utf8))] }
        switch verb {
        case "EHLO":
            return reply("250-rcom-providers greets you\r\n250-8BITMIME\r\n250-SIZE \(messageBytesMax)\r\n250 ENHANCEDSTATUSCODES")
        case "HELO":
            return reply("250 rcom-providers")
        case "MAIL":
            guard let address = Self.path(line, after: "MAIL FROM:") else { return reply("501 5.5.4 Syntax: MAIL FROM:<address>") }
            from = address
            recipients = []
            return reply("250 2.1.0 Ok")
        case "RCPT":
            guard from != nil else { return reply("503 5.5.1 Need MAIL first") }
            guard let address = Self.path(line, after: "RCPT TO:"), address.contains("@") else {
                return reply("501 5.1.3 Bad recipient address syntax")
            }
            guard recipients.count < 100 else { return reply("452 4.5.3 Too many recipients") }
            recipients.append(address)
            return reply("250 2.1.5 Ok")
        case "DATA":
            guard !recipients.isEmpty else { return reply("503 5.5.1 Need RCPT first") }
            phase = .data
            return reply("354 End data with <CR><LF>.<CR><LF>")
        case "RSET":
            from = nil
            recipients = []
            return reply("250 2.0.0 Ok")
        case "NOOP":
            return reply("250 2.0.0 Ok")
        case "QUIT":
            phase = .closed
            return reply("221 2.0.0 Bye") + [.close]
        default:
            return reply("502 5.5.2 Command not recognized")
        }
    }

    /// `MAIL FROM:<a@b>` → "a@b" (case-insensitive verb, optional space after the colon).
    static func path(_ line: String, after prefix: String) -> String? {
        guard line.uppercased().hasPrefix(prefix) else { return nil }
        let rest = line.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
        guard rest.hasPrefix("<"), let close = rest.firstIndex(of: ">") else { return nil }
        return String(rest[rest.index(after: rest.startIndex)..<close])
    }
}
