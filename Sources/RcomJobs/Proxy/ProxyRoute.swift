import RcomCore

/// Which stage a request is for. Callbacks are `POST /callback/<instance>/<token>` with no
/// query: the proxy hands out no other URL, so any other target (another instance's name, a
/// query, extra segments) is not one of its callbacks and gets 404 by token.
enum ProxyRoute {
    case job
    /// nil: a callback URL that names none of our tokens (answered 404 as unknown).
    case callback(token: CallbackToken?)
    /// Answered by the proxy itself; `admin`: `/healthz`, `/stats`, `/metrics` (any method).
    case local(admin: Bool)

    init(_ r: HTTPRequest, instance: String) {
        let target = r.originTarget
        let query = target.firstIndex(of: "?")
        let path = query.map { target[..<$0] } ?? target
        if path.hasPrefix("/callback/") {
            guard r.method == "POST" else { self = .local(admin: false); return }
            // `<instance>/<token>`: exactly two segments, no query.
            let rest = path.dropFirst("/callback/".count)
            guard query == nil, let slash = rest.firstIndex(of: "/"), rest[..<slash] == instance else {
                self = .callback(token: nil)
                return
            }
            self = .callback(token: CallbackToken(hex: rest[rest.index(after: slash)...]))
            return
        }
        if path == "/healthz" || path == "/stats" || path == "/metrics" {
            self = .local(admin: true)
        } else {
            self = r.method != "POST" ? .local(admin: false) : .job
        }
    }
}

/// The role a request needs on the proxy, decided by its route alone.
extension ProxyRoute {
    var role: ListenerRoles {
        switch self {
        case .job: return .clients
        case .callback: return .callbacks
        case .local(let admin): return admin ? .admin : .clients
        }
    }
}
