import Foundation

/// Streams a bounce file as batches of whole lines, from a byte offset that starts a line up to
/// a fixed end offset (the fingerprinted size, so an append during the run is not half-read).
///
/// Memory is bounded by one read chunk plus one batch of `lineBytesMax`-long lines. A line longer
/// than `lineBytesMax` is not buffered: it is replaced by a single NUL byte, which the parser
/// reports as an over-long malformed line, and its bytes are skipped up to the next newline.
final class BounceFileReader: BounceBatchSource {
    let batchLines: Int
    let windowLines: Int
    let lineBytesMax: Int
    /// The line after the current sort window; a batch is cut there.
    private var windowEndLine: Int
    private let file: ChunkedFile
    private let endOffset: Int64
    private var chunk: [UInt8] = []
    private var chunkPos = 0
    private var pending: [UInt8] = []
    private var lineStart = 0
    private var linesInBatch = 0
    private var skipping = false
    private var consumed: Int64
    private var nextLine: Int
    private var nextSeq = 0

    /// `firstWindowEndLine` (default: `windowLines` after `firstLine`) lets a resumed import cut
    /// its first window exactly where the interrupted run did.
    init(path: String, startOffset: Int64, firstLine: Int, endOffset: Int64, batchLines: Int,
         windowLines: Int, firstWindowEndLine: Int? = nil, lineBytesMax: Int) throws(ImportError) {
        precondition(batchLines > 0 && windowLines > 0 && lineBytesMax > 0)
        file = try ChunkedFile(path: path, startOffset: startOffset, endOffset: endOffset)
        self.batchLines = batchLines
        self.windowLines = windowLines
        windowEndLine = max(firstWindowEndLine ?? (firstLine + windowLines), firstLine + 1)
        self.lineBytesMax = lineBytesMax
        self.endOffset = endOffset
        consumed = startOffset
        nextLine = firstLine
    }

    /// The next batch, or nil at the end.
    func next() throws(ImportError) -> RawBatch? {
        while true {
            if chunkPos == chunk.count {
                guard try fill() else { break }
            }
            let newline: Int? = chunk.withUnsafeBufferPointer { p in
                guard let base = p.baseAddress,
                      let hit = memchr(base + chunkPos, 0x0a, p.count - chunkPos) else { return nil }
                return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
            }
            let segmentEnd = newline ?? chunk.count
            if !skipping {
                pending.append(contentsOf: chunk[chunkPos..<segmentEnd])
                if pending.count - lineStart > lineBytesMax {
                    pending.removeSubrange(lineStart...)
                    pending.append(0)
                    skipping = true
                }
            }
            consumed += Int64(segmentEnd - chunkPos)
            chunkPos = segmentEnd
            guard newline != nil else { continue }
            pending.append(0x0a)
            consumed += 1
            chunkPos += 1
            skipping = false
            linesInBatch += 1
            lineStart = pending.count
            if nextLine + linesInBatch == windowEndLine { return emit(closesWindow: true) }
            if linesInBatch == batchLines { return emit(closesWindow: false) }
        }
        if pending.count > lineStart { linesInBatch += 1 }
        return linesInBatch > 0 ? emit(closesWindow: true) : nil
    }

    private func emit(closesWindow: Bool) -> RawBatch {
        let isLast = consumed >= endOffset
        let batch = RawBatch(seq: nextSeq, firstLine: nextLine, lineCount: linesInBatch, endOffset: consumed,
                             isLast: isLast, closesWindow: closesWindow || isLast, bytes: pending)
        if closesWindow { windowEndLine += windowLines }
        nextSeq += 1
        nextLine += linesInBatch
        linesInBatch = 0
        pending = []
        pending.reserveCapacity(batch.bytes.count)
        lineStart = 0
        return batch
    }

    /// Reads the next chunk; false at the end offset.
    private func fill() throws(ImportError) -> Bool {
        chunk = []  // the file's buffer is then not shared, and is refilled in place
        chunkPos = 0
        guard try file.fill() else { return false }
        chunk = file.chunk
        return true
    }
}
