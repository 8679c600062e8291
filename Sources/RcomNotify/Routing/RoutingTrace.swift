import Foundation
import RcomCLI
import RcomCore

/// A trace of the routing stage (`rcom notify --record FILE`): the rcom trace header, then one
/// JSON line per routed event with the stage's whole input (the client's definition in its
/// canonical JSON, the event, urgent, the time, the suppression answers) and the plan it made.
/// `rcom replay FILE` runs the stage again on each input and compares the plans byte for byte;
/// the stage reads nothing else, so a plan that differs is a change in the stage.
public enum RoutingTrace {
    public static let component = "routing"

    public static var header: String { TraceCodec.header(component: component, config: []) }

    public static func line(seq: Int, _ input: RoutingStage.Input, _ plan: RoutePlan) -> String {
        let suppressed = input.suppressed.map { $0.channel + " " + $0.target }.sorted()
        return JSONText.object([
            ("seq", String(seq)), ("client", JSONText.quote(input.client.json)), ("event", JSONText.quote(input.event)),
            ("urgent", input.urgent ? "true" : "false"), ("now_ms", String(input.now_ms)),
            ("suppressed", ClientDefinition.array(suppressed)), ("plan", JSONText.quote(plan.json)),
        ])
    }

    /// Replays every line after the header; the first plan that differs ends it.
    public static func replay(lines: [String], parser: ClientFileParser) -> Result<ReplayOutcome, NotifyTrace.Failure> {
        var replayed = 0
        for (i, text) in lines.enumerated().dropFirst() where !text.isEmpty {
            guard case .success(let tree) = JSONTree.parse(Array(text.utf8)), case .object(let ms) = tree.root.value else {
                return .failure(.malformed("line \(i + 1): not a JSON object"))
            }
            var v: [String: JSONTree.Value] = [:]
            for m in ms { v[m.name] = m.node.value }
            guard case .string(let clientJSON)? = v["client"], case .string(let event)? = v["event"], case .bool(let urgent)? = v["urgent"],
                  case .number(let nowText)? = v["now_ms"], let now = Int64(nowText), case .array(let sup)? = v["suppressed"],
                  case .string(let expected)? = v["plan"], case .number(let seqText)? = v["seq"], let seq = UInt64(seqText) else {
                return .failure(.malformed("line \(i + 1): a routing line needs seq, client, event, urgent, now_ms, suppressed and plan"))
            }
            guard case .success(let client) = parser.parseClient(Array(clientJSON.utf8)) else {
                return .failure(.malformed("line \(i + 1): the client's definition does not validate"))
            }
            var suppressed: Set<ChannelTarget> = []
            for node in sup {
                guard case .string(let s) = node.value, let space = s.firstIndex(of: " ") else { return .failure(.malformed("line \(i + 1): bad suppressed entry")) }
                suppressed.insert(ChannelTarget(String(s[..<space]), String(s[s.index(after: space)...])))
            }
            let actual = RoutingStage.plan(.init(client: client, event: event, urgent: urgent, now_ms: now, suppressed: suppressed)).json
            if actual != expected { return .success(.diverged(seq: seq, expected: [expected], actual: [actual], note: "routing plan")) }
            replayed += 1
        }
        return .success(.identical(events: replayed))
    }
}

/// Appends routing lines to a trace file (`--record`), the header first.
final class RoutingTraceWriter {
    private let handle: FileHandle
    private var seq = 0

    init(path: String) throws(UsageError) {
        guard FileManager.default.createFile(atPath: path, contents: Data((RoutingTrace.header + "\n").utf8)),
              let h = FileHandle(forWritingAtPath: path) else { throw UsageError("--record: cannot write \(path)") }
        h.seekToEndOfFile()
        handle = h
    }

    func write(_ input: RoutingStage.Input, _ plan: RoutePlan) {
        seq += 1
        handle.write(Data((RoutingTrace.line(seq: seq, input, plan) + "\n").utf8))
    }

    deinit { try? handle.close() }
}

extension RoutePlan {
    /// The plan's canonical JSON (fixed member order), as traces compare it.
    public var json: String {
        JSONText.object([
            ("status", JSONText.quote(status.rawValue)), ("reason", reason.map(JSONText.quote) ?? "null"),
            ("rule", rule.map { $0.json } ?? "null"),
            ("steps", "[" + steps.map { s in
                JSONText.object([("channel", JSONText.quote(s.channel)), ("targets", ClientDefinition.array(s.targets)),
                                 ("suppressed", ClientDefinition.array(s.suppressed)), ("delay_ms", String(s.delay_ms))])
            }.joined(separator: ",") + "]"),
            ("held_until_ms", heldUntil_ms.map { String($0) } ?? "null"), ("experiment", experiment.map(JSONText.quote) ?? "null"),
            ("muted_channels", ClientDefinition.array(mutedChannels)),
        ])
    }
}
