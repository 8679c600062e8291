@testable import RcomCore

/// The conformance fixtures: inputs written from design/http-verdicts.md, RFC 9112 and RFC 9110,
/// each with the verdict the table gives it. Everything lives in this namespace so that the
/// fixtures do not collide with the other codec tests' helpers.
enum Conformance {
    /// The classes of design/http-verdicts.md; a summary groups disagreements by them.
    enum Cls: String, Sendable, CaseIterable {
        case lineEnding = "line ending"
        case notHTTP = "not HTTP"
        case requestLine = "request line"
        case method = "method"
        case target = "target"
        case version = "version"
        case fieldLine = "field line"
        case fieldValue = "field value"
        case headerSection = "header section"
        case host = "Host"
        case contentLength = "Content-Length"
        case transferEncoding = "Transfer-Encoding"
        case chunkSize = "chunk size"
        case chunkExt = "chunk-ext"
        case chunkLine = "chunk line"
        case chunkData = "chunk data"
        case trailers = "trailers"
        case expect = "Expect"
        case eof = "EOF"
        case statusLine = "status line"
        case framing = "framing"
        case interim = "interim"
    }

    /// One check on the decoded header fields ("chosen header values", not the whole list).
    enum FieldCheck: Sendable {
        /// Every field of that name, in order, has exactly these values (grouped by name).
        case value(String, String)
        /// Exactly one field of that name; its value is not compared (invalid UTF-8 obs-text,
        /// whose String form is the decoder's choice).
        case present(String)
        /// No field of that name (a dropped trailer).
        case absent(String)
    }

    struct ExpectedRequest: Sendable {
        var method: String
        var target: String
        var version: HTTPVersion
        var fields: [FieldCheck]
        var body: [UInt8]
    }

    enum RequestVerdict: Sendable {
        case accept(ExpectedRequest)
        case reject(status: Int)
    }

    struct RequestCase: Sendable {
        let name: String
        let cls: Cls
        let rfc: String
        let input: [UInt8]
        let verdict: RequestVerdict
        /// EOF belongs to the case (a truncated message). Otherwise a rejection must come from
        /// the bytes alone, with no EOF fed.
        let eof: Bool
        let limits: HTTPLimits
        /// The error kind when a status does not say it (a 400 for a passed bound is `tooLarge`).
        var kind: HTTPParseError.Kind? = nil
    }

    struct ExpectedResponse: Sendable {
        var status: Int
        var reason: String
        var version: HTTPVersion
        var fields: [FieldCheck]
        var body: [UInt8]
    }

    enum ResponseVerdict: Sendable {
        /// The responses the client sees, in order (interim 1xx already skipped).
        case accept([ExpectedResponse])
        /// Any error: on the client side every rejection means "the peer is broken" (502).
        case reject
    }

    struct ResponseCase: Sendable {
        let name: String
        let cls: Cls
        let rfc: String
        let input: [UInt8]
        let verdict: ResponseVerdict
        /// For each request sent on the connection, in order: was it HEAD?
        let heads: [Bool]
        /// The last body runs until the peer closes: nothing may come out before EOF, and no
        /// next response can follow it.
        let untilEOF: Bool
        /// A rejection that needs EOF (truncation).
        let eof: Bool
        let limits: HTTPLimits
    }
}

// MARK: - Building inputs

/// A piece of raw input: a string (its UTF-8) or explicit bytes (for obs-text and invalid UTF-8).
struct RawPiece: ExpressibleByStringLiteral, ExpressibleByArrayLiteral, Sendable {
    let bytes: [UInt8]
    init(stringLiteral value: String) { bytes = Array(value.utf8) }
    init(arrayLiteral elements: UInt8...) { bytes = elements }
    init(_ s: String) { bytes = Array(s.utf8) }
}

extension Conformance {
    /// Concatenates pieces. Built from bytes, never Characters: in Swift "\r\n" is one Character.
    static func raw(_ pieces: RawPiece...) -> [UInt8] { pieces.flatMap(\.bytes) }

    static func b(_ s: String) -> [UInt8] { Array(s.utf8) }

    static func repeated(_ s: String, _ n: Int) -> String { String(repeating: s, count: n) }

    /// Small limits for the cases about bounds that would otherwise need megabytes.
    static let small = HTTPLimits(startLineBytesMax: 64, headerBytesMax: 128, headerCountMax: 6,
                                  bodyBytesMax: 16, chunkLineBytesMax: 32)

    static let chunkedHead = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
}

// MARK: - Building request cases

extension Conformance {
    static func ok(_ name: String, _ cls: Cls, _ rfc: String, _ input: [UInt8],
                   _ method: String = "GET", _ target: String = "/", _ version: HTTPVersion = .http11,
                   fields: [FieldCheck] = [], body: [UInt8] = [], limits: HTTPLimits = .standard) -> RequestCase {
        RequestCase(name: name, cls: cls, rfc: rfc, input: input,
                    verdict: .accept(ExpectedRequest(method: method, target: target, version: version,
                                                     fields: fields, body: body)),
                    eof: false, limits: limits)
    }

    static func ok(_ name: String, _ cls: Cls, _ rfc: String, _ input: String,
                   _ method: String = "GET", _ target: String = "/", _ version: HTTPVersion = .http11,
                   fields: [FieldCheck] = [], body: String = "", limits: HTTPLimits = .standard) -> RequestCase {
        ok(name, cls, rfc, b(input), method, target, version, fields: fields, body: b(body), limits: limits)
    }

    static func bad(_ name: String, _ cls: Cls, _ rfc: String, _ input: [UInt8], _ status: Int,
                    eof: Bool = false, limits: HTTPLimits = .standard, kind: HTTPParseError.Kind? = nil) -> RequestCase {
        RequestCase(name: name, cls: cls, rfc: rfc, input: input, verdict: .reject(status: status),
                    eof: eof, limits: limits, kind: kind)
    }

    static func bad(_ name: String, _ cls: Cls, _ rfc: String, _ input: String, _ status: Int,
                    eof: Bool = false, limits: HTTPLimits = .standard, kind: HTTPParseError.Kind? = nil) -> RequestCase {
        bad(name, cls, rfc, b(input), status, eof: eof, limits: limits, kind: kind)
    }

    static func v(_ name: String, _ value: String) -> FieldCheck { .value(name, value) }
}

// MARK: - Building response cases

extension Conformance {
    static func res(_ status: Int, _ reason: String, _ version: HTTPVersion = .http11,
                    fields: [FieldCheck] = [], body: [UInt8] = []) -> ExpectedResponse {
        ExpectedResponse(status: status, reason: reason, version: version, fields: fields, body: body)
    }

    static func rok(_ name: String, _ cls: Cls, _ rfc: String, _ input: [UInt8], _ expected: [ExpectedResponse],
                    heads: [Bool] = [], untilEOF: Bool = false,
                    limits: HTTPLimits = .standard) -> ResponseCase {
        ResponseCase(name: name, cls: cls, rfc: rfc, input: input, verdict: .accept(expected), heads: heads,
                     untilEOF: untilEOF, eof: false, limits: limits)
    }

    static func rok(_ name: String, _ cls: Cls, _ rfc: String, _ input: String, _ expected: ExpectedResponse,
                    heads: [Bool] = [], untilEOF: Bool = false,
                    limits: HTTPLimits = .standard) -> ResponseCase {
        rok(name, cls, rfc, b(input), [expected], heads: heads, untilEOF: untilEOF, limits: limits)
    }

    static func rbad(_ name: String, _ cls: Cls, _ rfc: String, _ input: [UInt8], heads: [Bool] = [],
                     eof: Bool = false, limits: HTTPLimits = .standard) -> ResponseCase {
        ResponseCase(name: name, cls: cls, rfc: rfc, input: input, verdict: .reject, heads: heads,
                     untilEOF: false, eof: eof, limits: limits)
    }

    static func rbad(_ name: String, _ cls: Cls, _ rfc: String, _ input: String, heads: [Bool] = [],
                     eof: Bool = false, limits: HTTPLimits = .standard) -> ResponseCase {
        rbad(name, cls, rfc, b(input), heads: heads, eof: eof, limits: limits)
    }
}
