import Foundation
import RcomCore

/// Requests as text for `--dry-run`, `-v` and the simulator's echo, with secrets masked.
public enum RequestRendering {
    static let secretHeaders = ["authorization", "x-api-key", "cookie"]

    /// Where a request goes when no endpoint is configured: the simulator's port is only chosen
    /// when it starts, so `--dry-run` names it rather than show a placeholder address.
    public static let simulatorLabel = "(in-process simulator)"

    /// `simulated`: the request is for the in-process providers simulator.
    public static func render(_ request: ProviderRequest, simulated: Bool = false) -> String {
        switch request {
        case .http(let url, var r):
            guard simulated else { return http(r, url: url.description) }
            r.headers = HTTPHeaders(r.headers.map { ($0.name, $0.name.lowercased() == "host" ? simulatorLabel : $0.value) })
            return http(r, url: nil) + "\n(to the in-process providers simulator)"
        case .smtp(let endpoint, let e):
            // The endpoint's text masks the password; AUTH is named, its token never shown.
            var commands = ["EHLO \(e.heloName)"]
            switch endpoint.security {
            case .implicitTLS: commands.insert("(TLS from the first byte)", at: 0)
            case .startTLSRequired: commands += ["STARTTLS", "EHLO \(e.heloName)"]
            case .startTLSIfOffered: commands += ["STARTTLS (if offered)", "EHLO \(e.heloName)"]
            }
            if let c = endpoint.credentials { commands.append("AUTH PLAIN or LOGIN as \(c.user) (password not shown)") }
            commands += ["MAIL FROM:<\(e.mailFrom)>", "RCPT TO:<\(e.rcptTo)>", "DATA"]
            return smtp(endpoint: simulated ? simulatorLabel : endpoint.description, commands: commands, message: e.message)
        }
    }

    public static func render(_ c: CapturedRequest) -> String {
        if let r = c.http { return http(r, url: nil) + "\n--> \(c.answer)" }
        return smtp(endpoint: nil, commands: c.smtpCommands, message: c.smtpMessage) + "\n--> \(c.answer)"
    }

    static func http(_ r: HTTPRequest, url: String?) -> String {
        var lines = ["\(r.method) \(url ?? r.target) \(r.version.rawValue)"]
        for (name, value) in r.headers {
            lines.append("\(name): \(secretHeaders.contains(name.lowercased()) ? mask(value) : value)")
        }
        lines.append("")
        lines.append(String(decoding: r.body, as: UTF8.self))
        return lines.joined(separator: "\n")
    }

    static func smtp(endpoint: String?, commands: [String], message: [UInt8]) -> String {
        var lines = endpoint.map { ["SMTP \($0)"] } ?? []
        lines += commands
        lines.append(String(decoding: message, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n"))
        lines.append(".")
        return lines.joined(separator: "\n")
    }

    /// "Basic QUN…" → "Basic ****": the scheme stays readable, the credential does not.
    static func mask(_ value: String) -> String {
        let parts = value.split(separator: " ", maxSplits: 1)
        return parts.count == 2 ? "\(parts[0]) ****" : "****"
    }
}
