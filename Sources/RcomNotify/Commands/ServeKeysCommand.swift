import Foundation
import RcomCLI
import RcomCore
import RcomReactor

/// `rcom serve keys`: API keys are made and revoked here, on the machine with the store, and
/// never over HTTP. The key is printed once; only its SHA-256 is stored.
public enum ServeKeysCommand: Command {
    public static let spec = CommandSpec(
        name: "serve keys", summary: "API keys of rcom serve: create, list, revoke",
        usage: "serve keys create NAME --scope events:write,clients:write,read | list | revoke NAME",
        discussion: """
        Subcommands:
          create NAME --scope S,...   make a key and print it once (scopes: events:write, clients:write, read)
          list                        every key: id, name, scopes, created, revoked
          revoke NAME|ID              the key gets 401 from then on
        """)

    public static func run(_ args: ParsedArguments) -> Int32 {
        Terminal.error("missing subcommand: create, list, revoke (see rcom serve keys --help)")
        return ExitCode.usage
    }

    static func sql(_ args: ParsedArguments) -> ClientSQL? {
        guard let store = ClientsSetup.open(args) else { return nil }
        do { return try (store as! ClientSQLProvider).sql() } catch {
            Terminal.error(error.description)
            return nil
        }
    }
}

public enum ServeKeysCreateCommand: Command {
    public static let spec = CommandSpec(
        name: "serve keys create", summary: "Make an API key and print it once",
        usage: "serve keys create NAME --scope events:write,clients:write,read [--db PATH|URL]",
        options: [OptionSpec("scope", value: "S,...", help: "What the key may do: events:write, clients:write, read"), ClientsSetup.dbOption],
        positionalsMax: 1,
        discussion: "The key is printed on stdout once and cannot be shown again (only its SHA-256 is stored). Exit 2: usage, or the name is taken.")

    public static func run(_ args: ParsedArguments) -> Int32 {
        guard let name = args.positionals.first, !name.isEmpty, name.utf8.count <= 64, name.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else {
            Terminal.error("usage: rcom serve keys create NAME --scope ... (NAME: 1-64 printable ASCII bytes, no spaces)")
            return ExitCode.usage
        }
        let scopes: [APIScope]
        switch APIScope.parse(args.string("scope") ?? "") {
        case .failure(let unknown):
            let word = unknown.word
            Terminal.error("--scope takes \(APIScope.allCases.map(\.rawValue).joined(separator: ", ")) (comma-separated)"
                           + (word.isEmpty ? "" : "; not \(TerminalText.quoted(word))"))
            return ExitCode.usage
        case .success(let s): scopes = s
        }
        guard let db = ServeKeysCommand.sql(args) else { return ExitCode.failure }
        let entropy = SystemEntropy()
        let key = APIKeys.generate(entropy)
        do {
            switch try APIKeys.create(db, name: name, scopes: scopes, hash: APIKeys.hash(key), id: "k" + entropy.hexToken(bits: 64), now_ms: MonotonicClock.wall_ms()) {
            case .nameTaken:
                Terminal.error("a key named \(TerminalText.quoted(name)) exists (rcom serve keys list); revoke it or pick another name")
                return ExitCode.usage
            case .created(let id):
                print(key)
                if Terminal.stderrIsTerminal { Terminal.error("\(id) \(name) (\(scopes.map(\.rawValue).joined(separator: ","))): the key above is shown once; keep it") }
                return ExitCode.success
            }
        } catch {
            Terminal.error(error.description)
            return ExitCode.failure
        }
    }
}

public enum ServeKeysListCommand: Command {
    public static let spec = CommandSpec(
        name: "serve keys list", summary: "List the API keys (never the keys themselves)",
        usage: "serve keys list [--json] [--db PATH|URL]", options: [ClientsSetup.jsonOption, ClientsSetup.dbOption])

    public static func run(_ args: ParsedArguments) -> Int32 {
        guard let db = ServeKeysCommand.sql(args) else { return ExitCode.failure }
        do {
            let keys = try APIKeys.list(db)
            if args.flag("json") {
                print("[" + keys.map { k in
                    JSONText.object([("id", JSONText.quote(k.id)), ("name", JSONText.quote(k.name)),
                                     ("scopes", ClientDefinition.array(k.scopes.map(\.rawValue))),
                                     ("created", JSONText.quote(UTCTimestamp.format(ms: k.createdAt_ms))),
                                     ("revoked", k.revokedAt_ms.map { JSONText.quote(UTCTimestamp.format(ms: $0)) } ?? "null")])
                }.joined(separator: ",") + "]")
            } else {
                for k in keys {
                    print("\(k.id)\t\(TerminalText.escaped(k.name))\t\(k.scopes.map(\.rawValue).joined(separator: ","))\t\(UTCTimestamp.format(ms: k.createdAt_ms))\t\(k.revokedAt_ms.map { "revoked " + UTCTimestamp.format(ms: $0) } ?? "active")")
                }
            }
            return ExitCode.success
        } catch {
            Terminal.error(error.description)
            return ExitCode.failure
        }
    }
}

public enum ServeKeysRevokeCommand: Command {
    public static let spec = CommandSpec(
        name: "serve keys revoke", summary: "Revoke an API key: it gets 401 from then on",
        usage: "serve keys revoke NAME|ID [--db PATH|URL]", options: [ClientsSetup.dbOption], positionalsMax: 1,
        discussion: "Exit 2: no such key, or it was revoked already.")

    public static func run(_ args: ParsedArguments) -> Int32 {
        guard let name = args.positionals.first else { return ClientsSetup.missingID(spec) }
        guard let db = ServeKeysCommand.sql(args) else { return ExitCode.failure }
        do {
            guard try APIKeys.revoke(db, name, now_ms: MonotonicClock.wall_ms()) else {
                Terminal.error("no active key \(TerminalText.quoted(name)) (rcom serve keys list)")
                return ExitCode.usage
            }
            print("revoked \(TerminalText.escaped(name))")
            return ExitCode.success
        } catch {
            Terminal.error(error.description)
            return ExitCode.failure
        }
    }
}
