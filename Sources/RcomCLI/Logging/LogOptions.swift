/// The logging flags every server takes, and the logger they describe.
public enum LogOptions {
    public static let options: [OptionSpec] = [
        OptionSpec("log-format", value: "text|json", help: "Log lines on stderr as text, or one JSON object per line", default: "text"),
        OptionSpec("log-level", value: "LEVEL", help: "error, warn, info or debug: drop log records less severe than this", default: "info"),
        OptionSpec("access-log", help: "Also log one line per request: method, path, status, duration, bytes"),
    ]

    public static func logger(_ args: ParsedArguments) throws(UsageError) -> Logger {
        let format = LogFormat(rawValue: try args.choice("log-format", among: LogFormat.allCases.map(\.rawValue)) ?? "text") ?? .text
        let level = LogLevel(name: try args.choice("log-level", among: LogLevel.allCases.map(\.name)) ?? "info") ?? .info
        return Logger(format: format, level: level, accessLog: args.flag("access-log"))
    }
}
