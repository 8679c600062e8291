#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RcomCLI

/// `rcom max`: the largest sum of k consecutive numbers, and the moving-average alarm.
public enum MaxCommand: Command {
    /// The seed's example, used when no numbers are given.
    public static let exampleNumbers = "34,22,56,1,32,12,1,22,7"
    /// Exit status when at least one window's mean exceeded --alarm, for cron jobs and pipelines.
    public static let alarmExitCode: Int32 = 4

    public static let spec = CommandSpec(
        name: "max",
        summary: "largest sum of k consecutive numbers; moving-average alarm",
        usage: "max [-k K] [--average] [--alarm X] [--json] [NUMBERS... | --file PATH | -]",
        options: [
            OptionSpec("k", short: "k", value: "K", help: "window size: how many consecutive numbers", default: "4"),
            OptionSpec("file", short: "f", value: "PATH", help: "read numbers from a file (streamed; - means standard input)"),
            OptionSpec("average", short: "a", help: "also print the largest window mean"),
            OptionSpec("alarm", value: "X", help: "print every window whose mean is above X; exit 4 if any"),
            OptionSpec("json", help: "machine-readable output: one JSON object (alarms as JSON lines before it)"),
        ],
        positionalsMax: 1 << 20,
        discussion: """
        Numbers are separated by commas and/or white space (runs count as one separator).
        With no numbers, the seed's example is used and the output says so:
          rcom max                      same as: rcom max -k 4 "\(exampleNumbers)"
          rcom max -k 3 "5, -2, 7.25, 1"
          seq 1000000 | rcom max -k 60 --average -
          rcom max -k 60 --alarm 250.00 --file expenses.txt || notify-someone

        Output: the maximum sum, the 1-based positions of its window, and the window's values
        when k <= \(WindowLimits.valuesShownMax). Ties: the first window with the maximum sum wins.

        Numbers: 64-bit integers (negatives allowed), or decimals with up to \(ScaledDecimal.fractionDigitsMax) digits after
        the point (e.g. cents), computed exactly in scaled 128-bit integers: no rounding, no
        overflow. Sums and values print at the input's precision; means are rounded to
        \(WindowLimits.meanExtraDigits) more places. No exponents or thousands separators.

        Streams its input: O(n) time, memory for k numbers only (k at most \(WindowLimits.windowCountMax)).
        --alarm fires for a window when its mean is strictly above X; each alarm is printed as
        soon as its window is read, so it works on a live pipe.

        Exit status: 0 done, \(alarmExitCode) an alarm fired, 2 bad usage or input (k < 1, k larger
        than the count, empty input, a token that is not a number: its index and line are
        given), 1 a read or write error.
        """)

    public static func run(_ args: ParsedArguments) -> Int32 {
        guard #available(macOS 15, *) else {
            Terminal.error("rcom max needs 128-bit integers (macOS 15 or later)")
            return ExitCode.failure
        }
        let invocation: MaxInvocation
        do { invocation = try MaxInvocation(args) } catch {
            Terminal.error(error.message)
            return ExitCode.usage
        }
        return invocation.run()
    }
}

/// Where the numbers come from.
enum NumberSource: Equatable {
    case text(String)
    case example
    case fileDescriptor(Int32, name: String)
    case path(String)
}

/// The validated command line, and the run that streams the source through `MaxWindowScan`.
@available(macOS 15, *)
struct MaxInvocation {
    let k: Int
    let source: NumberSource
    let alarmThreshold: ScaledDecimal?
    let json: Bool
    let showMean: Bool

    init(_ args: ParsedArguments) throws(UsageError) {
        // Below 1 is the scan's own error (it says why); above the limit, the parser's.
        k = try args.int("k", range: Int.min...WindowLimits.windowCountMax) ?? 4
        json = args.flag("json")
        showMean = args.flag("average")
        if let raw = args.string("alarm") {
            do { alarmThreshold = try ScaledDecimal(parsing: raw) } catch {
                throw UsageError("--alarm expects a number such as 250 or 99.95: \(TerminalText.quoted(raw)) \(error.explanation)")
            }
        } else {
            alarmThreshold = nil
        }
        let positionals = args.positionals
        if let path = args.string("file") {
            guard positionals.isEmpty else {
                throw UsageError("give numbers either as arguments or with --file, not both (got \(TerminalText.quoted(positionals[0])))")
            }
            source = path == "-" ? .fileDescriptor(STDIN_FILENO, name: "standard input") : .path(path)
        } else if positionals == ["-"] {
            source = .fileDescriptor(STDIN_FILENO, name: "standard input")
        } else if positionals.contains("-") {
            throw UsageError("'-' (read standard input) cannot be combined with numbers on the command line")
        } else if positionals.isEmpty {
            source = .example
        } else {
            source = .text(positionals.joined(separator: " "))
        }
    }

    func run() -> Int32 {
        var scan: MaxWindowScan
        do { scan = try MaxWindowScan(k: k, alarmThreshold: alarmThreshold) } catch {
            Terminal.error(error.message)
            return ExitCode.usage
        }
        var output = StandardOutput()
        let outcome: Int32? = switch source {
        case .example: feed(MaxCommand.exampleNumbers, into: &scan, output: &output)
        case .text(let text): feed(text, into: &scan, output: &output)
        case .fileDescriptor(let fd, let name): stream(fd: fd, name: name, into: &scan, output: &output)
        case .path(let path): stream(path: path, into: &scan, output: &output)
        }
        if let outcome { return outcome }

        let result: MaxWindowResult
        do { result = try scan.finish() } catch {
            Terminal.error(message(for: error))
            return ExitCode.usage
        }
        // The last token only completes at end of input, and its window may alarm too.
        if let stop = afterChunk(nil, scan: &scan, output: &output) { return stop }
        let options = MaxReport.Options(showMean: showMean,
                                        defaultInput: source == .example ? MaxCommand.exampleNumbers : nil)
        output.write(json ? MaxReport.json(result, options: options) : MaxReport.text(result, options: options))
        guard output.flush() else { return ExitCode.failure }
        return result.alarmCount > 0 ? MaxCommand.alarmExitCode : ExitCode.success
    }

    /// Feeds one in-memory text; returns an exit code if the run must stop.
    private func feed(_ text: String, into scan: inout MaxWindowScan, output: inout StandardOutput) -> Int32? {
        var copy = text
        let failure = copy.withUTF8 { bytes -> WindowInputError? in
            do throws(WindowInputError) { try scan.feed(bytes); return nil } catch { return error }
        }
        return afterChunk(failure, scan: &scan, output: &output)
    }

    private func stream(path: String, into scan: inout MaxWindowScan, output: inout StandardOutput) -> Int32? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            Terminal.error("cannot open --file \(TerminalText.quoted(path)): \(String(cString: strerror(errno)))")
            return ExitCode.usage
        }
        defer { close(fd) }
        #if os(Linux)
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
        #endif
        return stream(fd: fd, name: "\(TerminalText.quoted(path))", into: &scan, output: &output)
    }

    private func stream(fd: Int32, name: String, into scan: inout MaxWindowScan, output: inout StandardOutput) -> Int32? {
        let reader = ChunkReader(fd: fd)
        while true {
            let chunk: UnsafeBufferPointer<UInt8>?
            do { chunk = try reader.next() } catch {
                Terminal.error("cannot read \(name): \(error.message)")
                return ExitCode.failure
            }
            guard let chunk else { return nil }
            var failure: WindowInputError?
            do { try scan.feed(chunk) } catch { failure = error }
            if let stop = afterChunk(failure, scan: &scan, output: &output) { return stop }
        }
    }

    /// Prints alarms raised by the last chunk (before any error, which came after them), so a
    /// live pipe sees them without waiting for the end of input.
    private func afterChunk(_ failure: WindowInputError?, scan: inout MaxWindowScan, output: inout StandardOutput) -> Int32? {
        if let threshold = alarmThreshold, !scan.pendingAlarms.isEmpty {
            let digits = scan.fractionDigitsSeen
            for alarm in scan.pendingAlarms {
                output.write(MaxReport.alarmLine(alarm, k: k, threshold: threshold, fractionDigits: digits, json: json))
            }
            scan.clearAlarms()
            guard output.flush() else { return ExitCode.failure }
        }
        if let failure {
            Terminal.error(message(for: failure))
            return ExitCode.usage
        }
        return nil
    }

    private func message(for error: WindowInputError) -> String {
        if case .windowLargerThanInput = error, source == .example {
            return error.message + " (no numbers were given, so the \(MaxCommand.exampleNumbers.split(separator: ",").count)-number example was used)"
        }
        return error.message
    }
}

/// Buffered standard output written with write(2), reporting failure (a closed pipe) instead
/// of ignoring it.
struct StandardOutput {
    private var pending: [UInt8] = []

    mutating func write(_ text: String) { pending.append(contentsOf: text.utf8) }

    /// False when standard output is gone; the caller stops with exit 1.
    mutating func flush() -> Bool {
        defer { pending.removeAll(keepingCapacity: true) }
        return pending.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let wrote = Glibc.write(STDOUT_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                if wrote < 0 && errno == EINTR { continue }
                guard wrote > 0 else { return false }
                offset += wrote
            }
            return true
        }
    }
}
