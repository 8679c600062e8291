// libFuzzer target: HTTPRequestDecoder against the independent model of the verdict table
// (HTTPDiffModel.swift). Built by scripts/fuzz-http-diff together with Sources/RcomCore/HTTP/*.swift
// as one module; SwiftPM never sees this file (the model and the comparison are also symlinked
// into Tests/RcomCoreTests/Conformance/, this entry point is not).
//
// Every input, under the standard limits and under small ones, is fed to the decoder whole and
// split at one point derived from the input (so a crash replays exactly), then EOF. Both runs must match the model: the same requests (method,
// target, version, every field, body), then a clean close where the model allows one, or an
// error whose status is one the model allows. Any difference traps, naming the table's class.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Classes named in HTTP_DIFF_IGNORE (comma-separated, e.g. "Host,target") do not trap: once a
/// disagreement is understood, the fuzzer can look past it for others.
let diffIgnored: Set<String> = {
    guard let raw = getenv("HTTP_DIFF_IGNORE") else { return [] }
    return Set(String(cString: raw).split(separator: ",").map(String.init))
}()

func diffFNV1a(_ bytes: [UInt8]) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
    return h
}

@_cdecl("LLVMFuzzerTestOneInput")
public func httpDiffFuzzOne(_ pointer: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let pointer, size > 0 else { return 0 }
    let data = Array(UnsafeBufferPointer(start: pointer, count: size))
    let cut = Int(diffFNV1a(data) % UInt64(data.count + 1))
    for (name, limits) in [("standard", HTTPLimits.standard), ("small", HTTPDiff.smallLimits)] {
        let model = DiffModel.parse(data, limits: HTTPDiff.modelLimits(limits))
        for (label, cuts) in [("whole", [Int]()), ("split at \(cut)", [cut])] {
            if let d = HTTPDiff.compare(model, HTTPDiff.runDecoder(data, cuts: cuts, limits: limits)),
               !diffIgnored.contains(d.cls) {
                fatalError("HTTP diff [\(d.cls)] \(name) limits, fed \(label): \(d.detail)")
            }
        }
    }
    return 0
}
