// libFuzzer target for the strict JSON reader (`JSONObject`), differential against Foundation's
// JSONSerialization as in Tests/RcomCoreTests/JSONObjectTests.swift. Built by scripts/fuzz-json
// together with Sources/RcomCore/JSON/JSONObject.swift as one module; SwiftPM never sees it.
//
// For every input:
//   * both readers must agree on whether it is a JSON object, except where JSONObject refuses on
//     purpose (repeated names, unpaired surrogates, trailing commas, nesting past depthMax, text
//     that is not UTF-8 or starts with a BOM) or Foundation refuses a number beyond a Double;
//   * when both accept, the top-level names are the same set and every top-level string decodes
//     to Foundation's value; each member's kind matches Foundation's type;
//   * each member's `range` and `value` lie inside the input, in order, and a string value's
//     bytes start and end with a quote.
// A disagreement traps with a message naming it (libFuzzer writes the input as crash-*).
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func jsonFuzzOne(_ pointer: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let pointer, size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: pointer, count: size))
    let ours = JSONObject.parse(bytes)
    checkTape(bytes, ours)
    let theirs = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
    switch (ours, theirs) {
    case (.failure(let e), _?):
        let onPurpose = ["repeated member name", "unpaired surrogate", "trailing comma"].contains(e.message)
            || e.message.hasPrefix("nested deeper") || otherEncoding(bytes)
        if !onPurpose { fatalError("JSON diff: refused what Foundation accepts (\(e.message) at \(e.offset))") }
    case (.success, nil):
        // RFC 8259 §6 lets a reader limit the range of numbers: Foundation refuses one beyond a
        // Double; JSONObject reads no number's value (it forwards the bytes) and takes it.
        if !hasNumberBeyondDouble(bytes) { fatalError("JSON diff: accepted what Foundation refuses") }
    case (.success(let o), let theirs?):
        guard Set(o.members.map(\.name)) == Set(theirs.keys), o.members.count == theirs.count else {
            fatalError("JSON diff: member names differ")
        }
        var end = 0
        for m in o.members {
            guard m.range.lowerBound >= end, m.range.upperBound <= bytes.count,
                  m.value.lowerBound >= m.range.lowerBound, m.value.upperBound == m.range.upperBound else {
                fatalError("JSON diff: member \(m.name.debugDescription) has ranges outside the text or out of order")
            }
            end = m.range.upperBound
            checkKind(m, theirs[m.name], bytes, o)
        }
    case (.failure, nil):
        break
    }
    return 0
}

/// Foundation detects UTF-16 and UTF-32 by the NULs in the first four bytes (RFC 4627 §3) and
/// skips a byte order mark; JSONObject reads UTF-8 only (RFC 8259 §8.1) and refuses a BOM.
func otherEncoding(_ b: [UInt8]) -> Bool {
    b.prefix(4).contains(0) || b.starts(with: [0xEF, 0xBB, 0xBF]) || b.starts(with: [0xFE, 0xFF]) || b.starts(with: [0xFF, 0xFE])
}

/// Whether any number literal outside strings overflows a Double (Foundation's limit).
func hasNumberBeyondDouble(_ b: [UInt8]) -> Bool {
    var i = 0
    while i < b.count {
        switch b[i] {
        case UInt8(ascii: "\""):
            i += 1
            while i < b.count && b[i] != UInt8(ascii: "\"") { i += b[i] == UInt8(ascii: "\\") ? 2 : 1 }
            i += 1
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = i
            while i < b.count, "-+.eE0123456789".utf8.contains(b[i]) { i += 1 }
            if let d = Double(String(decoding: b[start..<i], as: UTF8.self)), !d.isFinite { return true }
        default:
            i += 1
        }
    }
    return false
}

private func checkKind(_ m: JSONObject.Member, _ value: Any?, _ bytes: [UInt8], _ o: JSONObject) {
    switch m.kind {
    case .string:
        guard bytes[m.value.lowerBound] == 0x22, bytes[m.value.upperBound - 1] == 0x22 else { fatalError("JSON diff: string value not quoted") }
        guard o.string(m.name) == value as? String else { fatalError("JSON diff: value of \(m.name.debugDescription) differs") }
    case .object: if !(value is [String: Any]) { fatalError("JSON diff: \(m.name.debugDescription) is an object only to us") }
    case .array: if !(value is [Any]) { fatalError("JSON diff: \(m.name.debugDescription) is an array only to us") }
    case .null: if !(value is NSNull) { fatalError("JSON diff: \(m.name.debugDescription) is null only to us") }
    case .number, .bool:
        // Foundation bridges both to NSNumber; a string or container there is a disagreement.
        if !(value is NSNumber) { fatalError("JSON diff: \(m.name.debugDescription) is a number or boolean only to us") }
    }
}
