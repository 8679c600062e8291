/// Receives numbers as the tokenizer finds them.
@available(macOS 15, *)
protocol NumberSink {
    mutating func accept(_ value: Int128)
}

/// Turns a byte stream, fed in chunks of any size, into numbers (millionths, see
/// `ScaledDecimal`). Tokens are separated by runs of commas and ASCII white space.
///
/// Bytes are parsed in place; only a token cut by a chunk boundary (at most
/// `NumberSyntax.tokenBytesMax` bytes) is copied, into a buffer reserved up front, so feeding
/// does not allocate. Plain integers of up to 18 digits take an inlined path (up to 7 digits,
/// see `SWARDigits`, without a per-byte loop); anything else
/// (fractions, long or malformed tokens) goes through `NumberSyntax.parse`.
@available(macOS 15, *)
struct NumberTokenizer {
    /// Tokens read so far; the next token's 1-based index is `tokenCount + 1`.
    private(set) var tokenCount = 0
    /// The 1-based line the scan has reached.
    private(set) var line = 1
    /// Most fraction digits any token had, so output can show values at the input's precision.
    private(set) var fractionDigitsSeen = 0
    private var carry: [UInt8]
    private var carryLine = 1

    init() {
        carry = []
        carry.reserveCapacity(NumberSyntax.tokenBytesMax + 1)
    }

    mutating func feed<Sink: NumberSink>(_ bytes: UnsafeBufferPointer<UInt8>, into sink: inout Sink) throws(WindowInputError) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        let end = bytes.count
        var index = 0
        if !carry.isEmpty {
            while index < end, !NumberSyntax.isSeparator(base[index]) {
                carry.append(base[index])
                index += 1
                if carry.count > NumberSyntax.tokenBytesMax {
                    let index = tokenCount + 1
                    let tokenLine = carryLine
                    throw carry.withUnsafeBufferPointer { Self.tooLong($0, index: index, line: tokenLine) }
                }
            }
            if index == end { return }
            try flushCarry(into: &sink)
        }

        // Hot loop state lives in locals so the optimiser can keep it in registers.
        var count = tokenCount
        var lineNumber = line
        defer { tokenCount = count; line = lineNumber }
        while index < end {
            let byte = base[index]
            if NumberSyntax.isSeparator(byte) {
                if byte == UInt8(ascii: "\n") { lineNumber += 1 }
                index += 1
                continue
            }
            let start = index
            let negative = byte == UInt8(ascii: "-")
            // Fast path: a number of 1...7 digits followed by a separator, all within one
            // 8-byte load (the common case; longer numbers and chunk tails go byte by byte).
            if end - index > 8 {
                let digitsAt = index &+ (negative ? 1 : 0)
                let word = UInt64(littleEndian: UnsafeRawPointer(base + digitsAt).loadUnaligned(as: UInt64.self))
                let digits = SWARDigits.digitCount(word)
                if digits > 0 && digits < 8 && NumberSyntax.isSeparator(UInt8(truncatingIfNeeded: word >> UInt64(8 &* digits))) {
                    let magnitude = Int64(bitPattern: SWARDigits.value(word, count: digits))
                    count += 1
                    sink.accept(Int128(negative ? -magnitude : magnitude) &* ScaledDecimal.unitsPerOne)
                    index = digitsAt &+ digits
                    continue
                }
            }
            if negative { index += 1 }
            let digitsStart = index
            var magnitude: UInt64 = 0
            while index < end {
                let digit = base[index] &- UInt8(ascii: "0")
                if digit > 9 { break }
                magnitude = magnitude &* 10 &+ UInt64(digit)
                index += 1
            }
            if index == end {
                // The token may continue in the next chunk.
                try keep(UnsafeBufferPointer(start: base + start, count: end - start), index: count + 1, line: lineNumber)
                return
            }
            let digitCount = index - digitsStart
            // 18 digits cannot overflow Int64, so the fast path needs no overflow check.
            if digitCount > 0 && digitCount <= 18 && NumberSyntax.isSeparator(base[index]) {
                count += 1
                let signed = negative ? -Int64(bitPattern: magnitude) : Int64(bitPattern: magnitude)
                sink.accept(Int128(signed) &* ScaledDecimal.unitsPerOne)
                continue
            }
            while index < end, !NumberSyntax.isSeparator(base[index]) {
                index += 1
                if index - start > NumberSyntax.tokenBytesMax { break }
            }
            let token = UnsafeBufferPointer(start: base + start, count: index - start)
            if index == end {
                try keep(token, index: count + 1, line: lineNumber)
                return
            }
            count += 1
            record(try Self.parse(token, index: count, line: lineNumber), into: &sink)
        }
    }

    /// Ends the stream: a token cut off by the end of input is complete.
    mutating func finish<Sink: NumberSink>(into sink: inout Sink) throws(WindowInputError) {
        if !carry.isEmpty { try flushCarry(into: &sink) }
    }

    private mutating func keep(_ token: UnsafeBufferPointer<UInt8>, index: Int, line tokenLine: Int) throws(WindowInputError) {
        guard token.count <= NumberSyntax.tokenBytesMax else {
            throw Self.tooLong(token, index: index, line: tokenLine)
        }
        carry.append(contentsOf: token)
        carryLine = tokenLine
    }

    private mutating func flushCarry<Sink: NumberSink>(into sink: inout Sink) throws(WindowInputError) {
        tokenCount += 1
        let index = tokenCount
        let tokenLine = carryLine
        let parsed = try carry.withUnsafeBufferPointer { bytes throws(WindowInputError) in
            try Self.parse(bytes, index: index, line: tokenLine)
        }
        carry.removeAll(keepingCapacity: true)
        record(parsed, into: &sink)
    }

    @inline(__always)
    private mutating func record<Sink: NumberSink>(_ parsed: NumberSyntax.Parsed, into sink: inout Sink) {
        fractionDigitsSeen = max(fractionDigitsSeen, parsed.fractionDigits)
        sink.accept(parsed.value.millionths)
    }

    private static func parse(_ token: UnsafeBufferPointer<UInt8>, index: Int, line tokenLine: Int) throws(WindowInputError) -> NumberSyntax.Parsed {
        do {
            return try NumberSyntax.parse(token)
        } catch {
            throw .badToken(index: index, line: tokenLine,
                            text: Array(token.prefix(NumberSyntax.tokenBytesMax)), problem: error)
        }
    }

    private static func tooLong(_ token: UnsafeBufferPointer<UInt8>, index: Int, line tokenLine: Int) -> WindowInputError {
        .badToken(index: index, line: tokenLine, text: Array(token.prefix(NumberSyntax.tokenBytesMax)), problem: .tooLong)
    }
}
