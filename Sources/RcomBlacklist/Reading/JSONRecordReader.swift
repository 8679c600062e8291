import Foundation
import RcomCore

/// Streams a provider's JSON export as batches of records, one record per "line": the rest of
/// the importer (windows, checkpoints, resume) then works on record numbers exactly as it does
/// on line numbers. The document is never held whole: `JSONRecordScanner` finds each record's
/// bytes in the chunks as they are read, and the record is copied out with its newlines turned
/// into spaces (outside strings a newline is only whitespace, and a string cannot hold a raw
/// one), so that the batch's newlines separate records.
///
/// The scanner needs the document's structure from its start, so a resumed or replayed read
/// scans from byte 0 and skips the records that start before `startOffset`; the checkpoint's
/// offset is where the last committed record ends. A structural error (a truncated document, a
/// bracket that does not match) stops the import at its byte offset, before the window it is in
/// is applied; a record whose content is invalid JSON is reported malformed like a bad CSV line.
///
/// Memory: one chunk, the records of the batches cut in it (about a chunk), and one record of at
/// most `recordBytesMax` bytes; a longer one is replaced by a NUL byte, reported malformed.
final class JSONRecordReader: BounceBatchSource {
    let path: String
    let batchLines: Int
    let windowLines: Int
    let recordBytesMax: Int
    private let startOffset: Int64
    private let stopOffset: Int64
    private let file: ChunkedFile
    private var scanner: JSONRecordScanner
    private var windowEndLine: Int
    private var nextLine: Int
    private var nextSeq = 0
    /// The batch being filled: its records, newline-terminated.
    private var pending: [UInt8] = []
    private var starts: [Int64] = []
    private var linesInBatch = 0
    private var endOfLastRecord: Int64 = 0
    /// The batch is full; it is handed out when the next record starts (or the input ends), so
    /// that the batch holding the file's last record knows it is the last.
    private var cutPending: Bool?
    /// The record being copied: its start in the file, or nil between records.
    private var recordStart: Int64?
    private var recordSkipped = false
    /// Where the record being copied begins in `pending`.
    private var recordFrom = 0
    private var overlong = false
    private var ready: [RawBatch] = []
    private var readyHead = 0
    private var ended = false

    /// `startOffset`: records starting before it were read by an earlier run and are skipped;
    /// `firstLine` is the number of the first record at or after it. `stopOffset`: reading ends
    /// before the first record that ends past it (the whole file: its size, and the document must
    /// then be complete). `firstWindowEndLine` as for `BounceFileReader`.
    init(path: String, format: JSONBounceFormat, startOffset: Int64, firstLine: Int, stopOffset: Int64, fileSize: Int64,
         batchLines: Int, windowLines: Int, firstWindowEndLine: Int? = nil, recordBytesMax: Int) throws(ImportError) {
        precondition(batchLines > 0 && windowLines > 0 && recordBytesMax > 0)
        self.path = path
        self.batchLines = batchLines
        self.windowLines = windowLines
        self.recordBytesMax = recordBytesMax
        self.startOffset = startOffset
        self.stopOffset = stopOffset
        file = try ChunkedFile(path: path, startOffset: 0, endOffset: fileSize)
        scanner = JSONRecordScanner(layout: format.layout)
        windowEndLine = max(firstWindowEndLine ?? (firstLine + windowLines), firstLine + 1)
        nextLine = firstLine
        endOfLastRecord = startOffset
    }

    func next() throws(ImportError) -> RawBatch? {
        while readyHead == ready.count {
            ready.removeAll(keepingCapacity: true)
            readyHead = 0
            guard !ended else { return nil }
            try readChunk()
        }
        defer { readyHead += 1 }
        return ready[readyHead]
    }

    private func readChunk() throws(ImportError) {
        guard endOfLastRecord <= stopOffset, try file.fill() else {
            if file.fileOffset >= file.endOffset && stopOffset >= file.endOffset {
                do { try scanner.finish() } catch { throw .invalidDocument(path: path, error) }
            }
            finishInput()
            return
        }
        let base = scanner.offset
        var edges: [JSONRecordScanner.Edge] = []
        do {
            try file.chunk.withUnsafeBufferPointer { p throws(JSONSyntaxError) in
                try scanner.scan(p) { edges.append($0) }
            }
        } catch { throw .invalidDocument(path: path, error) }
        file.chunk.withUnsafeBufferPointer { p in
            var copiedTo = 0
            for edge in edges {
                switch edge {
                case .start(let i):
                    startRecord(at: base + Int64(i))
                    copiedTo = i
                case .end(let i):
                    if recordStart != nil && !recordSkipped { copy(p, copiedTo..<i) }
                    endRecord(at: base + Int64(i))
                }
                if ended { return }
            }
            if recordStart != nil && !recordSkipped { copy(p, copiedTo..<p.count) }
        }
    }

    private func startRecord(at offset: Int64) {
        recordStart = offset
        recordSkipped = offset < startOffset
        guard !recordSkipped else { return }
        if let closesWindow = cutPending { emit(closesWindow: closesWindow, isLast: false) }
        starts.append(offset)
        recordFrom = pending.count
        overlong = false
    }

    private func endRecord(at offset: Int64) {
        defer { recordStart = nil }
        guard !recordSkipped else { return }
        if offset > stopOffset {
            // Past the end of a replay: this record belongs to the part still to be imported.
            starts.removeLast()
            pending.removeSubrange(recordFrom...)
            finishInput()
            return
        }
        pending.append(0x0a)
        endOfLastRecord = offset
        linesInBatch += 1
        if nextLine + linesInBatch == windowEndLine { cutPending = true } else if linesInBatch == batchLines { cutPending = false }
    }

    /// Copies record bytes, newlines as spaces; an over-long record becomes one NUL byte.
    private func copy(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
        guard !overlong, !range.isEmpty else { return }
        if pending.count - recordFrom + range.count > recordBytesMax {
            pending.removeSubrange(recordFrom...)
            pending.append(0)
            overlong = true
            return
        }
        let from = pending.count
        pending.append(contentsOf: p[range])
        pending.withUnsafeMutableBufferPointer { b in
            var k = from
            while k < b.count, let hit = memchr(b.baseAddress! + k, 0x0a, b.count - k) {
                k = UnsafeRawPointer(b.baseAddress!).distance(to: UnsafeRawPointer(hit))
                b[k] = 0x20
                k += 1
            }
        }
    }

    private func finishInput() {
        ended = true
        if linesInBatch > 0 { emit(closesWindow: true, isLast: true) }
    }

    private func emit(closesWindow: Bool, isLast: Bool) {
        ready.append(RawBatch(seq: nextSeq, firstLine: nextLine, lineCount: linesInBatch, endOffset: endOfLastRecord,
                              isLast: isLast, closesWindow: closesWindow || isLast, bytes: pending, recordStarts: starts))
        if closesWindow { windowEndLine += windowLines }
        nextSeq += 1
        nextLine += linesInBatch
        linesInBatch = 0
        cutPending = nil
        pending = []
        pending.reserveCapacity(ready.last!.bytes.count)
        starts = []
    }
}
