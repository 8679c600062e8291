import RcomCore
import Foundation
import RcomStore
import RcomCLI

/// Email over SMTP to a relay (`RCOM_SMTP_URL=smtp://host:port`). The message is plain text
/// with the headers a mail client expects; SMTP's dot-stuffing happens in `SMTPData`.
public struct EmailChannel: Channel {
    public static let name = "email"
    public static let targetForm = "an email address such as someone@example.com"
    public static let endpointKey = "RCOM_SMTP_URL"

    let relay: SMTPEndpoint
    let mailFrom: String
    let heloName: String
    let subject: String

    public init(settings: ChannelSettings) {
        // An invalid configuration was refused by `SendSetup` before any channel is made.
        relay = (try? SMTPEndpoint.configured(settings)?.get()) ?? settings.simulatorSMTP
        mailFrom = settings.value("RCOM_MAIL_FROM", default: "notifications@rcom.invalid")
        heloName = settings.value("RCOM_SMTP_HELO", default: "rcom.invalid")
        subject = settings.value("RCOM_MAIL_SUBJECT", default: "Notification")
    }

    public func normalise(target: String) -> Result<String, TargetError> {
        EmailAddress.normalise(target).mapError { TargetError("\(Self.name) target \(TerminalText.quoted(target)): \($0.message); expected \(Self.targetForm)") }
    }

    public func request(for n: Notification) -> ProviderRequest {
        .smtp(relay, SMTPEnvelope(heloName: heloName, mailFrom: mailFrom, rcptTo: n.target, message: message(for: n)))
    }

    /// Headers (RFC 5322) and body, CRLF line endings. Non-ASCII subject text is sent as UTF-8
    /// under 8BITMIME, which every relay we target announces.
    func message(for n: Notification) -> [UInt8] {
        let headers = [
            "From: \(mailFrom)",
            "To: \(n.target)",
            "Subject: \(subject)",
            "Date: \(Self.rfc5322Date(ms: n.createdAt_ms))",
            "Message-ID: <\(n.id)@\(heloName)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
        ]
        let body = n.text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        return Array((headers.joined(separator: "\r\n") + "\r\n\r\n" + body + "\r\n").utf8)
    }

    public func result(of answer: ProviderAnswer) -> DeliveryResult {
        guard case .smtp(let reply, _) = answer else { return .permanent("not an SMTP answer") }
        switch reply.code {
        case 200...299: return .delivered(providerID: Self.queueID(reply))
        case 400...499: return .transient(reply.description, retryAfter_ms: nil)
        default: return .permanent(reply.description)
        }
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
/// local parts): the domain is lower-cased; the local part is kept as written.
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
        guard local.utf8.allSatisfy({ atext.contains($0) || $0 == UInt8(ascii: ".") }),
              !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..") else {
            return .failure(TargetError("invalid character or dot before '@'"))
        }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        let labelOK: (Substring) -> Bool = { l in
            !l.isEmpty && l.utf8.count <= 63 && !l.hasPrefix("-") && !l.hasSuffix("-")
                && l.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == UInt8(ascii: "-") }
        }
        guard labels.count >= 2, labels.allSatisfy(labelOK) else { return .failure(TargetError("invalid domain \(TerminalText.quoted(domain))")) }
        return .success("\(local)@\(domain)")
    }

    /// The key the suppression list stores addresses under: the store's own rule, the one
    /// `rcom blacklist` writes with (trimmed, ASCII-folded whole address), so "John@Example.com"
    /// matches a bounce of "john@example.com" and the two commands cannot drift apart.
    public static func suppressionKey(_ normalised: String) -> String { AddressNormalizer.suppressionKey(normalised) }
}
