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

    /// The notify servers, `rcom serve` and the routing stage as replay rebuilds them (`ComponentReplay`). A
    /// track pipeline's store answers are in the trace (the worker's wakeups): no store is needed.
    public static var components: [ReplayableComponent] {
        [ReplayableComponent(providersComponent) { config, entropy in
            providersConfig(config).map { ProvidersPipeline(config: $0, entropy: entropy) }
        },
         ReplayableComponent(trackComponent) { config, _ -> TrackPipeline? in
            // Traces recorded before listeners had roles: one listener served everything.
            guard let roles = ListenerRoles.fromTrace(config["listener_roles"], everything: .track) else { return nil }
            let limits = HTTPServerLimits(trace: config, before: .unbudgeted(http: HTTPServerLimits.standard.http))
            return TrackPipeline(clicks: nil, redirect: config["redirect"].flatMap { $0.isEmpty ? nil : $0 },
                                 build: BuildLabel(trace: config), limits: limits, listenerRoles: roles)
        },
         ReplayableComponent(serveComponent) { config, _ in ServeCommand.replayPipeline(config) },
         ReplayableComponent(RoutingTrace.component, lines: { RoutingTrace.replay(lines: $0, parser: ClientsSetup.parser()) })]
    }

    /// Replays a providers, track or serve trace on its recorded clock, comparing every effect,
    /// or a routing trace plan by plan.
    public static func replay(lines: [String]) -> Result<ReplayOutcome, ComponentReplay.Failure> {
        ComponentReplay.replay(lines: lines, components: components)
    }
}
