import Foundation
import RcomCore
import RcomCLI

/// Rebuilds a recorded component from its trace header and replays the trace on a virtual clock.
public enum TraceReplay {
    public enum Failure: Error, CustomStringConvertible {
        case unreadable(String)
        case unknownComponent(String)
        case badConfig(String)
        case malformed(TraceError)
        public var description: String {
            switch self {
            case .unreadable(let p): return "cannot read trace \(p)"
            case .unknownComponent(let c): return "trace component \(TerminalText.quoted(c)) cannot be replayed (known: proxy, jobserver)"
            case .badConfig(let c): return "trace header config for \(c) is incomplete"
            case .malformed(let e): return e.description
            }
        }
    }

    public static func replay(lines: [String]) -> Result<ReplayOutcome, Failure> {
        guard let first = lines.first(where: { !$0.isEmpty }) else { return .failure(.malformed(TraceError(line: 1, "empty trace"))) }
        let header: TraceCodec.Header
        do { header = try TraceCodec.decodeHeader(first) } catch { return .failure(.malformed(error)) }
        do {
            switch header.component {
            case "proxy":
                guard let cfg = ProxyConfig.fromTrace(header.config) else { return .failure(.badConfig("proxy")) }
                return .success(try TraceReplayer.replay(lines: lines) { _, e in ProxyPipeline(config: cfg, entropy: e) })
            case "jobserver":
                guard let cfg = JobServerConfig.fromTrace(header.config) else { return .failure(.badConfig("jobserver")) }
                return .success(try TraceReplayer.replay(lines: lines) { _, e in JobServerPipeline(config: cfg, entropy: e) })
            default:
                return .failure(.unknownComponent(header.component))
            }
        } catch let e as TraceError {
            return .failure(.malformed(e))
        } catch {
            return .failure(.unreadable("\(error)"))
        }
    }
}
