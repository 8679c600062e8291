import RcomCore
import Foundation
import RcomStore
import RcomCLI

/// Email over SMTP to a relay (`RCOM_SMTP_URL`, see `SMTPEndpoint`). The message is plain
/// text with the headers a mail client expects, 7-bit on the wire: the subject and a display
/// name as RFC 2047 encoded-words when they need it, the body quoted-printable when it is not
/// plain ASCII in lines of at most 998 octets. SMTP's dot-stuffing happens in `SMTPData`.
public struct EmailChannel: Channel {
    public static let name = "email"
    public static let targetForm = "an email address such as someone@example.com"
    public static let endpointKey = "RCOM_SMTP_URL"
    public static let defaultSender = "notifications@rcom.invalid"

    let relay: SMTPEndpoint
    let sender: Mailbox
    let heloName: String
    let subject: String

    public init(settings: ChannelSettings) {
        // An invalid configuration was refused by `SendSetup` before any channel is made.
        relay = (try? SMTPEndpoint.configured(settings)?.get()) ?? settings.simulatorSMTP
        sender = (try? Mailbox.parse(settings.value("RCOM_MAIL_FROM", default: Self.defaultSender)).get())
            ?? Mailbox(displayName: nil, address: Self.defaultSender)
        heloName = settings.value("RCOM_SMTP_HELO", default: "rcom.invalid")
        subject = settings.value("RCOM_MAIL_SUBJECT", default: "Notification")
    }

    public func normalise(target: String) -> Result<String, TargetError> {
        EmailAddress.normalise(target).mapError { TargetError("\(Self.name) target \(TerminalText.quoted(target)): \($0.message); expected \(Self.targetForm)") }
    }

    public func request(for n: Notification) -> ProviderRequest {
        .smtp(relay, SMTPEnvelope(heloName: heloName, mailFrom: sender.address, rcptTo: n.target, message: message(for: n)))
    }

    /// Headers (RFC 5322) and body, CRLF line endings, every line within 998 octets.
    func message(for n: Notification) -> [UInt8] {
        let text = n.text
        let sevenBit = MIMEEncoding.isSevenBitSafe(text)
        // The id's right side is a domain of ours: the sender's, unless it is an internationalised one.
        let senderDomain = sender.address.split(separator: "@").last.map(String.init) ?? heloName
        let idDomain = senderDomain.utf8.allSatisfy { $0 < 128 } ? senderDomain : heloName
        let headers = [
            "From: \(sender.headerValue)",
            "To: \(n.target)",
            MIMEEncoding.header("Subject", subject),
            "Date: \(Self.rfc5322Date(ms: n.createdAt_ms))",
            "Message-ID: <\(n.id)@\(idDomain)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: \(sevenBit ? "7bit" : "quoted-printable")",
        ]
        let body = sevenBit ? MIMEEncoding.lines(text).map { String(decoding: $0, as: UTF8.self) + "\r\n" }.joined()
                            : MIMEEncoding.quotedPrintable(text)
        return Array((headers.joined(separator: "\r\n") + "\r\n\r\n" + body).utf8)
    }

    public var defersTransientFailures: Bool { true }

    /// The SMTP password, as configured and as spelled in the URL (percent-encoded): scrubbed
    /// from everything `rcom send` prints, besides never being put in a message in the first place.
    public static func secrets(_ settings: ChannelSettings) -> [String] {
        var out: [String] = []
        if let password = settings.value("RCOM_SMTP_PASSWORD") { out.append(password) }
        if let url = settings.value(endpointKey), let spelled = SMTPEndpoint.passwordAsWritten(in: url) {
            out.append(spelled)
            if let decoded = spelled.removingPercentEncoding { out.append(decoded) }
        }
        return out
    }

    public func result(of answer: ProviderAnswer) -> DeliveryResult {
        guard case .smtp(let reply, let phase) = answer else { return .permanent("not an SMTP answer") }
        switch reply.code {
        case 200...299: return .delivered(providerID: Self.queueID(reply))
        case 400...499: return .transient(reply.description, retryAfter_ms: nil)
        case 530 where relay.credentials == nil:
            return .permanent("\(reply.description) (the relay wants AUTH: set RCOM_SMTP_USER and RCOM_SMTP_PASSWORD, or smtp+starttls://user:password@host:587)")
        case 500...599 where phase == .auth:
            return .permanent("\(reply.description) (authentication failed: check RCOM_SMTP_USER and RCOM_SMTP_PASSWORD)")
        default:
            return Self.refusesAddress(reply, during: phase) ? .undeliverable(reply.description) : .permanent(reply.description)
        }
    }

    /// Whether a 5yz says the recipient's mailbox cannot receive (so the address is suppressed):
    /// an enhanced status code (RFC 3463) of "bad destination" 5.1.1, 5.1.2, 5.1.3, 5.1.6 and
    /// 5.1.10 or "mailbox disabled" 5.2.1, given to RCPT TO or to the message. Not the others:
    /// 5.7.x (policy, relaying denied, ...) and 5.1.7/5.1.8 (our sender) are no fault of the
    /// address, and a bare 550 cannot tell "no such user" from "relaying denied".
    static func refusesAddress(_ reply: SMTPReply, during phase: SMTPClientSession.Phase) -> Bool {
        guard (500...599).contains(reply.code), phase == .rcptTo || phase == .message,
              let first = reply.lines.first?.split(separator: " ").first else { return false }
        return ["5.1.1", "5.1.2", "5.1.3", "5.1.6", "5.1.10", "5.2.1"].contains(String(first))
    }

    /// "2.0.0 Ok: queued as 4F2A1" → "4F2A1"; otherwise the whole reply text.
    static func queueID(_ reply: SMTPReply) -> String {
        let text = reply.text
        if let r = text.range(of: "queued as ", options: .caseInsensitive) {
            let id = text[r.upperBound...].prefix { !$0.isWhitespace }
            if !id.isEmpty { return String(id) }
        }
        return "\(reply.code) \(text)"
    }

    /// "Tue, 03 Mar 2026 14:05:09 +0000", computed (Howard Hinnant's civil-from-days) rather
    /// than with a DateFormatter, which is costly to make and not Sendable.
    static func rfc5322Date(ms: Int64) -> String {
        let secs = CivilCalendar.floorDiv(ms, 1000)
        let days = CivilCalendar.floorDiv(secs, 86_400)
        let t = secs - days * 86_400
        let date = CivilCalendar.date(fromDays: days)
        let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let two = { (v: Int64) in CivilCalendar.pad(v, 2) }
        return "\(weekdays[CivilCalendar.weekday(days: days)]), \(two(date.day)) \(months[Int(date.month) - 1]) \(date.year) \(two(t / 3600)):\(two(t % 3600 / 60)):\(two(t % 60)) +0000"
}
}

/// Email address syntax, checked as far as delivery needs (RFC 5321 §4.1.2, without quoted
/// local parts): the domain is lower-cased; the local part is kept as written. Non-ASCII
/// letters are accepted in both parts (RFC 6531: such an address travels only where the relay
/// offers SMTPUTF8; `SMTPClientSession` refuses it elsewhere).
public enum EmailAddress {
    public static func normalise(_ raw: String) -> Result<String, TargetError> {
        let s = raw.trimmingCharacters(in: .whitespaces)
        guard !s.isEmpty else { return .failure(TargetError("empty address")) }
        guard s.utf8.count <= 254 else { return .failure(TargetError("longer than 254 bytes")) }
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return .failure(TargetError(parts.count < 2 ? "no '@'" : "more than one '@'")) }
        let local = parts[0], domain = parts[1].lowercased()
        guard !local.isEmpty, local.utf8.count <= 64 else { return .failure(TargetError("the part before '@' must be 1 to 64 bytes")) }
        let atext = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~".utf8)
        guard local.utf8.allSatisfy({ atext.contains($0) || $0 == UInt8(ascii: ".") || $0 >= 0x80 }), Self.printable(local),
              !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..") else {
            return .failure(TargetError("invalid character or dot before '@'"))
        }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        let labelOK: (Substring) -> Bool = { l in
            !l.isEmpty && l.utf8.count <= 63 && !l.hasPrefix("-") && !l.hasSuffix("-")
                && l.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == UInt8(ascii: "-") || $0 >= 0x80 }
                && Self.printable(l)
        }
        guard labels.count >= 2, labels.allSatisfy(labelOK) else { return .failure(TargetError("invalid domain \(TerminalText.quoted(domain))")) }
        return .success("\(local)@\(domain)")
    }

    /// No non-ASCII space, control or format character (they look like nothing, or like a break).
    static func printable(_ s: Substring) -> Bool {
        s.unicodeScalars.allSatisfy { $0.isASCII || !($0.properties.isWhitespace || [.control, .format, .lineSeparator, .paragraphSeparator].contains($0.properties.generalCategory)) }
    }

    /// The key the suppression list stores addresses under: the store's own rule, the one
    /// `rcom blacklist` writes with (trimmed, ASCII-folded whole address), so "John@Example.com"
    /// matches a bounce of "john@example.com" and the two commands cannot drift apart.
    public static func suppressionKey(_ normalised: String) -> String { AddressNormalizer.suppressionKey(normalised) }
}
