// libFuzzer target for the bounce-file parser (`rcom blacklist`). Built by scripts/fuzz-bounces
// with BatchPreparer and its pure dependencies as one module; SwiftPM never sees this file.
//
// Input: one config byte, then the file. The file goes through what the importer does with it:
// format detection on the first line, the reader's line batching (`ReaderModel`), then
// `BatchPreparer.prepare`. The result is checked three ways:
//   * structurally (`checkStructure`): counters, ranges, sort keys, sample bounds;
//   * against `LineModel`, an independent per-line statement of what each line must yield;
//   * differentially: the same file with CRLF line ends, and cut into batches of k lines, must
//     yield the same suppressions, counters and malformed lines.

/// What the config byte selects. Bits: 0-1 samplesMax, 2 plain list regardless of the first
/// line, 3 a tiny line limit (the reader's NUL stand-in), 4-6 lines per batch for the split run.
struct FuzzConfig {
    var samplesMax: Int
    var forceList: Bool
    var lineBytesMax: Int
    var splitLines: Int

    init(_ b: UInt8) {
        samplesMax = [0, 1, 3, 1_000][Int(b & 3)]
        forceList = b & 4 != 0
        lineBytesMax = b & 8 != 0 ? 40 : 64 * 1024
        splitLines = Int(b >> 4 & 7)
    }
}

func check(_ ok: Bool, _ what: @autoclosure () -> String) {
    if !ok { fatalError("invariant broken: \(what())") }
}

let importStartedAt_s: Int64 = 1_795_000_000

/// The bytes of the file after the header (if any), the format, and the data's first line number.
func shape(_ file: [UInt8], forceList: Bool) -> (format: BounceFileFormat, data: ArraySlice<UInt8>, firstLine: Int) {
    if forceList { return (.addressList, file[...], 1) }
    // As FileFingerprint: the first line without its newline, and without one trailing CR.
    let newline = file.firstIndex(of: 0x0a)
    var header = Array(file[..<(newline ?? file.count)].prefix(64 * 1024))
    if header.last == 0x0d { header.removeLast() }
    let format = BounceFileFormat.detect(firstLine: header)
    guard format.hasHeader else { return (format, file[...], 1) }
    return (format, file[((newline ?? file.count - 1) + 1)...], 2)
}

/// Every "\n" becomes "\r\n", and an unterminated last line gains a "\r" too, so every line is
/// exactly one byte longer (the line limit grows by one to match).
func withCRLF(_ data: ArraySlice<UInt8>) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(data.count * 2)
    for b in data {
        if b == 0x0a { out.append(0x0d) }
        out.append(b)
    }
    if let last = data.last, last != 0x0a { out.append(0x0d) }
    return out
}

struct RunResult {
    var entries: [(email: [UInt8], reason: [UInt8], at: Int64)] = []
    var counters = ImportCounters()
    var samples: [MalformedLine] = []
}

/// Reads and prepares `data` in batches of `batchLines`, checking each batch on its own.
func run(_ data: ArraySlice<UInt8>, format: BounceFileFormat, firstLine: Int, config: FuzzConfig,
         lineBytesMax: Int, batchLines: Int) -> RunResult {
    let preparer = BatchPreparer(format: format, importStartedAt_s: importStartedAt_s, samplesMax: config.samplesMax)
    let reader = ReaderModel(data: data, firstLine: firstLine, startOffset: 0, lineBytesMax: lineBytesMax)
    var result = RunResult()
    for raw in reader.batches(of: batchLines) {
        let prepared = preparer.prepare(raw)
        checkStructure(prepared, raw: raw, samplesMax: config.samplesMax, importStartedAt_s: importStartedAt_s)
        let s = prepared.suppressions
        for e in s.entries {
            result.entries.append((Array(s.bytes[e.email]), Array(s.bytes[e.reason]), e.suppressedAt_s))
        }
        result.counters = result.counters + prepared.counters
        result.samples += prepared.malformedSamples
    }
    return result
}

func same(_ a: RunResult, _ b: RunResult, samplesMax: Int, texts: Bool, _ what: String) {
    check(a.counters == b.counters, "\(what): counters \(a.counters) vs \(b.counters)")
    check(a.entries.count == b.entries.count, "\(what): entry counts")
    for (x, y) in zip(a.entries, b.entries) {
        check(x.email == y.email && x.reason == y.reason && x.at == y.at,
              "\(what): entry \(String(decoding: x.email, as: UTF8.self)) \(x.at) vs \(String(decoding: y.email, as: UTF8.self)) \(y.at)")
    }
    let sa = a.samples.prefix(samplesMax), sb = b.samples.prefix(samplesMax)
    check(sa.count == sb.count, "\(what): sample counts")
    for (x, y) in zip(sa, sb) {
        check(x.line == y.line && x.problem == y.problem && (!texts || x.text == y.text),
              "\(what): sample line \(x.line) \(x.problem) vs line \(y.line) \(y.problem)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ pointer: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let pointer, size > 0 else { return 0 }
    let config = FuzzConfig(pointer[0])
    let file = Array(UnsafeBufferPointer(start: pointer + 1, count: size - 1))
    let (format, data, firstLine) = shape(file, forceList: config.forceList)

    let whole = run(data, format: format, firstLine: firstLine, config: config,
                    lineBytesMax: config.lineBytesMax, batchLines: Int.max)
    let lines = ReaderModel(data: data, firstLine: firstLine, startOffset: 0, lineBytesMax: config.lineBytesMax).lines
    checkAgainstModel(whole, lines: lines, firstLine: firstLine, format: format, samplesMax: config.samplesMax)

    let crlf = withCRLF(data)
    let crlfRun = run(crlf[...], format: format, firstLine: firstLine, config: config,
                      lineBytesMax: config.lineBytesMax + 1, batchLines: Int.max)
    same(whole, crlfRun, samplesMax: config.samplesMax, texts: false, "CRLF")

    if config.splitLines > 0 {
        let split = run(data, format: format, firstLine: firstLine, config: config,
                        lineBytesMax: config.lineBytesMax, batchLines: config.splitLines)
        same(whole, split, samplesMax: config.samplesMax, texts: true, "split into \(config.splitLines)-line batches")
    }
    return 0
}
