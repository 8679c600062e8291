/// An exact decimal number stored as an integer count of millionths.
///
/// Expenses have cents, and binary floating point cannot hold 0.1 exactly, so every input is
/// scaled by 10^6 into a 128-bit integer. Inputs are limited to the 64-bit integer range and
/// six fraction digits, so one value needs at most 83 bits and a window of up to
/// `WindowLimits.windowCountMax` values at most 107: sums cannot overflow `Int128`.
@available(macOS 15, *)
public struct ScaledDecimal: Hashable, Comparable, Sendable {
    public static let fractionDigitsMax = 6
    public static let unitsPerOne: Int128 = 1_000_000

    /// The value times 10^6.
    public var millionths: Int128

    public init(millionths: Int128) { self.millionths = millionths }

    public init(_ integer: Int64) { millionths = Int128(integer) * Self.unitsPerOne }

    /// Parses one token with the same rules as the input stream (see `NumberSyntax`).
    public init(parsing text: String) throws(NumberProblem) {
        var copy = text
        // withUTF8 is not typed-throws, so the error travels out in a Result.
        let parsed = copy.withUTF8 { bytes in Result { () throws(NumberProblem) in try NumberSyntax.parse(bytes) } }
        self = try parsed.get().value
    }

    public static func < (a: ScaledDecimal, b: ScaledDecimal) -> Bool { a.millionths < b.millionths }

    /// Exact text with exactly `fractionDigits` digits after the point (0 means no point), so
    /// a column of cents prints as "12.50", not "12.5".
    public func formatted(fractionDigits: Int) -> String {
        precondition((0...Self.fractionDigitsMax).contains(fractionDigits), "fraction digits out of range")
        return DecimalText.render(units: millionths, unitDigits: Self.fractionDigitsMax, shownDigits: fractionDigits)
    }
}

/// Rendering of scaled integers; shared by values, sums and rounded means.
enum DecimalText {
    /// `units` counts 10^-unitDigits. Drops the last `unitDigits - shownDigits` digits, which
    /// callers guarantee are zero (input values never carry more digits than are shown).
    static func render(units: Int128, unitDigits: Int, shownDigits: Int) -> String {
        let negative = units < 0
        let magnitude = units.magnitude
        var digits = String(magnitude, radix: 10)
        if digits.count <= unitDigits {
            digits = String(repeating: "0", count: unitDigits - digits.count + 1) + digits
        }
        let integerPart = digits.dropLast(unitDigits)
        let fraction = digits.suffix(unitDigits).prefix(shownDigits)
        let sign = negative && magnitude != 0 ? "-" : ""
        return shownDigits == 0 ? sign + integerPart : sign + integerPart + "." + fraction
    }

    /// `numerator / denominator` in units of 10^-digits, rounded half away from zero, printed
    /// without trailing zeros. Used for means, which are rarely exact.
    static func roundedQuotient(_ numerator: Int128, _ denominator: Int128, digits: Int) -> String {
        precondition(denominator > 0, "denominator must be positive")
        let quotient = numerator / denominator
        let remainder = numerator % denominator
        var rounded = quotient
        // Comparing 2·|r| with d rounds halves away from zero without another division.
        if remainder.magnitude * 2 >= denominator.magnitude {
            rounded += numerator < 0 ? -1 : 1
        }
        var text = render(units: rounded, unitDigits: digits, shownDigits: digits)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }
}
