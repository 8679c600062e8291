import Foundation

/// A mailbox as `RCOM_MAIL_FROM` gives it: `noreply@acme.test`, or with a display name,
/// `Acme Alerts <noreply@acme.test>` (the name may be quoted: `"Acme, Inc." <...>`). The
/// envelope takes the address (`MAIL FROM:<noreply@acme.test>`), the `From:` header both.
public struct Mailbox: Equatable, Sendable {
    public let displayName: String?
    public let address: String

    public init(displayName: String?, address: String) {
        self.displayName = displayName
        self.address = address
    }

    public static func parse(_ raw: String) -> Result<Mailbox, TargetError> {
        let s = raw.trimmingCharacters(in: .whitespaces)
        guard let open = s.lastIndex(of: "<") else {
            return EmailAddress.normalise(s).map { Mailbox(displayName: nil, address: $0) }
        }
        guard s.hasSuffix(">") else { return .failure(TargetError("a '<' without the closing '>' at the end")) }
        var name = s[..<open].trimmingCharacters(in: .whitespaces)
        if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") {
            name = String(name.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(of: "\\\\", with: "\\")
        }
        let inner = String(s[s.index(after: open)..<s.index(before: s.endIndex)])
        return EmailAddress.normalise(inner).map { Mailbox(displayName: name.isEmpty ? nil : name, address: $0) }
    }

    /// The `From:` header's value.
    public var headerValue: String {
        guard let displayName else { return address }
        return "\(MIMEEncoding.phrase(displayName)) <\(address)>"
    }
}
