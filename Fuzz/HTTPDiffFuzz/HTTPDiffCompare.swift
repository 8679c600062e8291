// Runs HTTPRequestDecoder on bytes and compares what it did with the independent model
// (HTTPDiffModel.swift). Shared by the libFuzzer target (scripts/fuzz-http-diff builds it into
// the codec's own module, with -D HTTP_DIFF_FUZZ) and by ConformanceModelDiffTests.
#if !HTTP_DIFF_FUZZ
@testable import RcomCore
#endif

/// What the decoder produced for a whole input followed by EOF.
struct DiffDecoderOutcome {
    var messages: [HTTPRequest] = []
    var error: HTTPParseError?
    var closed = false
    /// The decoder neither closed nor failed after EOF, or kept producing events.
    var stuck = false
}

/// A disagreement, named by the table's class of the model's verdict.
struct DiffDisagreement {
    var cls: String
    var detail: String
}

enum HTTPDiff {
    /// Bounds a short input can reach, so the 413, 414 and 431 paths are compared too.
    static let smallLimits = HTTPLimits(startLineBytesMax: 40, headerBytesMax: 120, headerCountMax: 4,
                                        bodyBytesMax: 64, chunkLineBytesMax: 16)

    static func modelLimits(_ l: HTTPLimits) -> DiffModelLimits {
        DiffModelLimits(startLineBytesMax: l.startLineBytesMax, headerBytesMax: l.headerBytesMax,
                        headerCountMax: l.headerCountMax, bodyBytesMax: l.bodyBytesMax,
                        chunkLineBytesMax: l.chunkLineBytesMax)
    }

    /// Feeds `bytes` cut at `cuts` (ascending offsets), draining after each piece, then EOF.
    static func runDecoder(_ bytes: [UInt8], cuts: [Int], limits: HTTPLimits) -> DiffDecoderOutcome {
        var decoder = HTTPRequestDecoder(limits: limits)
        var out = DiffDecoderOutcome()
        var budget = 4 * bytes.count + 64
        func drain(afterEOF: Bool) -> Bool {   // false once finished
            while budget > 0 {
                budget -= 1
                switch decoder.next() {
                case .message(let r): out.messages.append(r)
                case .expectContinue: continue
                case .needData:
                    if afterEOF { out.stuck = true; return false }
                    return true
                case .closed: out.closed = true; return false
                case .error(let e): out.error = e; return false
                }
            }
            out.stuck = true
            return false
        }
        var from = 0
        for cut in cuts + [bytes.count] where cut >= from {
            decoder.receive(bytes[from..<cut])
            from = cut
            if !drain(afterEOF: false) { return out }
        }
        decoder.receiveEOF()
        _ = drain(afterEOF: true)
        return out
    }

    static func same(_ r: HTTPRequest, _ m: DiffModelRequest) -> Bool {
        r.method == m.method && r.target == m.target && r.version.rawValue == m.version && r.body == m.body
            && r.headers.fields.count == m.fields.count
            && zip(r.headers.fields, m.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    static func compare(_ model: DiffModelOutcome, _ got: DiffDecoderOutcome) -> DiffDisagreement? {
        if model.uncertain { return nil }
        let verdict = model.faults.first?.cls ?? "accept"
        for i in 0..<max(model.messages.count, got.messages.count) {
            switch (i < model.messages.count, i < got.messages.count) {
            case (true, true):
                if !same(got.messages[i], model.messages[i]) {
                    return DiffDisagreement(cls: "accepted fields",
                                            detail: "message \(i): decoder \(describe(got.messages[i])) model \(model.messages[i])")
                }
            case (false, true):
                return DiffDisagreement(cls: verdict, detail: "decoder accepted message \(i) \(describe(got.messages[i])); "
                                        + "model: \(describe(model))")
            default:
                return DiffDisagreement(cls: "model accepts",
                                        detail: "model accepted message \(i) \(model.messages[i]); decoder: \(describe(got))")
            }
        }
        if got.stuck { return DiffDisagreement(cls: "decoder stuck", detail: "model: \(describe(model))") }
        if got.closed {
            return model.closeAllowed ? nil
                : DiffDisagreement(cls: verdict, detail: "decoder closed cleanly; model: \(describe(model))")
        }
        if let e = got.error {
            if model.faults.contains(where: { $0.status == e.status }) { return nil }
            let cls = model.faults.isEmpty ? "model closes" : verdict
            return DiffDisagreement(cls: cls, detail: "decoder: \(e.status) \(e.message); model: \(describe(model))")
        }
        return DiffDisagreement(cls: "decoder stuck", detail: "no end; model: \(describe(model))")
    }

    static func describe(_ r: HTTPRequest) -> String {
        "\(r.method) \(r.target) \(r.version.rawValue) \(r.headers.fields.map { "\($0.name): \($0.value)" }) body \(r.body.count) bytes"
    }

    static func describe(_ got: DiffDecoderOutcome) -> String {
        if let e = got.error { return "\(got.messages.count) messages then \(e.status) \(e.message)" }
        return "\(got.messages.count) messages then " + (got.closed ? "closed" : "stuck")
    }

    static func describe(_ m: DiffModelOutcome) -> String {
        let end = m.faults.map { "\($0.status) [\($0.cls)] \($0.why)" }.joined(separator: " / ")
        return "\(m.messages.count) messages then " + (m.closeAllowed ? "close" + (end.isEmpty ? "" : " or " + end) : end)
    }
}
