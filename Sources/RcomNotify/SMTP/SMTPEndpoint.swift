import Foundation

/// How the connection to the relay is protected.
public enum SMTPSecurity: String, Equatable, Sendable {
    /// `smtp://`: upgrade with STARTTLS when the relay offers it (certificate verified, no
    /// fallback to plaintext if verification fails); plaintext only when it does not offer it
    /// and there is no password to send.
    case startTLSIfOffered = "smtp"
    /// `smtp+starttls://`: STARTTLS or nothing (RFC 3207).
    case startTLSRequired = "smtp+starttls"
    /// `smtps://`: TLS from the first byte (RFC 8314, port 465).
    case implicitTLS = "smtps"

    var defaultPort: Int {
        switch self {
        case .startTLSIfOffered: return 25
        case .startTLSRequired: return 587
        case .implicitTLS: return 465
        }
    }
}

/// A user name and password for SMTP AUTH. The password is never part of any text made from
/// this value (description, reflection), so it cannot reach a message or a log by accident.
public struct SMTPCredentials: Equatable, Sendable, CustomStringConvertible, CustomReflectable {
    public let user: String
    public let password: String

    public init(user: String, password: String) {
        self.user = user
        self.password = password
    }

    public var description: String { "\(user):****" }
    public var customMirror: Mirror { Mirror(self, children: ["user": user, "password": "****"]) }
}

/// Where an SMTP relay listens and how to talk to it. Its text form masks the password.
public struct SMTPEndpoint: Equatable, Sendable, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let security: SMTPSecurity
    public let credentials: SMTPCredentials?
    /// A CA certificate file trusted besides the system's (`RCOM_CA_FILE`).
    public let caFile: String?

    public init(host: String, port: Int, security: SMTPSecurity = .startTLSIfOffered,
                credentials: SMTPCredentials? = nil, caFile: String? = nil) {
        self.host = host
        self.port = port
        self.security = security
        self.credentials = credentials
        self.caFile = caFile
    }

    /// `smtp://`, `smtp+starttls://` or `smtps://`, optional `user:password@` (percent-encoded,
    /// RFC 3986), host (a name, an IPv4 address or a bracketed IPv6 one), optional port (25,
    /// 587, 465 by scheme). Errors never quote the URL: it may hold a password.
    public static func parse(_ url: String) -> Result<SMTPEndpoint, SMTPURLError> {
        guard let schemeEnd = url.range(of: "://") else {
            return .failure(SMTPURLError("not a URL; expected smtp://host:port, smtp+starttls://host:587 or smtps://host:465"))
        }
        guard let security = SMTPSecurity(rawValue: url[..<schemeEnd.lowerBound].lowercased()) else {
            return .failure(SMTPURLError("the scheme must be smtp://, smtp+starttls:// or smtps://"))
        }
        var rest = url[schemeEnd.upperBound...]
        if let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) {
            guard rest[slash...].allSatisfy({ $0 == "/" }) else {
                return .failure(SMTPURLError("a path, query or fragment means nothing here; expected \(security.rawValue)://host:port"))
            }
            rest = rest[..<slash]
        }
        var credentials: SMTPCredentials?
        if let at = rest.lastIndex(of: "@") {
            let info = rest[..<at]
            rest = rest[rest.index(after: at)...]
            guard let colon = info.firstIndex(of: ":") else {
                return .failure(SMTPURLError("the user in the URL has no password (user:password@host); or give RCOM_SMTP_USER and RCOM_SMTP_PASSWORD"))
            }
            guard let user = info[..<colon].removingPercentEncoding, let password = info[info.index(after: colon)...].removingPercentEncoding else {
                return .failure(SMTPURLError("the user or password has an invalid %-escape"))
            }
            guard !user.isEmpty else { return .failure(SMTPURLError("the user before ':' is empty")) }
            credentials = SMTPCredentials(user: user, password: password)
        }
        var host: Substring, portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return .failure(SMTPURLError("an IPv6 address needs its closing ']'")) }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return .failure(SMTPURLError("expected ':port' after the IPv6 address")) }
                portText = after.dropFirst()
            }
        } else {
            let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { return .failure(SMTPURLError("more than one ':' after the host")) }
            host = parts[0]
            portText = parts.count == 2 ? parts[1] : nil
        }
        guard !host.isEmpty, host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-.:".contains($0)) }) else {
            return .failure(SMTPURLError("the host must be a name or an IP address"))
        }
        var port = security.defaultPort
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else { return .failure(SMTPURLError("the port must be 1 to 65535")) }
            port = p
        }
        return .success(SMTPEndpoint(host: String(host), port: port, security: security, credentials: credentials))
    }

    /// The password part of `scheme://user:password@host` as written (still percent-encoded),
    /// found the way `parse` finds it; nil when there is none.
    static func passwordAsWritten(in url: String) -> String? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        var rest = url[schemeEnd.upperBound...]
        if let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<slash] }
        guard let at = rest.lastIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") else { return nil }
        let password = rest[rest.index(after: colon)..<at]
        return password.isEmpty ? nil : String(password)
    }

    /// The relay from `RCOM_SMTP_URL`, with `RCOM_SMTP_USER` / `RCOM_SMTP_PASSWORD` when the URL
    /// carries no user, and `RCOM_CA_FILE`. Nil when no URL is set (the simulator is used).
    public static func configured(_ settings: ChannelSettings) -> Result<SMTPEndpoint, SMTPURLError>? {
        guard let url = settings.value(EmailChannel.endpointKey) else { return nil }
        return parse(url).flatMap { e in
            var credentials = e.credentials
            let user = settings.value("RCOM_SMTP_USER"), password = settings.value("RCOM_SMTP_PASSWORD")
            if credentials == nil, user != nil || password != nil {
                guard let user, let password else {
                    return .failure(SMTPURLError(user == nil ? "RCOM_SMTP_PASSWORD is set but RCOM_SMTP_USER is not"
                                                             : "RCOM_SMTP_USER is set but RCOM_SMTP_PASSWORD is not"))
                }
                credentials = SMTPCredentials(user: user, password: password)
            }
            return .success(SMTPEndpoint(host: e.host, port: e.port, security: e.security, credentials: credentials,
                                         caFile: settings.value("RCOM_CA_FILE")))
        }
    }

    public var description: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "\(security.rawValue)://\(credentials.map { "\($0.user):****@" } ?? "")\(h):\(port)"
    }
}

/// Why an SMTP URL was refused; never contains the URL itself.
public struct SMTPURLError: Error, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
}
