/// What a relay's EHLO reply offers (RFC 5321 §4.1.1.1: the first line is its name, each
/// later line a keyword and its parameters). Keywords are case-insensitive.
public struct SMTPExtensions: Equatable, Sendable {
    public var startTLS = false
    /// SASL mechanisms after `AUTH` (also the obsolete `AUTH=` form), upper-cased.
    public var authMechanisms: [String] = []
    public var eightBitMIME = false
    public var smtpUTF8 = false
    /// `SIZE n`: the largest message the relay takes; nil when unsaid or 0 (no fixed limit).
    public var sizeMax: Int?

    public init() {}

    public init(ehloReply: SMTPReply) {
        for line in ehloReply.lines.dropFirst() {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "=" }).map { $0.uppercased() }
            guard let keyword = words.first else { continue }
            switch keyword {
            case "STARTTLS": startTLS = true
            case "AUTH": authMechanisms += words.dropFirst().filter { !authMechanisms.contains($0) }
            case "8BITMIME": eightBitMIME = true
            case "SMTPUTF8": smtpUTF8 = true
            case "SIZE": sizeMax = words.count > 1 ? Int(words[1]).flatMap { $0 > 0 ? $0 : nil } : nil
            default: break
            }
        }
    }
}
