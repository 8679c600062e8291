/// What one listener of a server serves. A server may listen on one address for everything
/// or split its roles, so that only what must be public is: the proxy's callbacks, the
/// tracking links. A connection's listener decides which requests it may make; a request
/// outside its roles is answered 404, as if the endpoint did not exist there.
public struct ListenerRoles: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Proxy: jobs (`POST` to any path) and the answers that teach a client the API.
    public static let clients = ListenerRoles(rawValue: 1)
    /// Proxy: `POST /callback/<instance>/<token>`, the one endpoint the job server must reach.
    public static let callbacks = ListenerRoles(rawValue: 2)
    /// Track: `GET /e/<id>`, `GET /a/<id>`, the links people click.
    public static let links = ListenerRoles(rawValue: 8)
    /// `/metrics`, `/stats`, `/healthz`: for the operator and the load balancer.
    public static let admin = ListenerRoles(rawValue: 4)
    /// Serve: the notification API, `/v1/...` (API keys required).
    public static let api = ListenerRoles(rawValue: 16)

    public static let proxy: ListenerRoles = [.clients, .callbacks, .admin]
    public static let track: ListenerRoles = [.links, .admin]
    public static let serve: ListenerRoles = [.api, .admin]

    static let names: [(ListenerRoles, String, exposure: String)] = [
        (.clients, "clients", "job starts on any account (clients)"), (.callbacks, "callbacks", "job callbacks"),
        (.links, "links", "tracking links"), (.api, "api", "the notification API /v1 (API keys)"), (.admin, "admin", "/metrics, /stats and /healthz (admin)"),
    ]

    /// `clients+callbacks+admin`, the trace header's form.
    public var name: String { Self.names.filter { contains($0.0) }.map(\.1).joined(separator: "+") }

    public init?(name: String) {
        var roles: ListenerRoles = []
        for part in name.split(separator: "+") {
            guard let r = Self.names.first(where: { $0.1 == part }) else { return nil }
            roles.insert(r.0)
        }
        guard !roles.isEmpty else { return nil }
        self = roles
    }

    /// What is reachable on a listener with these roles, in words (for the exposure notice).
    public var exposure: String { Self.names.filter { contains($0.0) }.map(\.exposure).joined(separator: ", ") }

    /// A trace header's `listener_roles` value: one name per listener, comma-separated.
    public static func traceValue(_ roles: [ListenerRoles]) -> String { roles.map(\.name).joined(separator: ",") }

    /// nil: malformed. An absent value means one listener serving `everything`.
    public static func fromTrace(_ value: String?, everything: ListenerRoles) -> [ListenerRoles]? {
        guard let value else { return [everything] }
        let parsed = value.split(separator: ",").map { ListenerRoles(name: String($0)) }
        guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil }) else { return nil }
        return parsed.compactMap { $0 }
    }

    /// The roles of a connection's listener in `roles` (none for a listener it lacks).
    public static func of(listener: Int?, in roles: [ListenerRoles]) -> ListenerRoles {
        guard let listener, roles.indices.contains(listener) else { return [] }
        return roles[listener]
    }
}
