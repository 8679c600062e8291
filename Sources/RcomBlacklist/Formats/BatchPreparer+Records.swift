import RcomStore

extension BatchPreparer {
    /// One record of a provider's JSON (a "line" of the batch): its addresses, each normalised
    /// and stored like a CSV line's, with the reason and time the record gives. A record that is
    /// not valid JSON, or lacks its address, is one malformed line; an address that does not
    /// normalise is one malformed address (a notification may carry several). `reader` is the
    /// batch's one `ProviderRecord`, its buffers reused from record to record.
    func prepareRecord(_ line: Slice<UnsafeBufferPointer<UInt8>>, format: JSONBounceFormat, number: Int, offset: Int64,
                       into batch: inout SuppressionBatch, keys: inout [SortKey], counters: inout ImportCounters,
                       skipped: inout SkippedRecords, samples: inout [MalformedLine], recentReasons: inout [Range<Int>],
                       defaultReason: Range<Int>, defaultAt: Int64, reader: inout ProviderRecord) {
        func malformed(_ problem: String) {
            counters.malformed += 1
            if samples.count < samplesMax { samples.append(MalformedLine(line: number, problem: problem, bytes: line)) }
        }
        if line.first == 0 { return malformed(AddressNormalizer.Problem.overlongLine.rawValue) }
        if let why = reader.read(format, record: UnsafeBufferPointer(rebasing: line)) {
            return malformed(offset >= 0 ? "\(why.message) (the record at byte \(offset))" : why.message)
        }
        skipped += reader.skipped
        reader.bytes.withUnsafeBufferPointer { text in
            for bounce in reader.bounces {
                let start = batch.bytes.count
                if let problem = AddressNormalizer.normalize(text[bounce.email], appendingTo: &batch.bytes) {
                    malformed(problem.rawValue)
                    continue
                }
                let range = start..<batch.bytes.count
                let stored = Self.storeReason(text[bounce.reason], in: &batch, fallback: defaultReason)
                let reason = stored == defaultReason ? stored : Self.shareReason(stored, in: &batch, recent: &recentReasons)
                counters.valid += 1
                keys.append(batch.bytes.withUnsafeBufferPointer { SortKey(UnsafeBufferPointer(rebasing: $0[range])) })
                batch.entries.append(SuppressionBatch.Entry(email: range, reason: reason, suppressedAt_s: bounce.at ?? defaultAt))
            }
        }
    }
}
