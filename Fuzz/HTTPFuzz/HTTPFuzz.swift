// libFuzzer target for the sans-IO HTTP/1.1 codec. Built by scripts/fuzz-http together with
// Sources/RcomCore/HTTP/*.swift and JSONText.swift as one module; SwiftPM never sees this file.
//
// For every input, under two sets of limits (standard, and tiny ones so the bounds are reached):
//   * both decoders are fed the input whole, byte by byte (short inputs), and in splits derived
//     from the input itself; all three must agree (messages, and the error status);
//   * after EOF a decoder never answers needData (that would be a hang), and it stops;
//   * an error is permanent: next() keeps returning the same error, even after more bytes;
//   * a decoded message, serialised and decoded again, is itself (plus the Content-Length the
//     serialiser adds to unframed messages).

/// What one run of a decoder produced, expectContinue counted separately.
struct Outcome<M: Equatable>: Equatable {
    var messages: [M] = []
    var errorStatus: Int?
    var closed = false
}

/// SplitMix64, seeded from the input so that a crashing input replays exactly.
struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func fnv1a(_ bytes: [UInt8]) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
    return h
}

protocol FuzzDecoder {
    associatedtype Message: Equatable & Sendable
    init(limits: HTTPLimits)
    mutating func receive<C: Collection>(_ bytes: C) where C.Element == UInt8
    mutating func receiveEOF()
    mutating func next() -> HTTPDecoderEvent<Message>
}
extension HTTPRequestDecoder: FuzzDecoder {}
extension HTTPResponseDecoder: FuzzDecoder {}

func check(_ ok: Bool, _ what: @autoclosure () -> String) {
    if !ok { fatalError("invariant broken: \(what())") }
}

/// Feeds `chunks` then EOF, draining events after each chunk.
func run<D: FuzzDecoder>(_ decoder: inout D, _ chunks: [ArraySlice<UInt8>], budget: Int) -> Outcome<D.Message> {
    var out = Outcome<D.Message>()
    var steps = 0
    var continues = 0
    func drain(afterEOF: Bool) -> Bool {  // false once the decoder is finished
        while true {
            steps += 1
            check(steps <= budget, "decoder did not make progress")
            switch decoder.next() {
            case .message(let m):
                out.messages.append(m)
                continues = 0
            case .expectContinue:
                continues += 1
                check(continues == 1, "expectContinue emitted twice for one message")
            case .needData:
                check(!afterEOF, "needData after EOF (the caller would wait forever)")
                return true
            case .closed:
                check(afterEOF, "closed before EOF")
                out.closed = true
                return false
            case .error(let e):
                out.errorStatus = e.status
                // Permanent: the same error again, even after more bytes and EOF.
                check(decoder.next() == .error(e), "error not sticky")
                decoder.receive([UInt8](repeating: 65, count: 3))
                decoder.receiveEOF()
                check(decoder.next() == .error(e), "error not sticky after more bytes")
                return false
            }
        }
    }
    for chunk in chunks {
        decoder.receive(chunk)
        if !drain(afterEOF: false) { return out }
    }
    decoder.receiveEOF()
    _ = drain(afterEOF: true)
    check(out.closed || out.errorStatus != nil, "decoder neither closed nor failed after EOF")
    return out
}

func splits(_ data: [UInt8], rng: inout SplitMix) -> [ArraySlice<UInt8>] {
    var out: [ArraySlice<UInt8>] = []
    var i = 0
    while i < data.count {
        let n = 1 + Int(rng.next() % UInt64(min(64, data.count - i)))
        out.append(data[i..<i + n])
        i += n
    }
    return out
}

/// The serialiser adds `Content-Length` to a message that had no framing header; allow that.
func sameAfterRoundTrip(_ original: HTTPHeaders, _ again: HTTPHeaders, bodyCount: Int) -> Bool {
    if original == again { return true }
    var expected = original
    expected.add("Content-Length", "\(bodyCount)")
    return expected == again
}

func roundTripRequest(_ r: HTTPRequest) {
    var d = HTTPRequestDecoder(limits: roomyLimits)
    d.receive(HTTPSerializer.bytes(r))
    d.receiveEOF()
    guard case .message(let again) = d.next() else {
        fatalError("re-serialised request does not decode: \(r)")
    }
    check(again.method == r.method && again.target == r.target && again.version == r.version
          && again.body == r.body && sameAfterRoundTrip(r.headers, again.headers, bodyCount: r.body.count),
          "request round trip: \(r) != \(again)")
    check(d.next() == .closed, "re-serialised request left bytes behind")
}

func roundTripResponse(_ r: HTTPResponse) {
    var d = HTTPResponseDecoder(limits: roomyLimits)
    d.requestSent(isHead: false)
    d.receive(HTTPSerializer.bytes(r))
    d.receiveEOF()
    guard case .message(let again) = d.next() else {
        fatalError("re-serialised response does not decode: \(r)")
    }
    check(again.status == r.status && again.reason == r.reason && again.version == r.version
          && again.body == r.body && sameAfterRoundTrip(r.headers, again.headers, bodyCount: r.body.count),
          "response round trip: \(r) != \(again)")
    check(d.next() == .closed, "re-serialised response left bytes behind")
}

/// Re-serialising may grow a head ("a:b\n" becomes "a: b\r\n", plus a Content-Length), so the
/// second decode gets room to spare.
let roomyLimits = HTTPLimits(startLineBytesMax: 1 << 20, headerBytesMax: 1 << 20, headerCountMax: 1000,
                             bodyBytesMax: 1 << 24, chunkLineBytesMax: 1024)

let tinyLimits = HTTPLimits(startLineBytesMax: 40, headerBytesMax: 120, headerCountMax: 4,
                            bodyBytesMax: 64, chunkLineBytesMax: 12)

func exercise<D: FuzzDecoder>(_ type: D.Type, _ data: [UInt8], limits: HTTPLimits, seed: UInt64,
                             prepare: (inout D) -> Void) -> Outcome<D.Message> {
    let budget = 4 * data.count + 64
    var whole = D(limits: limits)
    prepare(&whole)
    let a = run(&whole, [data[...]], budget: budget)

    var rng = SplitMix(state: seed)
    var split = D(limits: limits)
    prepare(&split)
    let b = run(&split, splits(data, rng: &rng), budget: budget)
    check(a == b, "whole and split disagree: \(a) vs \(b)")

    if data.count <= 256 {
        var single = D(limits: limits)
        prepare(&single)
        let c = run(&single, data.indices.map { data[$0...$0] }, budget: budget)
        check(a == c, "whole and byte-by-byte disagree: \(a) vs \(c)")
    }
    return a
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ pointer: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let pointer, size > 0 else { return 0 }
    let data = Array(UnsafeBufferPointer(start: pointer, count: size))
    let seed = fnv1a(data)
    for limits in [HTTPLimits.standard, tinyLimits] {
        let requests = exercise(HTTPRequestDecoder.self, data, limits: limits, seed: seed) { _ in }
        for r in requests.messages { roundTripRequest(r) }

        // Which responses answer HEAD comes from the seed's bits, the same for every feeding.
        let responses = exercise(HTTPResponseDecoder.self, data, limits: limits, seed: seed) { d in
            for bit in 0..<8 { d.requestSent(isHead: (seed >> UInt64(bit)) & 1 == 1 && bit % 3 == 0) }
        }
        for (index, r) in responses.messages.enumerated() {
            let answeredHead = index < 8 && (seed >> UInt64(index)) & 1 == 1 && index % 3 == 0
            if !answeredHead { roundTripResponse(r) }
        }
    }
    return 0
}
