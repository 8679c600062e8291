import RcomStore

/// Parsed client definitions kept with the text they were parsed from. A long-running process
/// (`rcom serve`) reads a client's stored definition on every use, since another process
/// (`rcom clients apply`, another instance) may change it, but parses it again only when that
/// text changed. Parsing each event's client was 27 % of `rcom serve`'s CPU under load (perf
/// record on the serve process under wrk, 2026-12-08 01:14).
///
/// Bound: `entriesMax` clients; at the bound the cache starts afresh (parsing again as needed).
/// One thread uses an instance.
final class ClientDefinitionCache {
    static let entriesMax = 10_000
    private let parser = ClientsSetup.parser()
    private var entries: [String: (json: String, client: ClientDefinition)] = [:]

    /// As `ClientsSetup.load`: the stored definition of `id`, parsed; nil when there is none.
    func load(_ store: ClientStore, id: String) -> Result<ClientDefinition?, StoreError> {
        let json: String
        do {
            guard let found = try store.clientDefinition(id: id) else {
                entries[id] = nil
                return .success(nil)
            }
            json = found
        } catch { return .failure(error) }
        if let kept = entries[id], kept.json == json { return .success(kept.client) }
        return ClientsSetup.parsed(json, id: id, parser: parser).map { c in
            if entries.count >= Self.entriesMax { entries.removeAll(keepingCapacity: true) }
            entries[id] = (json, c)
            return c
        }
    }
}
