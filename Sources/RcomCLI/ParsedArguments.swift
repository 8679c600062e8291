import Foundation

/// The result of parsing: typed accessors that turn bad values into `UsageError`s naming the flag.
public struct ParsedArguments: Equatable {
    public let spec: CommandSpec
    public let values: [String: String]
    public let flags: Set<String>
    public let positionals: [String]

    public static func == (a: ParsedArguments, b: ParsedArguments) -> Bool {
        a.spec.name == b.spec.name && a.values == b.values && a.flags == b.flags && a.positionals == b.positionals
    }

    /// True when the value came from the command line or environment, not from the default.
    public func isSet(_ name: String) -> Bool { values[name] != nil || flags.contains(name) }

    public func flag(_ name: String) -> Bool {
        precondition(spec.option(named: name)?.isFlag == true, "flag \(name) not declared in \(spec.name)")
        return flags.contains(name)
    }

    public func string(_ name: String) -> String? {
        guard let opt = spec.option(named: name) else { preconditionFailure("option \(name) not declared in \(spec.name)") }
        return values[name] ?? opt.defaultValue
    }

    public func int(_ name: String, range: ClosedRange<Int> = Int.min...Int.max) throws(UsageError) -> Int? {
        guard let raw = string(name) else { return nil }
        let digits = raw.replacingOccurrences(of: "_", with: "")
        let flag = Self.display(name)
        guard let v = Int(digits) else {
            // A whole number too long for 64 bits is not "not a whole number": say which way it is off.
            let negative = digits.first == "-"
            let body = negative || digits.first == "+" ? digits.dropFirst() : Substring(digits)
            if !body.isEmpty, body.allSatisfy({ $0.isASCII && $0.isNumber }) {
                throw UsageError("\(flag) \(TerminalText.quoted(raw)) is too \(negative ? "small" : "large"): " +
                                 (negative ? "the least it takes is \(range.lowerBound)" : "the most it takes is \(range.upperBound)"))
            }
            throw UsageError("\(flag) expects a whole number, got \(TerminalText.quoted(raw))")
        }
        guard range.contains(v) else {
            if range.lowerBound == Int.min { throw UsageError("\(flag) must be at most \(range.upperBound), got \(v)") }
            if range.upperBound == Int.max { throw UsageError("\(flag) must be at least \(range.lowerBound), got \(v)") }
            throw UsageError("\(flag) must be between \(range.lowerBound) and \(range.upperBound), got \(v)")
        }
        return v
    }

    /// How the user writes the option: `-k` for a one-letter name, `--port` otherwise.
    static func display(_ name: String) -> String { name.count == 1 ? "-\(name)" : "--\(name)" }

    public func double(_ name: String, range: ClosedRange<Double> = -Double.infinity...Double.infinity) throws(UsageError) -> Double? {
        guard let raw = string(name) else { return nil }
        guard let v = Double(raw), v.isFinite else { throw UsageError("\(Self.display(name)) expects a number, got \(TerminalText.quoted(raw))") }
        guard range.contains(v) else {
            throw UsageError("\(Self.display(name)) must be between \(range.lowerBound) and \(range.upperBound), got \(raw)")
        }
        return v
    }

    /// Durations: "500ms", "5s", "2m", "1.5s"; a bare number means `bareUnit`.
    public func duration_ms(_ name: String, bareUnit: DurationUnit = .seconds) throws(UsageError) -> Int64? {
        guard let raw = string(name) else { return nil }
        guard let ms = DurationText.milliseconds(raw, bareUnit: bareUnit), ms >= 0 else {
            throw UsageError("\(Self.display(name)) expects a duration such as 500ms, 5s or 2m, got \(TerminalText.quoted(raw))")
        }
        return ms
    }

    public func choice(_ name: String, among allowed: [String]) throws(UsageError) -> String? {
        guard let raw = string(name) else { return nil }
        guard allowed.contains(raw) else {
            throw UsageError("\(Self.display(name)) must be one of \(allowed.joined(separator: ", ")), got \(TerminalText.quoted(raw))")
        }
        return raw
    }
}

public enum DurationUnit: Sendable { case milliseconds, seconds }

public enum DurationText {
    /// Parses "250ms", "5s", "2m", "1h", or a bare number in `bareUnit`. Returns nil if malformed.
    public static func milliseconds(_ text: String, bareUnit: DurationUnit = .seconds) -> Int64? {
        let t = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        for (suffix, factor) in units where t.hasSuffix(suffix) {
            let number = t.dropLast(suffix.count)
            // "ms" must not be read as minutes of "5m" followed by "s".
            if suffix == "s", number.hasSuffix("m") { continue }
            guard let v = Double(number), v.isFinite, v >= 0 else { return nil }
            return Int64((v * factor).rounded())
        }
        guard let v = Double(t), v.isFinite, v >= 0 else { return nil }
        return Int64((v * (bareUnit == .seconds ? 1000 : 1)).rounded())
    }
}
