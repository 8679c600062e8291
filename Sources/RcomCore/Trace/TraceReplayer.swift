/// Feeds a recorded trace to a fresh pipeline on the recorded (virtual) clock and checks that
/// it produces the same effects, byte for byte. Reports the first difference.
public enum ReplayOutcome: Equatable, CustomStringConvertible {
    case identical(events: Int)
    case diverged(seq: UInt64, expected: [String], actual: [String], note: String)

    public var description: String {
        switch self {
        case .identical(let n): return "identical: \(n) events replayed, every effect matched"
        case .diverged(let seq, let e, let a, let note):
            let firstDiff = (0..<min(e.count, a.count)).first { e[$0] != a[$0] } ?? min(e.count, a.count)
            let exp = firstDiff < e.count ? e[firstDiff] : "(nothing)"
            let act = firstDiff < a.count ? a[firstDiff] : "(nothing)"
            return "diverged at seq \(seq), effect #\(firstDiff)\(note.isEmpty ? "" : " (\(note))"):\n  expected \(exp)\n  actual   \(act)"
        }
    }
}

public enum TraceReplayer {
    /// `lines` is the whole trace; `makePipeline` builds the component from the header config
    /// with the replay entropy it must draw from.
    public static func replay<P: EventPipeline>(
        lines: [String],
        makePipeline: (TraceCodec.Header, ReplayEntropy) throws -> P
    ) throws -> ReplayOutcome {
        let nonEmpty = lines.enumerated().filter { !$0.element.isEmpty }
        guard let first = nonEmpty.first else { throw TraceError(line: 1, "empty trace") }
        let header = try TraceCodec.decodeHeader(first.element)
        let entropy = ReplayEntropy()
        var pipeline = try makePipeline(header, entropy)
        var count = 0
        for (offset, text) in nonEmpty.dropFirst() {
            let line = try TraceCodec.decodeLine(text, lineNumber: offset + 1)
            entropy.load(line.draws)
            let actual = pipeline.handle(line.event, now_ns: line.t_ns).map(TraceCodec.encode)
            if actual != line.effects || entropy.overdrawn || entropy.unused > 0 {
                let note = entropy.overdrawn ? "pipeline drew more randomness than recorded"
                    : entropy.unused > 0 ? "pipeline drew less randomness than recorded" : ""
                return .diverged(seq: line.seq, expected: line.effects, actual: actual, note: note)
            }
            count += 1
        }
        return .identical(events: count)
    }
}
