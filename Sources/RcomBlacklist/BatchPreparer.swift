import RcomStore

/// Turns raw lines into a `PreparedBatch`: parse, normalise, classify the reason, drop repeats
/// within the batch (the earliest line wins), sort by address. Pure and thread-safe, so any
/// number of workers can run it at once.
struct BatchPreparer: Sendable {
    let format: BounceFileFormat
    /// Stamps lines whose file gives no valid bounce time (ISO 8601 UTC).
    let importStartedAt: String
    let samplesMax: Int

    static let reasonBytesMax = 500
    static let listReason = "hard bounce"

    private struct Candidate {
        var email: Range<Int>
        var reason: Range<Int>
        var at: Range<Int>
        var ordinal: Int
    }

    func prepare(_ raw: RawBatch) -> PreparedBatch {
        var batch = SuppressionBatch()
        batch.bytes.reserveCapacity(raw.bytes.count + raw.bytes.count / 2)
        let defaultReason = batch.store(Self.listReason.utf8)
        let defaultAt = batch.store(importStartedAt.utf8)
        var candidates: [Candidate] = []
        candidates.reserveCapacity(raw.lineCount)
        var counters = ImportCounters()
        var samples: [MalformedLine] = []
        var scratch: [UInt8] = []

        raw.bytes.withUnsafeBufferPointer { p in
            var lineStart = 0
            var lineNumber = raw.firstLine
            while lineStart < p.count {
                var lineEnd = lineStart
                while lineEnd < p.count, p[lineEnd] != 0x0a { lineEnd += 1 }
                let line = p[lineStart..<lineEnd]
                defer { lineStart = lineEnd + 1; lineNumber += 1 }
                counters.linesRead += 1
                if line.allSatisfy(AddressNormalizer.isBlank) { counters.blank += 1; continue }
                let outcome = parse(line, into: &batch, scratch: &scratch,
                                    defaultReason: defaultReason, defaultAt: defaultAt)
                switch outcome {
                case .failure(let problem):
                    counters.malformed += 1
                    if samples.count < samplesMax {
                        samples.append(MalformedLine(line: lineNumber, problem: problem, bytes: line))
                    }
                case .success(var candidate):
                    counters.valid += 1
                    candidate.ordinal = candidates.count
                    candidates.append(candidate)
                }
            }
        }

        var hashes: [UInt64] = []
        batch.bytes.withUnsafeBufferPointer { arena in
            candidates.sort { a, b in
                let order = Self.compare(arena, a.email, b.email)
                return order != 0 ? order < 0 : a.ordinal < b.ordinal
            }
            batch.entries.reserveCapacity(candidates.count)
            hashes.reserveCapacity(candidates.count)
            var previous: Range<Int>? = nil
            for c in candidates {
                // Sorted with ties in line order, so the first of equal addresses is the earliest line.
                if let previous, Self.compare(arena, previous, c.email) == 0 {
                    counters.duplicates += 1
                    continue
                }
                previous = c.email
                batch.entries.append(SuppressionBatch.Entry(email: c.email, reason: c.reason, suppressedAt: c.at))
                hashes.append(AddressSet.hash(UnsafeBufferPointer(rebasing: arena[c.email])))
            }
        }
        return PreparedBatch(seq: raw.seq, firstLine: raw.firstLine, lineCount: raw.lineCount,
                             endOffset: raw.endOffset, isLast: raw.isLast, suppressions: batch,
                             hashes: hashes, counters: counters, malformedSamples: samples)
    }

    private func parse(_ line: Slice<UnsafeBufferPointer<UInt8>>, into batch: inout SuppressionBatch,
                       scratch: inout [UInt8], defaultReason: Range<Int>, defaultAt: Range<Int>)
        -> Result<Candidate, AddressNormalizer.Problem> {
        if line.first == 0 { return .failure(.overlongLine) }
        guard case .csv(let emailColumn, let reasonColumn, let atColumn) = format else {
            let start = batch.bytes.count
            if let problem = AddressNormalizer.normalize(line, appendingTo: &batch.bytes) { return .failure(problem) }
            return .success(Candidate(email: start..<batch.bytes.count, reason: defaultReason, at: defaultAt, ordinal: 0))
        }
        var email: Range<Int>? = nil
        var reason = defaultReason, at = defaultAt
        let record = UnsafeBufferPointer(rebasing: line)
        var column = 0, fieldStart = 0
        let lastColumn = max(emailColumn, reasonColumn ?? 0, atColumn ?? 0)
        while column <= lastColumn, fieldStart <= record.count {
            scratch.removeAll(keepingCapacity: true)
            let fieldEnd: Int
            do { fieldEnd = try CSVRecord.scanField(record, from: fieldStart, into: &scratch) }
            catch { return .failure(.unterminatedQuote) }
            if column == emailColumn {
                let start = batch.bytes.count
                let problem = scratch.withUnsafeBufferPointer { AddressNormalizer.normalize($0[...], appendingTo: &batch.bytes) }
                if let problem { return .failure(problem) }
                email = start..<batch.bytes.count
            } else if column == reasonColumn {
                reason = Self.storeReason(scratch, in: &batch, fallback: defaultReason)
            } else if column == atColumn, Self.isUTCTimestamp(scratch) {
                at = batch.store(scratch)
            }
            column += 1
            fieldStart = fieldEnd + 1
        }
        guard let email else { return .failure(.empty) }
        return .success(Candidate(email: email, reason: reason, at: at, ordinal: 0))
    }

    /// "550 ..." is a hard bounce and "4xx ..." a soft one (SMTP reply classes); a reason that
    /// already says hard/soft is kept as it is; anything else is the provider's word, kept verbatim.
    static func storeReason(_ text: [UInt8], in batch: inout SuppressionBatch, fallback: Range<Int>) -> Range<Int> {
        var lo = 0, hi = text.count
        while lo < hi, AddressNormalizer.isBlank(text[lo]) { lo += 1 }
        while hi > lo, AddressNormalizer.isBlank(text[hi - 1]) { hi -= 1 }
        guard lo < hi else { return fallback }
        var cut = min(hi, lo + reasonBytesMax)
        // Never cut a UTF-8 sequence in half.
        while cut < hi, cut > lo, text[cut] & 0xc0 == 0x80 { cut -= 1 }
        let body = text[lo..<cut]
        let lowerPrefix = String(decoding: body.prefix(4), as: UTF8.self).lowercased()
        let start = batch.bytes.count
        if lowerPrefix == "hard" || lowerPrefix == "soft" {
            batch.bytes.append(contentsOf: body)
        } else if body.first == UInt8(ascii: "5") {
            batch.bytes.append(contentsOf: "hard bounce: ".utf8)
            batch.bytes.append(contentsOf: body)
        } else if body.first == UInt8(ascii: "4") {
            batch.bytes.append(contentsOf: "soft bounce: ".utf8)
            batch.bytes.append(contentsOf: body)
        } else {
            batch.bytes.append(contentsOf: "bounce: ".utf8)
            batch.bytes.append(contentsOf: body)
        }
        return start..<batch.bytes.count
    }

    /// Exactly `YYYY-MM-DDTHH:MM:SSZ`; other forms fall back to the import time rather than
    /// storing times that do not sort.
    static func isUTCTimestamp(_ t: [UInt8]) -> Bool {
        guard t.count == 20 else { return false }
        for (i, b) in t.enumerated() {
            switch i {
            case 4, 7: if b != UInt8(ascii: "-") { return false }
            case 10: if b != UInt8(ascii: "T") { return false }
            case 13, 16: if b != UInt8(ascii: ":") { return false }
            case 19: if b != UInt8(ascii: "Z") { return false }
            default: if b < UInt8(ascii: "0") || b > UInt8(ascii: "9") { return false }
            }
        }
        return true
    }

    /// memcmp order, which is SQLite's BINARY collation and so the index's order.
    @inline(__always)
    static func compare(_ arena: UnsafeBufferPointer<UInt8>, _ a: Range<Int>, _ b: Range<Int>) -> Int {
        let n = min(a.count, b.count)
        for i in 0..<n {
            let x = arena[a.lowerBound + i], y = arena[b.lowerBound + i]
            if x != y { return x < y ? -1 : 1 }
        }
        return a.count - b.count
    }
}
