/// A usage mistake by the person at the terminal: printed as one line on stderr, exit code 2.
public struct UsageError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public enum ParseOutcome: Equatable {
    case help(String)
    case parsed(ParsedArguments)
}

/// Parses `--flag value`, `--flag=value`, `-k value`, `-kVALUE`, boolean flags, `--` and `-`.
/// A token such as `-5,3` that names no short option and starts with a digit is a positional,
/// so negative numbers need no escaping.
public enum ArgumentParser {
    public static func parse(_ arguments: [String], spec: CommandSpec,
                             environment: [String: String] = [:]) throws(UsageError) -> ParseOutcome {
        var values: [String: String] = [:]
        var flags: Set<String> = []
        var positionals: [String] = []
        var index = 0
        var optionsEnded = false

        func take(_ opt: OptionSpec, inline: String?, display: String) throws(UsageError) {
            if opt.isFlag {
                if let inline {
                    guard let b = parseBool(inline) else {
                        throw UsageError("\(display) is a flag and takes no value (got \(TerminalText.quoted(inline)))")
                    }
                    if b { flags.insert(opt.name) } else { flags.remove(opt.name) }
                } else {
                    flags.insert(opt.name)
                }
                return
            }
            if let inline { values[opt.name] = inline; return }
            index += 1
            guard index < arguments.count else {
                throw UsageError("\(display) needs a value (\(opt.valueName ?? "VALUE"))")
            }
            values[opt.name] = arguments[index]
        }

        while index < arguments.count {
            let arg = arguments[index]
            if optionsEnded || arg == "-" || !arg.hasPrefix("-") {
                positionals.append(arg)
            } else if arg == "--" {
                optionsEnded = true
            } else if arg == "--help" || arg == "-h" {
                return .help(spec.helpText)
            } else if arg.hasPrefix("--") {
                let body = arg.dropFirst(2)
                let name: String
                let inline: String?
                if let eq = body.firstIndex(of: "=") {
                    name = String(body[..<eq])
                    inline = String(body[body.index(after: eq)...])
                } else {
                    name = String(body)
                    inline = nil
                }
                guard let opt = spec.option(named: name) else {
                    throw UsageError("unknown option --\(name) for 'rcom \(spec.name)' (see rcom \(spec.name) --help)")
                }
                try take(opt, inline: inline, display: "--\(name)")
            } else {
                let letters = Array(arg.dropFirst())
                guard let first = letters.first, let opt = spec.option(short: first) else {
                    if let first = letters.first, first.isNumber || first == "." {
                        positionals.append(arg)
                        index += 1
                        continue
                    }
                    throw UsageError("unknown option \(arg) for 'rcom \(spec.name)' (see rcom \(spec.name) --help)")
                }
                let rest = String(letters.dropFirst())
                if opt.isFlag && !rest.isEmpty {
                    throw UsageError("-\(first) is a flag and takes no value (got \(TerminalText.quoted(arg)))")
                }
                try take(opt, inline: rest.isEmpty ? nil : rest, display: "-\(first)")
            }
            index += 1
        }
        if positionals.count > spec.positionalsMax {
            let extra = positionals[spec.positionalsMax]
            throw UsageError("unexpected argument \(TerminalText.quoted(extra)) for 'rcom \(spec.name)' (see rcom \(spec.name) --help)")
        }
        for opt in spec.options where values[opt.name] == nil && !flags.contains(opt.name) {
            guard let env = opt.environment, let fromEnv = environment[env], !fromEnv.isEmpty else { continue }
            if opt.isFlag {
                guard let b = parseBool(fromEnv) else {
                    throw UsageError("\(env)=\(fromEnv) is not a boolean (use 1/0, true/false)")
                }
                if b { flags.insert(opt.name) }
            } else {
                values[opt.name] = fromEnv
            }
        }
        return .parsed(ParsedArguments(spec: spec, values: values, flags: flags, positionals: positionals))
    }

    static func parseBool(_ s: String) -> Bool? {
        switch s.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: return nil
        }
    }
}
