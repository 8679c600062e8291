/// Why one token is not an acceptable number. The tokenizer adds where it was.
public enum NumberProblem: Error, Equatable, Sendable {
    /// A byte that cannot appear in a number, or a sign/point with no digits.
    case notANumber
    case tooManyFractionDigits
    /// Beyond the signed 64-bit integer range.
    case outOfRange
    case tooLong

    public var explanation: String {
        switch self {
        case .notANumber:
            return "is not a number (expected digits with an optional sign and decimal point, e.g. -12 or 3.50)"
        case .tooManyFractionDigits:
            return "has more than \(NumberSyntax.fractionDigitsMax) digits after the decimal point"
        case .outOfRange:
            return "is outside the 64-bit integer range (-9223372036854775808...9223372036854775807)"
        case .tooLong:
            return "is longer than \(NumberSyntax.tokenBytesMax) bytes, so it cannot be a number"
        }
    }
}

/// The accepted number syntax: `[+-]digits[.digits]`, `[+-].digits` or `[+-]digits.`,
/// at most six fraction digits, within the Int64 range. No exponents, no thousands separators.
@available(macOS 15, *)
enum NumberSyntax {
    static let fractionDigitsMax = ScaledDecimal.fractionDigitsMax
    /// Longer than any valid token (sign, 19 digits, point, 6 digits, generous leading zeros);
    /// bounds the bytes carried between chunks and the text quoted in errors.
    static let tokenBytesMax = 64

    struct Parsed: Equatable {
        var value: ScaledDecimal
        var fractionDigits: Int
    }

    /// Parses a whole token; `bytes` holds no separators.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(NumberProblem) -> Parsed {
        guard bytes.count <= tokenBytesMax else { throw .tooLong }
        var index = 0
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        // Overflow is remembered rather than thrown at once so that "12x9999999999999999999"
        // is reported as not a number, the more useful complaint.
        var integerPart: UInt64 = 0
        var integerDigits = 0
        var outOfRange = false
        while index < bytes.count, let digit = decimalDigit(bytes[index]) {
            let (times10, o1) = integerPart.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(digit))
            if o1 || o2 { outOfRange = true } else { integerPart = sum }
            integerDigits += 1
            index += 1
        }
        var fraction: Int64 = 0
        var fractionDigits = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.count, let digit = decimalDigit(bytes[index]) {
                fractionDigits += 1
                if fractionDigits <= fractionDigitsMax { fraction = fraction * 10 + Int64(digit) }
                index += 1
            }
        }
        guard index == bytes.count, integerDigits + fractionDigits > 0 else { throw .notANumber }
        guard fractionDigits <= fractionDigitsMax else { throw .tooManyFractionDigits }
        guard !outOfRange else { throw .outOfRange }

        for _ in fractionDigits..<fractionDigitsMax { fraction *= 10 }
        let magnitude = Int128(integerPart) * ScaledDecimal.unitsPerOne + Int128(fraction)
        let limit = negative ? -Int128(Int64.min) : Int128(Int64.max)
        guard magnitude <= limit * ScaledDecimal.unitsPerOne else { throw .outOfRange }
        return Parsed(value: ScaledDecimal(millionths: negative ? -magnitude : magnitude),
                      fractionDigits: fractionDigits)
    }

    @inline(__always)
    static func decimalDigit(_ byte: UInt8) -> UInt8? {
        let digit = byte &- UInt8(ascii: "0")
        return digit <= 9 ? digit : nil
    }

    /// Commas and ASCII white space (space, tab, LF, VT, FF, CR); runs of them count as one.
    @inline(__always)
    static func isSeparator(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: ",") || (byte &- 9) <= 4
    }
}
