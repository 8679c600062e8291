/// What must hold of any prepared batch, whatever its lines were.
func checkStructure(_ p: PreparedBatch, raw: RawBatch, samplesMax: Int, importStartedAt_s: Int64) {
    check(p.seq == raw.seq && p.firstLine == raw.firstLine && p.lineCount == raw.lineCount
          && p.endOffset == raw.endOffset && p.isLast == raw.isLast && p.closesWindow == raw.closesWindow,
          "batch position not carried through")
    let c = p.counters
    check(c.linesRead == raw.lineCount, "linesRead \(c.linesRead) != lineCount \(raw.lineCount)")
    check(c.linesRead == c.valid + c.malformed + c.blank, "linesRead != valid + malformed + blank: \(c)")
    check(c.duplicates == 0 && c.newlySuppressed == 0 && c.alreadySuppressed == 0 && c.notSubscribed == 0,
          "the preparer counted what only the window and store can: \(c)")

    let s = p.suppressions
    check(s.entries.count == c.valid, "entries \(s.entries.count) != valid \(c.valid)")
    check(p.sortKeys.count == s.entries.count, "sortKeys \(p.sortKeys.count) != entries \(s.entries.count)")
    check(s.subscribed == nil, "subscription flags set before any look-up")
    let reasonBytesMax = BatchPreparer.reasonBytesMax + "hard bounce: ".utf8.count
    // Years 0000...9999 (and a leap second on the last day) are all the bounced_at form can say.
    let earliest = CivilCalendar.days(year: 0, month: 1, day: 1) * 86_400
    let latest = CivilCalendar.days(year: 9_999, month: 12, day: 31) * 86_400 + 86_400
    for (i, e) in s.entries.enumerated() {
        check(e.email.lowerBound >= 0 && e.email.upperBound <= s.bytes.count, "email range \(e.email) outside the arena")
        check(e.reason.lowerBound >= 0 && e.reason.upperBound <= s.bytes.count, "reason range \(e.reason) outside the arena")
        let email = Array(s.bytes[e.email]), reason = Array(s.bytes[e.reason])
        checkNormalised(email)
        check(p.sortKeys[i] == email.withUnsafeBufferPointer { SortKey($0) }, "sort key of entry \(i) is not its address's")
        check(!reason.isEmpty && reason.count <= reasonBytesMax, "reason of \(reason.count) bytes")
        check(isClassified(reason), "reason not classified: \(String(decoding: reason, as: UTF8.self))")
        check(e.suppressedAt_s == importStartedAt_s || (earliest...latest).contains(e.suppressedAt_s),
              "bounce time \(e.suppressedAt_s) outside what the format can express")
    }

    check(p.malformedSamples.count == min(c.malformed, samplesMax),
          "\(p.malformedSamples.count) samples for \(c.malformed) malformed lines, max \(samplesMax)")
    var previous = raw.firstLine - 1
    for m in p.malformedSamples {
        check(m.line > previous && m.line < raw.firstLine + raw.lineCount, "sample line \(m.line) out of order or range")
        check(AddressNormalizer.Problem(rawValue: m.problem) != nil, "unknown problem \(m.problem)")
        previous = m.line
    }
}

/// Normalising is idempotent: a stored key is already in the form it would be looked up under.
func checkNormalised(_ email: [UInt8]) {
    let text = String(decoding: email, as: UTF8.self)
    check(!email.isEmpty && email.count <= AddressNormalizer.addressBytesMax, "address of \(email.count) bytes")
    check(email.filter { $0 == UInt8(ascii: "@") }.count == 1, "not one '@': \(text)")
    check(!email.contains { $0 >= 0x41 && $0 <= 0x5a }, "upper case left in \(text)")
    var again: [UInt8] = []
    let problem = email.withUnsafeBufferPointer { AddressNormalizer.normalize($0[...], appendingTo: &again) }
    check(problem == nil && again == email, "\(text) does not normalise to itself: \(problem.map(\.rawValue) ?? text)")
}

/// Every stored reason says hard, soft or complaint, or is marked as the provider's own word.
func isClassified(_ reason: [UInt8]) -> Bool {
    let lowered = reason.prefix(4).map(AddressNormalizer.lower)
    return lowered == Array("hard".utf8) || lowered == Array("soft".utf8) || reason.starts(with: "bounce: ".utf8)
        || reason.prefix(9).map(AddressNormalizer.lower) == Array("complaint".utf8)
}
