/// Declarative description of one subcommand: what `--help` prints and what the parser accepts.
public struct OptionSpec: Sendable {
    /// Long name without the leading dashes, e.g. "port".
    public let name: String
    /// Single-letter alias, e.g. "k" for `-k`.
    public let short: Character?
    /// Placeholder shown in help ("N", "PATH"); nil means the option is a boolean flag.
    public let valueName: String?
    public let help: String
    /// Shown in help and returned by `ParsedArguments.string` when the option is absent.
    public let defaultValue: String?
    /// Environment variable that supplies the value when the flag is absent (e.g. RCOM_DB).
    public let environment: String?

    public init(_ name: String, short: Character? = nil, value: String? = nil, help: String,
                default defaultValue: String? = nil, env environment: String? = nil) {
        self.name = name
        self.short = short
        self.valueName = value
        self.help = help
        self.defaultValue = defaultValue
        self.environment = environment
    }

    public var isFlag: Bool { valueName == nil }

    /// The same option read from `variable` when the flag is absent.
    func reading(_ variable: String) -> OptionSpec {
        OptionSpec(name, short: short, value: valueName, help: help, default: defaultValue, env: variable)
    }
}

public struct CommandSpec: Sendable {
    /// Full command path, e.g. "max" or "jobserver verify".
    public let name: String
    public let summary: String
    /// Usage line(s) after "rcom ", e.g. "max [-k K] [NUMBERS | --file PATH | -]".
    public let usage: String
    public let options: [OptionSpec]
    /// How many positional arguments are accepted.
    public let positionalsMax: Int
    /// Free text appended to `--help` (examples, exit codes, notes).
    public let discussion: String

    public init(name: String, summary: String, usage: String, options: [OptionSpec] = [],
                positionalsMax: Int = 0, discussion: String = "") {
        self.name = name
        self.summary = summary
        self.usage = usage
        // Every option can come from the environment, so that an env file configures a service:
        // an option without an explicit variable reads RCOM_<COMMAND>_<OPTION>.
        self.options = options.map { $0.environment == nil ? $0.reading(Self.environmentVariable(command: name, option: $0.name)) : $0 }
        self.positionalsMax = positionalsMax
        self.discussion = discussion
    }

    /// `RCOM_` + the command path and the option's long name, upper-cased, anything but letters
    /// and digits as `_`: `proxy --max-connections` → `RCOM_PROXY_MAX_CONNECTIONS`.
    public static func environmentVariable(command: String, option: String) -> String {
        "RCOM_" + String(String.UnicodeScalarView((command + "_" + option).uppercased().unicodeScalars.map {
            ("A"..."Z").contains($0) || ("0"..."9").contains($0) ? $0 : "_"
        }))
    }

    func option(named name: String) -> OptionSpec? { options.first { $0.name == name } }
    func option(short: Character) -> OptionSpec? { options.first { $0.short == short } }

    public var helpText: String {
        var out = "rcom \(name): \(summary)\n\nUsage: rcom \(usage)\n"
        if !options.isEmpty {
            out += "\nOptions:\n"
            let rows: [(String, String)] = options.map { opt in
                var left = opt.short.map { "-\($0), " } ?? "    "
                left += "--\(opt.name)"
                if let v = opt.valueName { left += " \(v)" }
                var right = opt.help
                if let d = opt.defaultValue { right += " (default: \(d))" }
                if let e = opt.environment { right += " [env: \(e)]" }
                return (left, right)
            }
            let width = min(34, rows.map { $0.0.count }.max() ?? 0)
            for (left, right) in rows {
                // The widest row gets no padding: the two spaces below separate the columns.
                let pad = String(repeating: " ", count: max(0, width - left.count))
                out += "  \(left)\(pad)  \(right)\n"
            }
            out += "  -h, --help\(String(repeating: " ", count: max(1, width - 10)))  Show this help\n"
        }
        if !discussion.isEmpty { out += "\n\(discussion)\n" }
        return out
    }
}
