import Foundation

/// JSON-lines encoding of events and effects (see design/trace-format.md). Keys are written in a
/// fixed order, so an effect's encoding is its identity: replay compares these strings.
public enum TraceCodec {
    public static let formatName = "rcom-trace"
    public static let formatVersion = 1

    public static func encode(_ event: ReactorEvent) -> String {
        switch event {
        case .accepted(let c, let l): return obj([("kind", q("accepted")), ("conn", "\(c.raw)"), ("listener", "\(l)")])
        case .connected(let c): return obj([("kind", q("connected")), ("conn", "\(c.raw)")])
        case .connectFailed(let c, let r): return obj([("kind", q("connect_failed")), ("conn", "\(c.raw)"), ("reason", q(r))])
        case .received(let c, let d): return obj([("kind", q("received")), ("conn", "\(c.raw)"), ("data", q(b64(d)))])
        case .readClosed(let c): return obj([("kind", q("read_closed")), ("conn", "\(c.raw)")])
        case .closed(let c, let r): return obj([("kind", q("closed")), ("conn", "\(c.raw)"), ("reason", q(r))])
        case .timer(let t): return obj([("kind", q("timer")), ("timer", "\(t.raw)")])
        case .wakeup(let tag, let p): return obj([("kind", q("wakeup")), ("tag", q(tag)), ("data", q(b64(p)))])
        case .shutdown: return obj([("kind", q("shutdown"))])
        }
    }

    public static func encode(_ effect: ReactorEffect) -> String {
        switch effect {
        case .write(let c, let d): return obj([("kind", q("write")), ("conn", "\(c.raw)"), ("data", q(b64(d)))])
        case .close(let c): return obj([("kind", q("close")), ("conn", "\(c.raw)")])
        case .reset(let c): return obj([("kind", q("reset")), ("conn", "\(c.raw)")])
        case .connect(let c, let h, let p): return obj([("kind", q("connect")), ("conn", "\(c.raw)"), ("host", q(h)), ("port", "\(p)")])
        case .setTimer(let t, let d): return obj([("kind", q("set_timer")), ("timer", "\(t.raw)"), ("deadline_ns", "\(d)")])
        case .cancelTimer(let t): return obj([("kind", q("cancel_timer")), ("timer", "\(t.raw)")])
        case .pauseReading(let c): return obj([("kind", q("pause_reading")), ("conn", "\(c.raw)")])
        case .resumeReading(let c): return obj([("kind", q("resume_reading")), ("conn", "\(c.raw)")])
        case .stop(let code): return obj([("kind", q("stop")), ("exit_code", "\(code)")])
        case .notice(let n):
            return obj([("kind", q("notice")), ("level", q(n.level.rawValue)), ("msg", q(n.message)),
                        ("fields", "[" + n.fields.map { "[\(q($0.0)),\(q($0.1))]" }.joined(separator: ",") + "]")])
        }
    }

    /// One event line: the input, the entropy it consumed, and the effects it produced.
    public static func line(seq: UInt64, t_ns: Instant_ns, event: ReactorEvent, draws: [UInt64], effects: [ReactorEffect]) -> String {
        obj([("seq", "\(seq)"), ("t_ns", "\(t_ns)"), ("event", encode(event)),
             ("rand", "[" + draws.map { q(String($0, radix: 16)) }.joined(separator: ",") + "]"),
             ("effects", "[" + effects.map(encode).joined(separator: ",") + "]")])
    }

    public static func header(component: String, config: [(String, String)]) -> String {
        obj([("format", q(formatName)), ("version", "\(formatVersion)"), ("component", q(component)),
             ("config", obj(config.map { ($0.0, q($0.1)) }))])
    }

    public struct DecodedLine {
        public let seq: UInt64
        public let t_ns: Instant_ns
        public let event: ReactorEvent
        public let draws: [UInt64]
        /// The effects exactly as recorded (encoded strings), for byte-for-byte comparison.
        public let effects: [String]
    }

    public struct Header {
        public let component: String
        public let config: [String: String]
    }

    public static func decodeHeader(_ line: String) throws(TraceError) -> Header {
        let o = try object(line, lineNumber: 1)
        guard o["format"] as? String == formatName else { throw TraceError(line: 1, "not an rcom trace (missing format)") }
        guard (o["version"] as? Int) == formatVersion else { throw TraceError(line: 1, "unsupported trace version") }
        guard let component = o["component"] as? String, let config = o["config"] as? [String: String] else {
            throw TraceError(line: 1, "header lacks component or config")
        }
        return Header(component: component, config: config)
    }

    public static func decodeLine(_ line: String, lineNumber: Int) throws(TraceError) -> DecodedLine {
        let o = try object(line, lineNumber: lineNumber)
        guard let seq = (o["seq"] as? NSNumber)?.uint64Value, let t = (o["t_ns"] as? NSNumber)?.uint64Value,
              let ev = o["event"] as? [String: Any], let rand = o["rand"] as? [String],
              let effects = o["effects"] as? [[String: Any]] else {
            throw TraceError(line: lineNumber, "event line lacks seq, t_ns, event, rand or effects")
        }
        let draws = try rand.map { (h: String) throws(TraceError) -> UInt64 in
            guard let v = UInt64(h, radix: 16) else { throw TraceError(line: lineNumber, "bad rand value \(h)") }
            return v
        }
        let encodedEffects = try effects.map { (e: [String: Any]) throws(TraceError) -> String in
            guard let effect = decodeEffect(e) else { throw TraceError(line: lineNumber, "unknown effect \(e["kind"] ?? "?")") }
            return encode(effect)
        }
        guard let event = decodeEvent(ev) else { throw TraceError(line: lineNumber, "unknown or malformed event") }
        return DecodedLine(seq: seq, t_ns: t, event: event, draws: draws, effects: encodedEffects)
    }

    static func decodeEvent(_ o: [String: Any]) -> ReactorEvent? {
        let conn = (o["conn"] as? NSNumber).map { ConnectionID(raw: $0.uint64Value) }
        switch o["kind"] as? String {
        case "accepted": return conn.flatMap { c in (o["listener"] as? Int).map { .accepted(c, listener: $0) } }
        case "connected": return conn.map { .connected($0) }
        case "connect_failed": return conn.flatMap { c in (o["reason"] as? String).map { .connectFailed(c, reason: $0) } }
        case "received": return conn.flatMap { c in unb64(o["data"]).map { .received(c, $0) } }
        case "read_closed": return conn.map { .readClosed($0) }
        case "closed": return conn.flatMap { c in (o["reason"] as? String).map { .closed(c, reason: $0) } }
        case "timer": return (o["timer"] as? NSNumber).map { .timer(TimerID(raw: $0.uint64Value)) }
        case "wakeup": return (o["tag"] as? String).flatMap { tag in unb64(o["data"]).map { .wakeup(tag: tag, payload: $0) } }
        case "shutdown": return .shutdown
        default: return nil
        }
    }

    static func decodeEffect(_ o: [String: Any]) -> ReactorEffect? {
        let conn = (o["conn"] as? NSNumber).map { ConnectionID(raw: $0.uint64Value) }
        let timer = (o["timer"] as? NSNumber).map { TimerID(raw: $0.uint64Value) }
        switch o["kind"] as? String {
        case "write": return conn.flatMap { c in unb64(o["data"]).map { .write(c, $0) } }
        case "close": return conn.map { .close($0) }
        case "reset": return conn.map { .reset($0) }
        case "connect":
            guard let c = conn, let h = o["host"] as? String, let p = o["port"] as? Int else { return nil }
            return .connect(c, host: h, port: p)
        case "set_timer": return timer.flatMap { t in (o["deadline_ns"] as? NSNumber).map { .setTimer(t, deadline_ns: $0.uint64Value) } }
        case "cancel_timer": return timer.map { .cancelTimer($0) }
        case "pause_reading": return conn.map { .pauseReading($0) }
        case "resume_reading": return conn.map { .resumeReading($0) }
        case "stop": return (o["exit_code"] as? Int).map { .stop(exitCode: Int32($0)) }
        case "notice":
            guard let level = (o["level"] as? String).flatMap(OperatorNotice.Level.init(rawValue:)), let msg = o["msg"] as? String,
                  let pairs = o["fields"] as? [[String]], pairs.allSatisfy({ $0.count == 2 }) else { return nil }
            return .notice(OperatorNotice(level, msg, pairs.map { ($0[0], $0[1]) }))
        default: return nil
        }
    }

    private static func object(_ line: String, lineNumber: Int) throws(TraceError) -> [String: Any] {
        guard let data = line.data(using: .utf8),
              let o = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw TraceError(line: lineNumber, "not a JSON object")
        }
        return o
    }

    private static func q(_ s: String) -> String { JSONText.quote(s) }
    private static func obj(_ pairs: [(String, String)]) -> String { JSONText.object(pairs) }
    private static func b64(_ d: [UInt8]) -> String { Data(d).base64EncodedString() }
    private static func unb64(_ v: Any?) -> [UInt8]? {
        guard let s = v as? String, let d = Data(base64Encoded: s) else { return nil }
        return Array(d)
    }
}

public struct TraceError: Error, Equatable, CustomStringConvertible {
    public let line: Int
    public let message: String
    public init(line: Int, _ message: String) {
        self.line = line
        self.message = message
    }
    public var description: String { "trace line \(line): \(message)" }
}
