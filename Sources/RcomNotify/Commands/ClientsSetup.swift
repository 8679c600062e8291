import Foundation
import RcomCLI
import RcomCore
import RcomStore

/// What every `rcom clients` command and `rcom notify` share: the store, the parser on the
/// configured channel settings (an SMS country code changes how numbers normalise), reading the
/// stored definitions back, and the "unknown client" message.
enum ClientsSetup {
    static let dbOption = OptionSpec("db", value: "PATH|URL", help: "Database shared with rcom send: an SQLite path or postgres://user[:password]@host[:port]/dbname (else RCOM_DATABASE_URL)", default: SendSetup.defaultDatabase, env: "RCOM_DB")
    static let jsonOption = OptionSpec("json", help: "Print the result as JSON", env: "RCOM_JSON")

    /// Exit code of a file or client that does not validate (the same as a usage error: the
    /// person must fix the input).
    static let exitInvalid = ExitCode.usage

    static func parser(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> ClientFileParser {
        ClientFileParser(registry: ChannelRegistry(settings: ChannelSettings(values: environment.filter { $0.key.hasPrefix("RCOM_") })))
    }

    typealias Store = NotificationStore & ClientStore

    static func missingID(_ spec: CommandSpec) -> Int32 {
        Terminal.error("missing ID (see rcom \(spec.name) --help)")
        return ExitCode.usage
    }

    static func open(_ args: ParsedArguments) -> Store? {
        switch SendSetup.openStore(args) {
        case .failure(let why):
            Terminal.error(why.message)
            return nil
        case .success(let s):
            guard let c = s as? Store else { Terminal.error("this store keeps no clients"); return nil }
            return c
        }
    }

    /// The stored definition of `id`, parsed; nil (after saying why on stderr) when unknown.
    static func load(_ store: ClientStore, id: String) -> Result<ClientDefinition?, StoreError> {
        do {
            guard let json = try store.clientDefinition(id: id) else { return .success(nil) }
            return parsed(json, id: id, parser: parser()).map { $0 }
        } catch { return .failure(error) }
    }

    /// A stored definition parsed; a failure says the client as stored no longer validates.
    static func parsed(_ json: String, id: String, parser: ClientFileParser) -> Result<ClientDefinition, StoreError> {
        switch parser.parseClient(Array(json.utf8)) {
        case .success(let c): return .success(c)
        case .failure(let e):
            // Stored by an rcom with other rules (a channel since removed): say so, do not guess.
            return .failure(.store(e.errors.map(\.description).joined(separator: "; "), context: "client \(id) as stored no longer validates"))
        }
    }

    static func all(_ store: ClientStore) throws(StoreError) -> [ClientDefinition] {
        let p = parser()
        return try store.clientDefinitions().map { row throws(StoreError) in
            switch p.parseClient(Array(row.json.utf8)) {
            case .success(let c): return c
            case .failure(let e):
                throw .store(e.errors.map(\.description).joined(separator: "; "), context: "client \(row.id) as stored no longer validates")
            }
        }
    }

    /// "unknown client 'acmee'; nearest: acme, acme-eu" (by edit distance, at most 3).
    static func unknown(_ id: String, store: ClientStore) -> String {
        let ids = ((try? store.clientDefinitions()) ?? []).map(\.id)
        let nearest = ids.map { ($0, editDistance($0, id)) }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(3).map(\.0)
        return "unknown client \(TerminalText.quoted(id))" + (nearest.isEmpty ? "; no clients yet (rcom clients apply FILE)" : "; nearest: \(nearest.joined(separator: ", "))")
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8.prefix(64)), b = Array(b.utf8.prefix(64))
        var row = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var prev = row[0]
            row[0] = i
            for j in 1...max(1, b.count) where !b.isEmpty {
                let cur = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                prev = cur
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}
