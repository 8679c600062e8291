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

    /// By bytes, not Characters (the decoder admits only visible ASCII in a target, where the two
    /// agree): routing by Character was 7 % of the proxy's user CPU.
    init(_ r: HTTPRequest, instance: String) {
        let target = r.originTarget.utf8
        let query = target.firstIndex(of: UInt8(ascii: "?"))
        let path = target[..<(query ?? target.endIndex)]
        if path.starts(with: "/callback/".utf8) {
            guard r.method == "POST" else { self = .local(admin: false); return }
            // `<instance>/<token>`: exactly two segments, no query.
            let rest = path.dropFirst("/callback/".utf8.count)
            guard query == nil, let slash = rest.firstIndex(of: UInt8(ascii: "/")), Substring(rest[..<slash]) == instance else {
                self = .callback(token: nil)
                return
            }
            self = .callback(token: CallbackToken(hex: Substring(rest[rest.index(after: slash)...])))
            return
        }
        if path.elementsEqual("/healthz".utf8) || path.elementsEqual("/stats".utf8) || path.elementsEqual("/metrics".utf8) {
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
