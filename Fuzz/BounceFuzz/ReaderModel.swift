/// BounceFileReader's batching without the file: lines end at "\n" (kept in the batch), a last
/// line without one is allowed, and a line longer than `lineBytesMax` becomes a single NUL byte.
struct ReaderModel {
    /// Each line as the parser receives it (no newline), and whether a newline followed it.
    var lines: [(bytes: [UInt8], newline: Bool)] = []
    let firstLine: Int
    let startOffset: Int
    /// File offset just past each line, as read.
    private var ends: [Int] = []

    init(data: ArraySlice<UInt8>, firstLine: Int, startOffset: Int, lineBytesMax: Int) {
        self.firstLine = firstLine
        self.startOffset = startOffset
        var start = data.startIndex
        while start < data.endIndex {
            let newline = data[start...].firstIndex(of: 0x0a)
            let end = newline ?? data.endIndex
            let content = end - start > lineBytesMax ? [0] : Array(data[start..<end])
            lines.append((content, newline != nil))
            start = newline.map { $0 + 1 } ?? end
            ends.append(startOffset + start - data.startIndex)
        }
    }

    func batches(of batchLines: Int) -> [RawBatch] {
        var out: [RawBatch] = []
        var i = 0
        while i < lines.count {
            let n = min(batchLines, lines.count - i)
            var bytes: [UInt8] = []
            for line in lines[i..<(i + n)] {
                bytes += line.bytes
                if line.newline { bytes.append(0x0a) }
            }
            let isLast = i + n == lines.count
            out.append(RawBatch(seq: out.count, firstLine: firstLine + i, lineCount: n,
                                endOffset: Int64(ends[i + n - 1]), isLast: isLast, closesWindow: isLast, bytes: bytes))
            i += n
        }
        return out
    }
}
