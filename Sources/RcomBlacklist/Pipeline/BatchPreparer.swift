import Foundation
import RcomCore
import RcomStore

/// Turns raw lines into a `PreparedBatch`: parse, normalise, classify the reason, compute each
/// address's sort key. Pure and thread-safe, so any number of workers can run it at once.
struct BatchPreparer: Sendable {
    let format: BounceFileFormat
    /// Stamps lines whose file gives no valid bounce time (Unix seconds).
    let importStartedAt_s: Int64
    let samplesMax: Int

    static let reasonBytesMax = 500
    static let listReason = "hard bounce"

    private struct Candidate {
        var email: Range<Int>
        var reason: Range<Int>
        var at: Int64
    }

    func prepare(_ raw: RawBatch) -> PreparedBatch {
        var batch = SuppressionBatch()
        batch.bytes.reserveCapacity(raw.bytes.count + raw.bytes.count / 2)
        let defaultReason = batch.store(Self.listReason.utf8)
        let defaultAt = importStartedAt_s
        var recentReasons: [Range<Int>] = []
        // In line order: the window sorts all its batches' addresses at once (and drops repeats
        // then), so sorting each batch here would only do part of that work twice.
        var keys: [SortKey] = []
        keys.reserveCapacity(raw.lineCount)
        batch.entries.reserveCapacity(raw.lineCount)
        var counters = ImportCounters()
        var samples: [MalformedLine] = []
        var scratch: [UInt8] = []
        var skipped = SkippedRecords()
        var reader = ProviderRecord()
        var recordIndex = 0

        raw.bytes.withUnsafeBufferPointer { p in
            var lineStart = 0
            var lineNumber = raw.firstLine
            while lineStart < p.count {
                let lineEnd = memchr(p.baseAddress! + lineStart, 0x0a, p.count - lineStart)
                    .map { UnsafeRawPointer(p.baseAddress!).distance(to: UnsafeRawPointer($0)) } ?? p.count
                let line = p[lineStart..<lineEnd]
                defer { lineStart = lineEnd + 1; lineNumber += 1 }
                counters.linesRead += 1
                if case .json(let json) = format {
                    let start = recordIndex < raw.recordStarts.count ? raw.recordStarts[recordIndex] : -1
                    recordIndex += 1
                    prepareRecord(line, format: json, number: lineNumber, offset: start, into: &batch, keys: &keys,
                                  counters: &counters, skipped: &skipped, samples: &samples,
                                  recentReasons: &recentReasons, defaultReason: defaultReason, defaultAt: defaultAt,
                                  reader: &reader)
                    continue
                }
                if line.allSatisfy(AddressNormalizer.isBlank) { counters.blank += 1; continue }
                let outcome = parse(line, into: &batch, scratch: &scratch, recentReasons: &recentReasons,
                                    defaultReason: defaultReason, defaultAt: defaultAt)
                switch outcome {
                case .failure(let problem):
                    counters.malformed += 1
                    if samples.count < samplesMax {
                        samples.append(MalformedLine(line: lineNumber, problem: problem, bytes: line))
                    }
                case .success(let c):
                    counters.valid += 1
                    keys.append(batch.bytes.withUnsafeBufferPointer { SortKey(UnsafeBufferPointer(rebasing: $0[c.email])) })
                    batch.entries.append(SuppressionBatch.Entry(email: c.email, reason: c.reason, suppressedAt_s: c.at))
                }
            }
        }

        return PreparedBatch(seq: raw.seq, firstLine: raw.firstLine, lineCount: raw.lineCount,
                             endOffset: raw.endOffset, isLast: raw.isLast, closesWindow: raw.closesWindow,
                             suppressions: batch,
                             sortKeys: keys, counters: counters, skipped: skipped, malformedSamples: samples)
    }

    private func parse(_ line: Slice<UnsafeBufferPointer<UInt8>>, into batch: inout SuppressionBatch,
                       scratch: inout [UInt8], recentReasons: inout [Range<Int>],
                       defaultReason: Range<Int>, defaultAt: Int64)
        -> Result<Candidate, AddressNormalizer.Problem> {
        if line.first == 0 { return .failure(.overlongLine) }
        guard case .csv(let columns) = format else {
            let start = batch.bytes.count
            if let problem = AddressNormalizer.normalize(line, appendingTo: &batch.bytes) { return .failure(problem) }
            return .success(Candidate(email: start..<batch.bytes.count, reason: defaultReason, at: defaultAt))
        }
        var email: Range<Int>? = nil
        var reason = defaultReason, at = defaultAt
        // A provider's CSV with a status column: its reason and status are gathered, then joined.
        var providerText: (reason: [UInt8], status: [UInt8])? = columns.status == nil ? nil : ([], [])
        let record = UnsafeBufferPointer(rebasing: line)
        var column = 0, fieldStart = 0
        let lastColumn = columns.lastColumn
        while column <= lastColumn, fieldStart <= record.count {
            let field: CSVField.Bounds
            do { field = try CSVField.bounds(record, from: fieldStart, policy: .lenient) }
            catch { return .failure(.unterminatedQuote) }
            defer { column += 1; fieldStart = field.end + 1 }
            guard column == columns.email || column == columns.reason || column == columns.time
                    || column == columns.status else { continue }
            var problem: AddressNormalizer.Problem?
            if field.escaped {
                scratch.removeAll(keepingCapacity: true)
                CSVField.text(record, field, into: &scratch)
                problem = scratch.withUnsafeBufferPointer { text in
                    take(text[...], column: column, columns: columns, batch: &batch, providerText: &providerText,
                         recentReasons: &recentReasons, defaultReason: defaultReason,
                         email: &email, reason: &reason, at: &at)
                }
            } else {
                problem = take(record[field.content], column: column, columns: columns, batch: &batch,
                               providerText: &providerText, recentReasons: &recentReasons, defaultReason: defaultReason,
                               email: &email, reason: &reason, at: &at)
            }
            if let problem { return .failure(problem) }
        }
        guard let email else { return .failure(.empty) }
        if let providerText {
            var text = ProviderRecord.joined(status: String(decoding: providerText.status, as: UTF8.self),
                                             text: String(decoding: providerText.reason, as: UTF8.self))
            reason = Self.storeReason(text: &text, in: &batch, fallback: defaultReason, recent: &recentReasons)
        }
        return .success(Candidate(email: email, reason: reason, at: at))
    }

    /// Stores one CSV field of interest, or says why the line is malformed.
    private func take(_ text: Slice<UnsafeBufferPointer<UInt8>>, column: Int, columns: BounceFileFormat.CSVColumns,
                      batch: inout SuppressionBatch, providerText: inout (reason: [UInt8], status: [UInt8])?,
                      recentReasons: inout [Range<Int>], defaultReason: Range<Int>,
                      email: inout Range<Int>?, reason: inout Range<Int>, at: inout Int64) -> AddressNormalizer.Problem? {
        if column == columns.email {
            let start = batch.bytes.count
            if let problem = AddressNormalizer.normalize(text, appendingTo: &batch.bytes) { return problem }
            email = start..<batch.bytes.count
        } else if column == columns.reason {
            if providerText != nil {
                providerText!.reason = Array(text)
            } else {
                reason = Self.storeReason(text, in: &batch, fallback: defaultReason)
                if reason != defaultReason { reason = Self.shareReason(reason, in: &batch, recent: &recentReasons) }
            }
        } else if column == columns.status {
            providerText?.status = Array(text)
        } else if column == columns.time,
                  let seconds = columns.strictTime ? Self.utcSeconds(text) : ProviderTime.seconds(text) {
            at = seconds
        }
        return nil
    }

    /// A reason composed as text (a provider's record), stored and shared like a CSV field's.
    static func storeReason(text: inout String, in batch: inout SuppressionBatch, fallback: Range<Int>,
                            recent: inout [Range<Int>]) -> Range<Int> {
        let stored = text.withUTF8 { storeReason($0[...], in: &batch, fallback: fallback) }
        return stored == fallback ? stored : shareReason(stored, in: &batch, recent: &recent)
    }

    /// "550 ..." is a hard bounce and "4xx ..." a soft one (SMTP reply classes); a reason that
    /// already says hard/soft, or that it is a complaint, is kept as it is; anything else is the provider's word, kept verbatim.
    static func storeReason(_ text: Slice<UnsafeBufferPointer<UInt8>>, in batch: inout SuppressionBatch,
                            fallback: Range<Int>) -> Range<Int> {
        let trimmed = AddressNormalizer.trimmingBlanks(text)
        let lo = trimmed.startIndex, hi = trimmed.endIndex
        guard lo < hi else { return fallback }
        var cut = min(hi, lo + reasonBytesMax)
        // Never cut a UTF-8 sequence in half.
        while cut < hi, cut > lo, text[cut] & 0xc0 == 0x80 { cut -= 1 }
        let body = text[lo..<cut]
        let start = batch.bytes.count
        if startsWithHardOrSoft(body) {
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

    /// "hard", "soft" or "complaint" in any case, on bytes: this runs once per line.
    static func startsWithHardOrSoft(_ body: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        guard body.count >= 4 else { return false }
        var word: UInt32 = 0
        for b in body.prefix(4) { word = word << 8 | UInt32(AddressNormalizer.lower(b)) }
        if word == 0x6861_7264 || word == 0x736f_6674 { return true }  // "hard", "soft"
        return word == 0x636f_6d70 && body.count >= 9  // "comp": a complaint
            && body.dropFirst(4).prefix(5).map(AddressNormalizer.lower).elementsEqual("laint".utf8)
    }

    /// Reasons repeat: when the one just stored equals a recent one, drop the copy and point at
    /// the earlier bytes. Bound: the `recentReasonsMax` most recent distinct reasons are compared.
    static let recentReasonsMax = 8

    static func shareReason(_ stored: Range<Int>, in batch: inout SuppressionBatch,
                            recent: inout [Range<Int>]) -> Range<Int> {
        guard stored.upperBound == batch.bytes.count else { return stored }
        let match = batch.bytes.withUnsafeBufferPointer { p in
            recent.first { earlier in
                earlier.count == stored.count
                    && memcmp(p.baseAddress! + earlier.lowerBound, p.baseAddress! + stored.lowerBound, stored.count) == 0
            }
        }
        if let match {
            batch.bytes.removeSubrange(stored)
            return match
        }
        if recent.count == recentReasonsMax { recent.removeFirst() }
        recent.append(stored)
        return stored
    }

    /// Unix seconds of exactly `YYYY-MM-DDTHH:MM:SSZ` naming a real day; nil for any other form,
    /// which then takes the import time rather than a guess. Blanks around it are dropped as
    /// around every field: the CR of a CRLF line end lands here when bounced_at is last.
    static func utcSeconds(_ field: Slice<UnsafeBufferPointer<UInt8>>) -> Int64? {
        let t = UnsafeBufferPointer(rebasing: AddressNormalizer.trimmingBlanks(field))
        guard t.count == 20, t[4] == UInt8(ascii: "-"), t[7] == UInt8(ascii: "-"), t[10] == UInt8(ascii: "T"),
              t[13] == UInt8(ascii: ":"), t[16] == UInt8(ascii: ":"), t[19] == UInt8(ascii: "Z") else { return nil }
        func number(_ from: Int, _ count: Int) -> Int? {
            var v = 0
            for i in from..<(from + count) {
                let d = Int(t[i]) - 48
                guard d >= 0 && d <= 9 else { return nil }
                v = v * 10 + d
            }
            return v
        }
        guard let y = number(0, 4), let mo = number(5, 2), let d = number(8, 2),
              let h = number(11, 2), let mi = number(14, 2), let s = number(17, 2),
              (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61 else { return nil }
        // A day that does not exist (31 February) is no time.
        guard let days = CivilCalendar.validatedDays(year: Int64(y), month: Int64(mo), day: Int64(d)) else { return nil }
        return days * 86_400 + Int64(h * 3_600 + mi * 60 + s)
    }

    /// memcmp order, which is SQLite's BINARY collation and so the index's order.
    @inline(__always)
    static func compare(_ arena: UnsafeBufferPointer<UInt8>, _ a: Range<Int>, _ b: Range<Int>) -> Int {
        let n = min(a.count, b.count)
        let order = n == 0 ? 0 : Int(memcmp(arena.baseAddress! + a.lowerBound, arena.baseAddress! + b.lowerBound, n))
        return order != 0 ? order : a.count - b.count
    }
}
