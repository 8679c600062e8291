import RcomCore

/// Stage 4 (deliver): responses → bytes on the right connection, in request order. A response
/// that is ready before an earlier one on the same connection waits for it.
struct DeliverStage {
    private struct Outbox {
        var nextToWrite: UInt64 = 0
        var ready: [UInt64: HTTPResponse] = [:]
        var closeAfter: UInt64?
    }

    private var outboxes: [ConnectionID: Outbox] = [:]

    mutating func opened(_ id: ConnectionID) { outboxes[id] = Outbox() }
    mutating func gone(_ id: ConnectionID) { outboxes[id] = nil }

    /// Marks that the connection must close after the response to `sequence` (Connection: close,
    /// HTTP/1.0, or a protocol error that makes the rest of the stream unreadable).
    mutating func closeAfter(_ ref: RequestRef) {
        guard outboxes[ref.connection] != nil else { return }
        let current = outboxes[ref.connection]!.closeAfter ?? .max
        outboxes[ref.connection]!.closeAfter = min(current, ref.sequence)
    }

    mutating func deliver(_ d: Delivery) -> [ReactorEffect] {
        let id = d.ref.connection
        guard var box = outboxes[id], d.ref.sequence >= box.nextToWrite else { return [] }
        box.ready[d.ref.sequence] = d.response
        var effects: [ReactorEffect] = []
        while let response = box.ready.removeValue(forKey: box.nextToWrite) {
            var r = response
            let last = box.closeAfter == box.nextToWrite
            if last { r.headers.set("Connection", "close") }
            effects.append(.write(id, HTTPSerializer.bytes(r)))
            box.nextToWrite += 1
            if last {
                effects.append(.close(id))
                box.ready.removeAll()
                break
            }
        }
        outboxes[id] = box
        return effects
    }
}
