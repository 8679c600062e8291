// libFuzzer target for the `rcom send --batch` CSV reader. Built by scripts/fuzz-send-csv with
// LineReader, CSVRecords and CSVLine as one module; SwiftPM never sees this file.
//
// Input: one config byte, then the file. The file is written to an in-memory scratch file and
// read back through the real LineReader and CSVRecords, as BatchFeed reads it. Checked:
//   * against `modelRecords`, record by record: count, fields, text, line, truncated;
//   * structurally: line numbers increase, truncated records have no fields;
//   * round trip: each record's fields, re-encoded as RFC 4180, parse back to themselves;
//   * differentially: the file with every bare LF as CRLF yields the same records.
import Foundation

/// Set per input; the build turns the reader's 64 KiB chunk size into this.
nonisolated(unsafe) var fuzzChunkBytes = 64 * 1024

/// Bits 0-1 the read chunk size, 2-3 the line bound. Small values put chunk edges and the bound
/// inside inputs of a few hundred bytes; the real 64 KiB is kept as one choice of each.
struct FuzzConfig {
    var chunkBytes: Int
    var lineBytesMax: Int

    init(_ b: UInt8) {
        chunkBytes = [64 * 1024, 1, 7, 64][Int(b & 3)]
        lineBytesMax = [64 * 1024, 8, 33, 200][Int(b >> 2 & 3)]
    }
}

func check(_ ok: Bool, _ what: @autoclosure () -> String) {
    if !ok { fatalError("invariant broken: \(what())") }
}

/// The scratch file lives in memory (POSIX shared memory, unlinked at once), one per process,
/// and is opened by path through /proc as the real LineReader opens a batch file. A file in /tmp
/// (ext4 here) cost a truncate and a writeback on every close, most of the time of an execution
/// (perf, 2026-12-08), and was left behind after every run.
let scratchFD: Int32 = {
    let name = "/rcom-send-csv-fuzz-\(getpid())"
    let fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0o600)
    check(fd >= 0, "shm_open \(name) failed: errno \(errno)")
    shm_unlink(name)
    return fd
}()
let scratchPath = "/proc/self/fd/\(scratchFD)"

func readRecords(_ file: [UInt8]) -> [CSVRecords.Record] {
    check(ftruncate(scratchFD, 0) == 0, "cannot truncate \(scratchPath)")
    let written = file.withUnsafeBytes { pwrite(scratchFD, $0.baseAddress, $0.count, 0) }
    check(written == file.count, "short write to \(scratchPath)")
    guard let reader = LineReader(path: scratchPath) else { fatalError("cannot read \(scratchPath)") }
    let records = CSVRecords(reader)
    var out: [CSVRecords.Record] = []
    while let r = records.next() { out.append(r) }
    check(records.next() == nil, "records after the end")
    return out
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// Byte for byte: String's == would call precomposed and decomposed accents equal.
func same(_ a: [String]?, _ b: [[UInt8]]?) -> Bool {
    guard let a, let b else { return a == nil && b == nil }
    return a.map(bytes) == b
}

func show(_ f: [String]?) -> String { f.map { "\($0.map { Array($0.unicodeScalars) })" } ?? "nil" }

func checkRecords(_ got: [CSVRecords.Record], _ file: [UInt8], _ config: FuzzConfig) {
    let want = modelRecords(file, lineBytesMax: config.lineBytesMax)
    check(got.count == want.count, "\(got.count) records, model \(want.count)")
    var previous = 0
    for (g, w) in zip(got, want) {
        let at = "record at line \(g.line)"
        check(g.line > previous, "\(at) after one at line \(previous)")
        previous = g.line
        check(g.line == w.line, "\(at), model at line \(w.line)")
        check(g.truncated == w.truncated, "\(at): truncated \(g.truncated), model \(w.truncated)")
        check(!g.truncated || g.fields == nil, "\(at): truncated but parsed")
        check(bytes(g.text) == w.text, "\(at): text \(Array(g.text.utf8)), model \(w.text)")
        check(same(g.fields, w.fields), "\(at): fields \(show(g.fields)), model \(w.fields.map { "\($0)" } ?? "nil")")
        if let fields = g.fields {
            let encoded = String(decoding: encodeRecord(fields.map(bytes)), as: UTF8.self)
            let again = try? CSVLine.fields(Substring(encoded)).get()
            check(same(again, fields.map(bytes)), "\(at): \(show(fields)) re-encoded parse as \(show(again))")
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ pointer: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let pointer, size > 0 else { return 0 }
    let config = FuzzConfig(pointer[0])
    fuzzChunkBytes = config.chunkBytes
    LineReader.lineBytesMax = config.lineBytesMax
    let file = Array(UnsafeBufferPointer(start: pointer + 1, count: size - 1))

    let got = readRecords(file)
    checkRecords(got, file, config)

    var crlf: [UInt8] = []
    // A line already ending in CRLF keeps it: a second CR would be content.
    for b in file {
        if b == 0x0a && crlf.last != 0x0d { crlf.append(0x0d) }
        crlf.append(b)
    }
    let again = readRecords(crlf)
    check(again.count == got.count, "CRLF: \(again.count) records, LF \(got.count)")
    for (a, g) in zip(again, got) {
        check(a.line == g.line && a.truncated == g.truncated && bytes(a.text) == bytes(g.text) && same(a.fields, g.fields?.map(bytes)),
              "CRLF: record at line \(a.line) differs from LF's at line \(g.line)")
    }
    return 0
}
