import Foundation
import RcomCLI
import RcomCore

/// `rcom clients`: what its subcommands are (it does nothing itself).
public enum ClientsCommand: Command {
    public static let spec = CommandSpec(
        name: "clients",
        summary: "Clients and how they are notified: apply, list, show, remove, export",
        usage: "clients apply|list|show|remove|export ... (rcom clients SUBCOMMAND --help)",
        discussion: """
        Subcommands:
          apply FILE [--prune]   create or update clients from a JSON client file, all or nothing
          list                   every client: id, name, time zone, rules
          show ID                what each event type would do for the client, in words
          remove ID              remove one client (its recorded events stay)
          export                 print a client file that apply takes back unchanged
        """)

    public static func run(_ args: ParsedArguments) -> Int32 {
        Terminal.error("missing subcommand: apply, list, show, remove, export (see rcom clients --help)")
        return ExitCode.usage
    }
}

public enum ClientsListCommand: Command {
    public static let spec = CommandSpec(
        name: "clients list", summary: "List the clients", usage: "clients list [--json] [--db PATH|URL]",
        options: [ClientsSetup.jsonOption, ClientsSetup.dbOption])

    public static func run(_ args: ParsedArguments) -> Int32 {
        guard let store = ClientsSetup.open(args) else { return ExitCode.failure }
        let clients: [ClientDefinition]
        do { clients = try ClientsSetup.all(store) } catch {
            Terminal.error(error.description)
            return ExitCode.failure
        }
        if args.flag("json") {
            print("[" + clients.map { c in
                JSONText.object([("id", JSONText.quote(c.id)), ("name", JSONText.quote(c.name)), ("timezone", JSONText.quote(c.timezone)),
                                 ("channels", ClientDefinition.array(c.contacts.map(\.channel))), ("rules", String(c.rules.count))])
            }.joined(separator: ",") + "]")
        } else {
            for c in clients {
                print("\(c.id)\t\(TerminalText.escaped(c.name.isEmpty ? "-" : c.name))\t\(c.timezone)\t\(c.contacts.map(\.channel).joined(separator: ","))\t\(c.rules.count) rule\(c.rules.count == 1 ? "" : "s")")
            }
        }
        return ExitCode.success
    }
}

public enum ClientsShowCommand: Command {
    public static let spec = CommandSpec(
        name: "clients show", summary: "Show a client and what each event type would do, in words",
        usage: "clients show ID [--json] [--db PATH|URL]", options: [ClientsSetup.jsonOption, ClientsSetup.dbOption],
        positionalsMax: 1, discussion: "Exit codes: 0 shown, 1 store error, 2 unknown client (the nearest ids are named).")

    public static func run(_ args: ParsedArguments) -> Int32 {
        guard let id = args.positionals.first else { return ClientsSetup.missingID(spec) }
        guard let store = ClientsSetup.open(args) else { return ExitCode.failure }
        switch ClientsSetup.load(store, id: id) {
        case .failure(let e): Terminal.error(e.description); return ExitCode.failure
        case .success(nil): Terminal.error(ClientsSetup.unknown(id, store: store)); return ExitCode.usage
        case .success(let c?):
            if args.flag("json") {
                print(JSONText.object([("client", c.json), ("routing", ClientDefinition.array(RoutingWords.client(c)))]))
            } else {
                print("\(c.id)\(c.name.isEmpty ? "" : " (\(TerminalText.escaped(c.name)))"), \(c.timezone)")
                for contact in c.contacts { print("  \(contact.channel): \(contact.targets.map(TerminalText.escaped).joined(separator: ", "))") }
                for line in RoutingWords.client(c) { print("  \(line)") }
            }
            return ExitCode.success
        }
    }
}

public enum ClientsRemoveCommand: Command {
    public static let spec = CommandSpec(
        name: "clients remove", summary: "Remove a client (its recorded events stay)",
        usage: "clients remove ID [--db PATH|URL]", options: [ClientsSetup.dbOption],
        positionalsMax: 1, discussion: "Exit codes: 0 removed, 1 store error, 2 unknown client (the nearest ids are named).")

    public static func run(_ args: ParsedArguments) -> Int32 {
        guard let id = args.positionals.first else { return ClientsSetup.missingID(spec) }
        guard let store = ClientsSetup.open(args) else { return ExitCode.failure }
        do {
            guard try store.removeClient(id: id) else {
                Terminal.error(ClientsSetup.unknown(id, store: store))
                return ExitCode.usage
            }
        } catch {
            Terminal.error(error.description)
            return ExitCode.failure
        }
        print("removed \(id)")
        return ExitCode.success
    }
}

public enum ClientsExportCommand: Command {
    public static let spec = CommandSpec(
        name: "clients export", summary: "Print every client as a client file (rcom clients apply takes it back unchanged)",
        usage: "clients export [--db PATH|URL] > clients.json", options: [ClientsSetup.dbOption])

    public static func run(_ args: ParsedArguments) -> Int32 {
        guard let store = ClientsSetup.open(args) else { return ExitCode.failure }
        do { print(ClientDefinition.file(try ClientsSetup.all(store)), terminator: "") } catch {
            Terminal.error(error.description)
            return ExitCode.failure
        }
        return ExitCode.success
    }
}
