import RcomCore
import RcomCLI

/// The job side's recordable components, rebuilt from their trace headers for replay
/// (`ComponentReplay`; `rcom replay` adds the notify servers).
public enum TraceReplay {
    public static var components: [ReplayableComponent] {
        [ReplayableComponent("proxy") { config, entropy in
            ProxyConfig.fromTrace(config).map { ProxyPipeline(config: $0, entropy: entropy) }
        },
         ReplayableComponent("jobserver") { config, entropy in
            JobServerConfig.fromTrace(config).map { JobServerPipeline(config: $0, entropy: entropy) }
        }]
    }

    public static func replay(lines: [String]) -> Result<ReplayOutcome, ComponentReplay.Failure> {
        ComponentReplay.replay(lines: lines, components: components)
    }
}
