/// The server side of one HTTP/1.1 connection, in one place for every rcom server (h11 keeps
/// its state machine in one table the same way). Bytes go in; requests come out numbered in
/// arrival order; responses go in by number, in any order, and come out as bytes in request
/// order. It owns keep-alive and `Connection: close`, `100 Continue` (sent in its turn, never
/// ahead of an earlier request's response), HEAD (headers without the body), methods no rcom
/// server implements (501), and the verdict after a parse error (its status, then close).
/// Pure: no I/O, no clock.
public struct HTTPServerConnection: Sendable {
    public enum State: Equatable, Sendable {
        /// Nothing buffered, nothing outstanding: between requests.
        case idle
        /// Bytes of a request have arrived, but not all of it.
        case readingRequest
        /// Every request read so far is complete and at least one is not answered yet.
        case awaitingResponse
        /// No more requests will be read (peer finished, `Connection: close`, error, drain):
        /// what is outstanding is answered, then the connection closes.
        case mustClose
        /// The close has been handed to the caller.
        case closed
    }

    public enum Event: Equatable, Sendable {
        case request(sequence: UInt64, HTTPRequest)
        case needData
        /// Nothing more will be read from this connection.
        case readingDone
    }

    /// What the caller writes, then whether it closes after writing.
    public struct Output: Equatable, Sendable {
        public var bytes: [UInt8]
        public var close: Bool
    }

    /// Methods some rcom server route takes or answers 405 for; others are 501 (RFC 9110 §9.1).
    static let knownMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]

    /// `knownMethods.contains`, asked per request: the two methods rcom's servers serve are
    /// compared first (a small String compares as two words; the set hashed it with SipHash).
    static func isKnown(_ method: String) -> Bool {
        method == "POST" || method == "GET" || knownMethods.contains(method)
    }

    private struct Slot {
        var isHead: Bool
        var response: HTTPResponse?
    }

    private var decoder: HTTPRequestDecoder
    private var nextSequence: UInt64 = 0
    private var nextToWrite: UInt64 = 0
    /// Requests read and not yet written, by sequence (`nextToWrite ..< nextSequence`).
    private var slots: [UInt64: Slot] = [:]
    /// The last request that will be answered; set once reading is done.
    private var lastSequence: UInt64?
    /// `100 Continue` owed to this request, written when its turn comes.
    private var continueOwed: UInt64?
    private var output: [UInt8] = []
    private var closeDue = false
    private var closeHandedOut = false
    /// The codec refused this connection's bytes (its error status was the last answer).
    public private(set) var refusedByCodec = false

    public init(limits: HTTPLimits) { decoder = HTTPRequestDecoder(limits: limits) }

    public var state: State {
        if closeHandedOut { return .closed }
        if lastSequence != nil || closeDue { return .mustClose }
        if nextToWrite < nextSequence { return .awaitingResponse }
        return decoder.bufferedBytes > 0 || decoder.isReadingBody ? .readingRequest : .idle
    }

    /// Requests read and not answered yet.
    public var outstanding: Int { Int(nextSequence - nextToWrite) }
    public var bufferedBytes: Int { decoder.bufferedBytes }

    /// An array is taken over without a copy when nothing is buffered.
    public mutating func receive(_ bytes: [UInt8]) {
        guard lastSequence == nil else { return }
        decoder.receive(bytes)
    }

    public mutating func receive<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        guard lastSequence == nil else { return }
        decoder.receive(bytes)
    }

    /// The peer finished sending. Requests it already sent are still answered (a client that
    /// half-closes after its request, as HTTP/1.0 clients and `nc -N` do, gets its response).
    public mutating func receiveEOF() { decoder.receiveEOF() }

    public mutating func next() -> Event {
        while lastSequence == nil && !closeDue {
            switch decoder.next() {
            case .message(let request):
                let sequence = nextSequence
                nextSequence += 1
                slots[sequence] = Slot(isHead: request.method == "HEAD")
                if !request.keepAlive { stopReading() }
                guard Self.isKnown(request.method) else {
                    respond(sequence, .error(501, "method \(request.method.prefix(32)) is not implemented"))
                    continue
                }
                return .request(sequence: sequence, request)
            case .expectContinue:
                // The request waiting for its body gets the next sequence number.
                if nextSequence == nextToWrite { output += HTTPSerializer.continueResponse } else { continueOwed = nextSequence }
            case .needData:
                return .needData
            case .closed:
                stopReading()
            case .error(let e):
                if e.kind == .truncated {
                    // The peer left mid-request: nobody is there to read an answer to it.
                    stopReading()
                } else {
                    refusedByCodec = true
                    refuse(e.status, e.message)
                }
            }
        }
        return .readingDone
    }

    /// Answers request `sequence`. Responses that arrive ahead of an earlier one wait for it.
    /// A response that says `Connection: close` ends the connection after it.
    public mutating func respond(_ sequence: UInt64, _ response: HTTPResponse) {
        guard !closeDue, sequence >= nextToWrite, sequence < nextSequence, slots[sequence]?.response == nil else { return }
        slots[sequence]!.response = response
        if response.headers.hasToken("connection", "close") { stopReading(after: sequence) }
        while let slot = slots[nextToWrite], var r = slot.response {
            slots[nextToWrite] = nil
            let last = lastSequence == nextToWrite
            if last { r.headers.set("Connection", "close") }
            let bytes = HTTPSerializer.bytes(r, bodyOmitted: slot.isHead)
            if output.isEmpty { output = bytes } else { output += bytes }
            nextToWrite += 1
            if last {
                closeDue = true
                slots.removeAll()
                break
            }
            if continueOwed == nextToWrite {
                continueOwed = nil
                output += HTTPSerializer.continueResponse
            }
        }
    }

    /// Stops reading and answers `status` as the next request's response (a parse error, a
    /// request that did not arrive in time, a drain). Earlier requests are still answered first.
    public mutating func refuse(_ status: Int, _ message: String) {
        guard !closeDue else { return }
        let sequence = nextSequence
        nextSequence += 1
        slots[sequence] = Slot(isHead: false)
        stopReading(after: sequence)
        respond(sequence, .error(status, message, keepAlive: false))
    }

    /// Reads no more; closes once what was read is answered (at once if nothing is outstanding).
    public mutating func stopReading() {
        guard lastSequence == nil else { return }
        if nextSequence == nextToWrite {
            lastSequence = nextSequence
            closeDue = true
            slots.removeAll()
        } else {
            lastSequence = nextSequence - 1
        }
    }

    private mutating func stopReading(after sequence: UInt64) {
        lastSequence = min(lastSequence ?? .max, sequence)
    }

    /// Bytes to write and whether to close after them; each byte and the close are handed out once.
    public mutating func takeOutput() -> Output {
        let out = Output(bytes: output, close: closeDue && !closeHandedOut)
        // Not removeAll(keepingCapacity:): the array is shared with `out` now, so keeping its
        // capacity allocated a new buffer per call; the next response's array is adopted instead.
        output = []
        if closeDue { closeHandedOut = true }
        return out
    }
}
