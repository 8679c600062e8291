/// What one line must yield, stated from the file format's description rather than from the
/// preparer's code: RFC 4180 fields (blanks before an opening quote and bytes after a closing
/// one tolerated), the normaliser's key for the address, the reason cut at 500 bytes on a
/// character boundary and classified, and a bounce time only for a real calendar instant.
enum Expected {
    case blank
    case malformed(AddressNormalizer.Problem)
    case valid(email: [UInt8], reason: [UInt8], at: Int64)
}

func isBlankByte(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0d }

func trimmed(_ f: [UInt8]) -> ArraySlice<UInt8> {
    var s = f[...]
    while let b = s.first, isBlankByte(b) { s = s.dropFirst() }
    while let b = s.last, isBlankByte(b) { s = s.dropLast() }
    return s
}

/// The line's fields; the list ends with nil at a field whose quote never closes.
func modelFields(_ line: [UInt8]) -> [[UInt8]?] {
    let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ",")
    var fields: [[UInt8]?] = []
    var rest = line[...]
    while true {
        let afterBlanks = rest.drop { $0 == 0x20 || $0 == 0x09 }
        if afterBlanks.first == quote {
            var text: [UInt8] = []
            var body = afterBlanks.dropFirst()
            var closed = false
            while let b = body.popFirst() {
                if b != quote { text.append(b); continue }
                if body.first == quote { text.append(quote); body = body.dropFirst(); continue }
                closed = true
                break
            }
            guard closed else { fields.append(nil); return fields }
            fields.append(text)
            rest = body.drop { $0 != comma }
        } else {
            let field = rest.prefix { $0 != comma }
            fields.append(Array(field))
            rest = rest[field.endIndex...]
        }
        guard rest.first == comma else { return fields }
        rest = rest.dropFirst()
    }
}

func modelReason(_ field: [UInt8]) -> [UInt8]? {
    let t = Array(trimmed(field))
    guard !t.isEmpty else { return nil }
    var body = Array(t.prefix(BatchPreparer.reasonBytesMax))
    // The byte after the cut continuing a UTF-8 sequence means the cut split a character.
    while !body.isEmpty, body.count < t.count, t[body.count] & 0xc0 == 0x80 { body.removeLast() }
    let head = body.prefix(4).map(AddressNormalizer.lower)
    if head == Array("hard".utf8) || head == Array("soft".utf8) { return body }
    switch body.first {
    case UInt8(ascii: "5"): return Array("hard bounce: ".utf8) + body
    case UInt8(ascii: "4"): return Array("soft bounce: ".utf8) + body
    default: return Array("bounce: ".utf8) + body
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` (blanks around it aside, like every other field) naming a day that
/// exists; second 60 is accepted as a leap second.
func modelTime(_ field: [UInt8]) -> Int64? {
    let t = Array(trimmed(field))
    guard t.count == 20 else { return nil }
    let shape = Array("dddd-dd-ddTdd:dd:ddZ".utf8)
    for (b, s) in zip(t, shape) {
        if s == UInt8(ascii: "d") { guard b >= 0x30 && b <= 0x39 else { return nil } } else if b != s { return nil }
    }
    func n(_ r: Range<Int>) -> Int64 { t[r].reduce(0) { $0 * 10 + Int64($1 - 0x30) } }
    let y = n(0..<4), mo = n(5..<7), d = n(8..<10), h = n(11..<13), mi = n(14..<16), s = n(17..<19)
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
    let monthDays: [Int64] = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    guard (1...12).contains(mo), (1...monthDays[Int(mo) - 1]).contains(d), h < 24, mi < 60, s <= 60 else { return nil }
    // Days from 0000-01-01 to the start of year y, then to the date; 1970-01-01 is day 719,528.
    func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { (a - (a % b + b) % b) / b }
    let leapYearsBefore = floorDiv(y - 1, 4) - floorDiv(y - 1, 100) + floorDiv(y - 1, 400) + 1
    let dayOfYear = monthDays.prefix(Int(mo) - 1).reduce(0, +) + d - 1
    let days = 365 * y + leapYearsBefore + dayOfYear - 719_528
    return days * 86_400 + h * 3_600 + mi * 60 + s
}

func expected(_ line: [UInt8], format: BounceFileFormat, defaultAt: Int64) -> Expected {
    if line.allSatisfy(isBlankByte) { return .blank }
    if line.first == 0 { return .malformed(.overlongLine) }
    func normalise(_ f: [UInt8]) -> Result<[UInt8], AddressNormalizer.Problem> {
        var out: [UInt8] = []
        if let p = f.withUnsafeBufferPointer({ AddressNormalizer.normalize($0[...], appendingTo: &out) }) { return .failure(p) }
        return .success(out)
    }
    let hardBounce = Array(BatchPreparer.listReason.utf8)
    guard case .csv(let emailColumn, let reasonColumn, let atColumn) = format else {
        switch normalise(line) {
        case .failure(let p): return .malformed(p)
        case .success(let e): return .valid(email: e, reason: hardBounce, at: defaultAt)
        }
    }
    let fields = modelFields(line)
    var email: [UInt8]? = nil, reason = hardBounce, at = defaultAt
    for column in 0...max(emailColumn, reasonColumn ?? 0, atColumn ?? 0) where column < fields.count {
        guard let f = fields[column] else { return .malformed(.unterminatedQuote) }
        if column == emailColumn {
            switch normalise(f) {
            case .failure(let p): return .malformed(p)
            case .success(let e): email = e
            }
        } else if column == reasonColumn {
            reason = modelReason(f) ?? hardBounce
        } else if column == atColumn {
            at = modelTime(f) ?? defaultAt
        }
    }
    guard let email else { return .malformed(.empty) }
    return .valid(email: email, reason: reason, at: at)
}

func checkAgainstModel(_ got: RunResult, lines: [(bytes: [UInt8], newline: Bool)], firstLine: Int,
                       format: BounceFileFormat, samplesMax: Int) {
    var counters = ImportCounters()
    var entries = 0, samples = 0
    for (k, line) in lines.enumerated() {
        let number = firstLine + k
        counters.linesRead += 1
        switch expected(line.bytes, format: format, defaultAt: importStartedAt_s) {
        case .blank:
            counters.blank += 1
        case .malformed(let p):
            counters.malformed += 1
            guard samples < samplesMax else { continue }
            check(samples < got.samples.count, "line \(number) (\(p.rawValue)) missing from the samples")
            let m = got.samples[samples]
            // As the report shows it: escaped for a terminal (TerminalText has its own tests).
            let text = TerminalText.escaped(line.bytes.prefix(80)) + (line.bytes.count > 80 ? "…" : "")
            check(m.line == number && m.problem == p.rawValue && m.text == text,
                  "sample \(m.line) \(m.problem) where line \(number) is \(p.rawValue)")
            samples += 1
        case .valid(let email, let reason, let at):
            counters.valid += 1
            check(entries < got.entries.count, "line \(number) missing from the entries")
            let e = got.entries[entries]
            check(e.email == email, "line \(number): address \(String(decoding: e.email, as: UTF8.self)), model \(String(decoding: email, as: UTF8.self))")
            check(e.reason == reason, "line \(number): reason \(String(decoding: e.reason, as: UTF8.self)), model \(String(decoding: reason, as: UTF8.self))")
            check(e.at == at, "line \(number): bounce time \(e.at), model \(at)")
            entries += 1
        }
    }
    check(got.counters == counters, "counters \(got.counters), model \(counters)")
    check(got.entries.count == entries && got.samples.count == samples, "more entries or samples than lines")
}
