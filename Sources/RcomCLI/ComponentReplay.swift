import RcomCore

/// One recordable server as replay rebuilds it: its trace component name, and its pipeline
/// made from the header's config and the replay entropy (nil: the config is incomplete).
public struct ReplayableComponent {
    public let name: String
    let replay: ([String]) throws -> ReplayOutcome

    public init<P: EventPipeline>(_ name: String, pipeline: @escaping (_ config: [String: String], ReplayEntropy) -> P?) {
        self.name = name
        replay = { lines in
            try TraceReplayer.replay(lines: lines) { header, entropy in
                guard let p = pipeline(header.config, entropy) else { throw IncompleteConfig() }
                return p
            }
        }
    }
}

extension ReplayableComponent {
    /// A component whose trace is not the reactor's event trace (the routing stage's: its
    /// input and plan per line) and replays its own lines.
    public init(_ name: String, lines: @escaping ([String]) -> Result<ReplayOutcome, ComponentReplay.Failure>) {
        self.name = name
        replay = { try lines($0).get() }
    }
}

struct IncompleteConfig: Error {}

/// The one dispatch from a trace's header to the component that replays it: `rcom replay`
/// passes every component (RcomJobs' and RcomNotify's); each library replays its own.
public enum ComponentReplay {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case unknownComponent(String, known: [String])
        case badConfig(String)
        case malformed(String)

        public var description: String {
            switch self {
            case .unknownComponent(let c, let known):
                "trace component \(TerminalText.quoted(c)) cannot be replayed (known: \(known.joined(separator: ", ")))"
            case .badConfig(let c): "trace header config for \(c) is incomplete"
            case .malformed(let e): e
            }
        }
    }

    public static func replay(lines: [String], components: [ReplayableComponent]) -> Result<ReplayOutcome, Failure> {
        guard let first = lines.first(where: { !$0.isEmpty }) else { return .failure(.malformed(TraceError(line: 1, "empty trace").description)) }
        let component: ReplayableComponent
        do {
            let header = try TraceCodec.decodeHeader(first)
            guard let c = components.first(where: { $0.name == header.component }) else {
                return .failure(.unknownComponent(header.component, known: components.map(\.name)))
            }
            component = c
        } catch {
            return .failure(.malformed("\(error)"))
        }
        do {
            return .success(try component.replay(lines))
        } catch is IncompleteConfig {
            return .failure(.badConfig(component.name))
        } catch let failure as Failure {
            return .failure(failure)
        } catch {
            return .failure(.malformed("\(error)"))
        }
    }
}
