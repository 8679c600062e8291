import Foundation

/// One `rcom` subcommand. `run` returns the process exit code; it never calls `exit` itself,
/// so tests can drive commands in-process.
public protocol Command: SendableMetatype {
    static var spec: CommandSpec { get }
    static func run(_ arguments: ParsedArguments) -> Int32
}

/// Conventional exit codes shared by all subcommands.
public enum ExitCode {
    public static let success: Int32 = 0
    public static let failure: Int32 = 1
    public static let usage: Int32 = 2
}

/// A command's spec and entry point, captured generically (existential metatypes crash
/// the Swift 6.3 SIL generator in this position).
public struct CommandEntry: Sendable {
    public let spec: CommandSpec
    public let run: @Sendable (ParsedArguments) -> Int32
    public init<C: Command>(_ command: C.Type) {
        spec = C.spec
        run = { C.run($0) }
    }
}

/// Finds the subcommand named by the longest prefix of `arguments`, parses the rest, runs it.
public struct CommandRegistry {
    public let commands: [CommandEntry]
    public init(_ commands: [CommandEntry]) { self.commands = commands }

    public var helpText: String {
        var out = "rcom: notifications, bulk suppression, sliding windows, and an async job proxy.\n\n"
        out += "Usage: rcom COMMAND [OPTIONS]   (rcom COMMAND --help for details)\n\nCommands:\n"
        let width = commands.map { $0.spec.name.count }.max() ?? 0
        for c in commands {
            out += "  \(c.spec.name)\(String(repeating: " ", count: width - c.spec.name.count))  \(c.spec.summary)\n"
        }
        return out
    }

    static func parse(_ args: [String], spec: CommandSpec, environment: [String: String]) -> Result<ParseOutcome, UsageError> {
        do { return .success(try ArgumentParser.parse(args, spec: spec, environment: environment)) }
        catch { return .failure(error) }
    }

    public func main(_ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment) -> Int32 {
        let names = commands.map(\.spec.name).filter { !$0.contains(" ") }.joined(separator: ", ")
        guard let first = arguments.first else {
            // curl's convention: no command is a usage error like any other, one line on stderr
            // and exit 2; the help is on stdout when asked for (rcom --help), exit 0.
            Terminal.error("no command given; commands: \(names) (rcom --help for details)")
            return ExitCode.usage
        }
        guard first != "--help", first != "-h", first != "help" else {
            print(helpText, terminator: "")
            return ExitCode.success
        }
        // Longest match first so "jobserver verify" wins over "jobserver".
        let sorted = commands.sorted { $0.spec.name.split(separator: " ").count > $1.spec.name.split(separator: " ").count }
        for command in sorted {
            let words = command.spec.name.split(separator: " ").map(String.init)
            guard arguments.count >= words.count, Array(arguments.prefix(words.count)) == words else { continue }
            let rest = Array(arguments.dropFirst(words.count))
            switch Self.parse(rest, spec: command.spec, environment: environment) {
            case .failure(let error):
                Terminal.error(error.message)
                return ExitCode.usage
            case .success(.help(let text)):
                print(text, terminator: "")
                return ExitCode.success
            case .success(.parsed(let parsed)):
                return command.run(parsed)
            }
        }
        Terminal.error("unknown command \(TerminalText.quoted(first)); commands: \(names) (rcom --help)")
        return ExitCode.usage
    }
}
