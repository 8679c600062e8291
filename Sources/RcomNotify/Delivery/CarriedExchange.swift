import RcomCore

/// An HTTP request the reactor cannot carry itself (https: the reactor has no TLS), handed by
/// the delivery stage to a transport outside the reactor (`URLSessionCarrier`). The answer comes
/// back as a `.wakeup(tag: CarriedAnswer.tag, ...)` event naming `exchange`, so the stage reads
/// it exactly like an answer off its own connections: same adapter, timeout and retries.
public struct CarriedRequest: Sendable, Equatable {
    public let exchange: ConnectionID
    public let url: HTTPURL
    public let request: HTTPRequest
    public let timeout_ms: Int64
}

/// Where the stage's carried requests go. Called on the reactor thread; must not block.
public protocol RequestCarrier: AnyObject {
    func carry(_ request: CarriedRequest)
}

/// The answer to a carried request as a wakeup payload: 8 bytes of exchange id (big-endian),
/// one kind byte, then the response in HTTP/1.1 wire form (so a trace shows it as it was, and
/// the stage reads it with the same decoder) or the failure reason in UTF-8.
public enum CarriedAnswer: Equatable, Sendable {
    case response(ConnectionID, HTTPResponse)
    case failed(ConnectionID, String)

    public static let tag = "rcom.carried"

    public var event: ReactorEvent { .wakeup(tag: Self.tag, payload: payload) }

    public var payload: [UInt8] {
        switch self {
        case .response(let id, let r): return Self.head(id, 0) + HTTPSerializer.bytes(r)
        case .failed(let id, let why): return Self.head(id, 1) + Array(why.utf8)
        }
    }

    /// Nil for a payload that is not one (truncated, unknown kind, undecodable response).
    public static func decode(_ payload: [UInt8]) -> CarriedAnswer? {
        guard payload.count >= 9 else { return nil }
        let id = ConnectionID(raw: payload[0..<8].reduce(0) { $0 << 8 | UInt64($1) })
        let rest = payload[9...]
        switch payload[8] {
        case 0:
            var d = HTTPResponseDecoder()
            d.requestSent(isHead: false)
            d.receive(rest)
            d.receiveEOF()
            guard case .message(let r) = d.next() else { return nil }
            return .response(id, r)
        case 1:
            return .failed(id, String(decoding: rest, as: UTF8.self))
        default:
            return nil
        }
    }

    private static func head(_ id: ConnectionID, _ kind: UInt8) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: id.raw >> (56 - 8 * UInt64($0))) } + [kind]
    }
}
