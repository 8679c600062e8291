import Foundation

extension SuppressionImporter {
    /// The format of the file at `path`, told from its first bytes (`BounceFormatDetector`), or
    /// `forced`; a file that is none of them is refused before anything is read into the store.
    public static func format(of path: String, forced: BounceFormatName?) throws(ImportError) -> BounceFileFormat {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var prefix = [UInt8](repeating: 0, count: BounceFormatDetector.prefixBytes)
        var got = 0
        while got < prefix.count {
            let n = prefix.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, $0.count - got) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw .io("cannot read \(path): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            got += n
        }
        return try format(of: path, prefix: Array(prefix[..<got]), forced: forced)
    }

    static func format(of path: String, prefix: [UInt8], forced: BounceFormatName?) throws(ImportError) -> BounceFileFormat {
        switch BounceFormatDetector.detect(prefix: prefix, forced: forced) {
        case .success(let format): return format
        case .failure(let why): throw .unrecognizedFormat(path: path, why: why.message, forced: forced)
        }
    }

    /// The batches of the file from `from` (a line or record number, and where it starts) up to
    /// `stopAt` (the file's size, or a resume point for the replay before it).
    func makeReader(path: String, format: BounceFileFormat, from: (line: Int, offset: Int64), stopAt: Int64,
                    fileSize: Int64, firstWindowEndLine: Int? = nil) throws(ImportError) -> any BounceBatchSource {
        if case .json(let json) = format {
            return try JSONRecordReader(path: path, format: json, startOffset: from.offset, firstLine: from.line,
                                        stopOffset: stopAt, fileSize: fileSize, batchLines: options.batchLines,
                                        windowLines: options.windowLines, firstWindowEndLine: firstWindowEndLine,
                                        recordBytesMax: options.lineBytesMax)
        }
        return try BounceFileReader(path: path, startOffset: from.offset, firstLine: from.line, endOffset: stopAt,
                                    batchLines: options.batchLines, windowLines: options.windowLines,
                                    firstWindowEndLine: firstWindowEndLine, lineBytesMax: options.lineBytesMax)
    }
}
