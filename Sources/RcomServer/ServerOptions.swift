import RcomCLI
import RcomCore

/// Flags every server shares: its bounds (`HTTPServerLimits`) and role listeners (`HOST:PORT`).
public enum ServerOptions {
    /// `--header-timeout`, `--idle-timeout`, `--max-connections`, defaulting to `HTTPServerLimits.standard`.
    public static let limitOptions = [
        OptionSpec("header-timeout", value: "DURATION", help: "A request (head and body) not complete this long after its first byte gets 408 and is closed", default: "10s"),
        OptionSpec("idle-timeout", value: "DURATION", help: "Close keep-alive connections idle this long", default: "60s"),
        OptionSpec("max-connections", value: "N", help: "Client connections at most; at the bound the oldest idle or half-sent one is closed, else the newcomer gets 503", default: "10000"),
    ]

    public static func limits(_ args: ParsedArguments, http: HTTPLimits = HTTPServerLimits.standard.http) throws(UsageError) -> HTTPServerLimits {
        let standard = HTTPServerLimits.standard
        return HTTPServerLimits(
            http: http,
            timeouts: HTTPServerTimeouts(request_ms: max(1, try args.duration_ms("header-timeout") ?? standard.timeouts.request_ms),
                                         idle_ms: max(1, try args.duration_ms("idle-timeout") ?? standard.timeouts.idle_ms)),
            connectionsMax: try args.int("max-connections", range: 1...1_000_000) ?? standard.connectionsMax)
    }

    /// `HOST:PORT` (`[v6]:PORT` for IPv6); nil when the flag is absent.
    public static func address(_ args: ParsedArguments, _ flag: String) throws(UsageError) -> (host: String, port: Int)? {
        guard let text = args.string(flag) else { return nil }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port),
              colon != text.startIndex else {
            throw UsageError("--\(flag) must be HOST:PORT, e.g. 127.0.0.1:8081, got \(TerminalText.quoted(text))")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }
}
