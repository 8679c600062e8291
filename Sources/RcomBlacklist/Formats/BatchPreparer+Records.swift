import RcomStore

extension BatchPreparer {
    /// One record of a provider's JSON (a "line" of the batch): its addresses, each normalised
    /// and stored like a CSV line's, with the reason and time the record gives. A record that is
    /// not valid JSON, or lacks its address, is one malformed line; an address that does not
    /// normalise is one malformed address (a notification may carry several).
    func prepareRecord(_ line: Slice<UnsafeBufferPointer<UInt8>>, format: JSONBounceFormat, number: Int, offset: Int64,
                       into batch: inout SuppressionBatch, keys: inout [SortKey], counters: inout ImportCounters,
                       skipped: inout SkippedRecords, samples: inout [MalformedLine], recentReasons: inout [Range<Int>],
                       defaultReason: Range<Int>, defaultAt: Int64) {
        func malformed(_ problem: String) {
            counters.malformed += 1
            if samples.count < samplesMax { samples.append(MalformedLine(line: number, problem: problem, bytes: line)) }
        }
        if line.first == 0 { return malformed(AddressNormalizer.Problem.overlongLine.rawValue) }
        let record: ProviderRecord
        switch ProviderRecord.read(format, record: Array(line)) {
        case .success(let r): record = r
        case .failure(let why): return malformed(offset >= 0 ? "\(why.message) (the record at byte \(offset))" : why.message)
        }
        skipped += record.skipped
        for bounce in record.bounces {
            let start = batch.bytes.count
            var email = bounce.email
            let problem = email.withUTF8 { AddressNormalizer.normalize($0[...], appendingTo: &batch.bytes) }
            if let problem { malformed(problem.rawValue); continue }
            let range = start..<batch.bytes.count
            var text = bounce.reason
            let reason = Self.storeReason(text: &text, in: &batch, fallback: defaultReason, recent: &recentReasons)
            counters.valid += 1
            keys.append(batch.bytes.withUnsafeBufferPointer { SortKey(UnsafeBufferPointer(rebasing: $0[range])) })
            batch.entries.append(SuppressionBatch.Entry(email: range, reason: reason, suppressedAt_s: bounce.at ?? defaultAt))
        }
    }

}
