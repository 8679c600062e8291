import Foundation
import RcomCLI
import RcomCore
import RcomReactor

/// Recording (`--record FILE`) and replay of the notify servers, `rcom providers` and
/// `rcom track`. Here rather than in RcomJobs' `TraceReplay`, which cannot see these pipelines
/// (RcomNotify depends on RcomJobs, not the other way round).
public enum NotifyTrace {
    public static let providersComponent = "providers"
    public static let trackComponent = "track"
    public static let serveComponent = "serve"

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case unknownComponent(String)
        case badConfig(String)
        case malformed(String)
        public var description: String {
            switch self {
            case .unknownComponent(let c): return "trace component \(TerminalText.quoted(c)) is not a notify server (known: providers, track, serve)"
            case .badConfig(let c): return "trace header config for \(c) is incomplete"
            case .malformed(let e): return e
            }
        }
    }

    /// What a providers trace header carries to rebuild the pipeline (randomness is in the trace).
    static func providersHeader(faults: String, engage: String, retryAfter_s: Int, seed: UInt64, build: BuildLabel = .none,
                                server: HTTPServerLimits = ProvidersConfig().server) -> [(String, String)] {
        [("faults", faults), ("engage", engage), ("retry_after_s", String(retryAfter_s)), ("seed", String(seed))] + server.traceConfig + build.traceConfig
    }

    static func providersConfig(_ c: [String: String]) -> ProvidersConfig? {
        var config = ProvidersConfig()
        guard let retry = c["retry_after_s"].flatMap({ Int($0) }), let seed = c["seed"].flatMap({ UInt64($0) }),
              case .success(let faults) = ProviderFaults.parse(c["faults"] ?? "", channels: ProvidersPipeline.channels),
              case .success(let engage) = EngageSpec.parse(c["engage"] ?? "", channels: ProvidersPipeline.channels) else { return nil }
        config.faults = faults
        config.engage = engage
        config.retryAfter_s = retry
        config.seed = seed
        config.build = BuildLabel(trace: c)
        config.server = HTTPServerLimits(trace: c, before: .unbudgeted(http: config.server.http))
        return config
    }

    /// Replays a providers or track trace on its recorded clock, comparing every effect.
    /// A track pipeline's answers depend on its store, which the trace does not hold: `clicks`
    /// stands in for it (by default every notification is known, so a recorded 404 for an
    /// unknown id shows as a divergence).
    public static func replay(lines: [String], clicks: ClickRecorder = EveryIDKnown()) -> Result<ReplayOutcome, Failure> {
        guard let first = lines.first(where: { !$0.isEmpty }) else { return .failure(.malformed("empty trace")) }
        do {
            let header = try TraceCodec.decodeHeader(first)
            switch header.component {
            case providersComponent:
                guard let config = providersConfig(header.config) else { return .failure(.badConfig(header.component)) }
                return .success(try TraceReplayer.replay(lines: lines) { _, e in ProvidersPipeline(config: config, entropy: e) })
            case trackComponent:
                let redirect = header.config["redirect"].flatMap { $0.isEmpty ? nil : $0 }
                let build = BuildLabel(trace: header.config)
                guard let roles = ListenerRoles.fromTrace(header.config["listener_roles"], everything: .track) else {
                    return .failure(.badConfig(header.component))
                }
                let limits = HTTPServerLimits(trace: header.config, before: .unbudgeted(http: HTTPServerLimits.standard.http))
                return .success(try TraceReplayer.replay(lines: lines) { _, _ in
                    TrackPipeline(recorder: clicks, redirect: redirect, build: build, limits: limits, listenerRoles: roles)
                })
            case serveComponent:
                guard let pipeline = ServeCommand.replayPipeline(header.config) else { return .failure(.badConfig(header.component)) }
                return .success(try TraceReplayer.replay(lines: lines) { _, _ in pipeline })
            case RoutingTrace.component:
                return RoutingTrace.replay(lines: lines, parser: ClientsSetup.parser())
            default:
                return .failure(.unknownComponent(header.component))
            }
        } catch {
            return .failure(.malformed("\(error)"))
        }
    }

    /// A store that knows every id and counts each first click as first.
    public final class EveryIDKnown: ClickRecorder {
        public init() {}
        public func click(notificationID: String, kind: ClickKind) -> Result<ClickResult, StoreErrorText> { .success(.first) }
        public func preview(notificationID: String, fetcher: String) -> Result<PreviewResult, StoreErrorText> { .success(.recorded) }
    }
}
