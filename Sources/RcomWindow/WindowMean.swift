/// Means are rarely exact decimals (113 / 3), so they are printed rounded: to two more places
/// than the input uses, half away from zero, trailing zeros dropped ("28.25", "37.67", "28").
@available(macOS 15, *)
public enum WindowMean {
    public static func text(sum: ScaledDecimal, k: Int, fractionDigits: Int) -> String {
        precondition(k >= 1 && k <= WindowLimits.windowCountMax, "k out of range")
        let digits = fractionDigits + WindowLimits.meanExtraDigits
        let unitDigits = ScaledDecimal.fractionDigitsMax
        // Sums are below 2^107 and k at most 10^7, so neither scaling can overflow Int128.
        var numerator = sum.millionths
        var denominator = Int128(k)
        if digits > unitDigits {
            for _ in unitDigits..<digits { numerator *= 10 }
        } else {
            for _ in digits..<unitDigits { denominator *= 10 }
        }
        return DecimalText.roundedQuotient(numerator, denominator, digits: digits)
    }
}
