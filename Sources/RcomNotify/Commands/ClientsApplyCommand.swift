import Foundation
import RcomCLI
import RcomCore
import RcomReactor

/// `rcom clients apply FILE`: validate the whole file, then upsert every client in one
/// transaction (nothing is applied when anything is wrong).
public enum ClientsApplyCommand: Command {
    public static let spec = CommandSpec(
        name: "clients apply",
        summary: "Create or update clients from a JSON client file (all or nothing)",
        usage: "clients apply FILE [--prune] [--dry-run] [--json] [--db PATH|URL]",
        options: [
            OptionSpec("prune", help: "Also remove the clients the file does not list", env: "RCOM_CLIENTS_PRUNE"),
            OptionSpec("dry-run", help: "Validate and say what would change; change nothing", env: "RCOM_DRY_RUN"),
            ClientsSetup.jsonOption, ClientsSetup.dbOption,
        ],
        positionalsMax: 1,
        discussion: """
        The file is {"clients": [...]}; each client has id, name, timezone (IANA), contacts per
        channel, quiet_hours, mute and rules (design/notify.md "Clients, events and routing", sample in
        design/clients.sample.md). Every error is reported with its JSON path and line, and then
        nothing is applied. Applying the same file twice changes nothing; rcom clients export
        prints a file this command takes back unchanged.

        Exit codes: 0 applied (or would be, with --dry-run), 1 store error, 2 usage error or an
        invalid file.
        """)

    public static func run(_ args: ParsedArguments) -> Int32 {
        guard let path = args.positionals.first else {
            Terminal.error("missing FILE (see rcom clients apply --help)")
            return ExitCode.usage
        }
        let bytes: [UInt8]
        switch InputFile.read(path, as: "the client file") {
        case .failure(let e): Terminal.error(e.message); return ExitCode.usage
        case .success(let b): bytes = b
        }
        let clients: [ClientDefinition]
        switch ClientsSetup.parser().parseFile(bytes) {
        case .failure(let e):
            for error in e.errors { Terminal.error("\(TerminalText.escaped(path)): \(TerminalText.escaped(error.description))") }
            Terminal.error("nothing applied: \(e.errors.count) error\(e.errors.count == 1 ? "" : "s") in \(TerminalText.escaped(path))")
            return ClientsSetup.exitInvalid
        case .success(let c): clients = c
        }
        guard let store = ClientsSetup.open(args) else { return ExitCode.failure }
        let rows = clients.map { (id: $0.id, json: $0.json) }
        var counts = ClientApplyCounts()
        do {
            let existing = try store.clientDefinitions()
            let listed = Set(clients.map(\.id))
            let remove = args.flag("prune") ? existing.map(\.id).filter { !listed.contains($0) } : []
            if args.flag("dry-run") {
                let current = Dictionary(existing.map { ($0.id, $0.json) }, uniquingKeysWith: { a, _ in a })
                for r in rows {
                    switch current[r.id] {
                    case nil: counts.created += 1
                    case r.json?: counts.unchanged += 1
                    default: counts.updated += 1
                    }
                }
                counts.removed = remove.count
            } else {
                counts = try store.applyClients(rows, remove: remove, now_ms: MonotonicClock.wall_ms())
            }
        } catch {
            Terminal.error("nothing applied: \(error.description)")
            return ExitCode.failure
        }
        let verb = args.flag("dry-run") ? "would apply" : "applied"
        if args.flag("json") {
            print(JSONText.object([("dry_run", args.flag("dry-run") ? "true" : "false"), ("created", String(counts.created)),
                                   ("updated", String(counts.updated)), ("unchanged", String(counts.unchanged)),
                                   ("removed", String(counts.removed))]))
        } else {
            print("\(verb): \(counts.created) created, \(counts.updated) updated, \(counts.unchanged) unchanged, \(counts.removed) removed")
        }
        return ExitCode.success
    }
}
