@testable import RcomCore

/// Request cases: chunk sizes, chunk extensions, chunk lines, chunk data, trailers.
extension Conformance {
    /// A chunked POST whose body is `chunks`, expected to decode to `body`.
    static func chunkedOK(_ name: String, _ cls: Cls, _ rfc: String, _ chunks: String, _ body: String,
                          limits: HTTPLimits = .standard) -> RequestCase {
        ok(name, cls, rfc, chunkedHead + chunks, "POST", fields: [v("Transfer-Encoding", "chunked")], body: body,
           limits: limits)
    }

    static func chunkedBad(_ name: String, _ cls: Cls, _ rfc: String, _ chunks: String, _ status: Int,
                           limits: HTTPLimits = .standard, kind: HTTPParseError.Kind? = nil) -> RequestCase {
        bad(name, cls, rfc, chunkedHead + chunks, status, limits: limits, kind: kind)
    }

    static func chunkedBad(_ name: String, _ cls: Cls, _ rfc: String, _ chunks: [UInt8], _ status: Int) -> RequestCase {
        bad(name, cls, rfc, b(chunkedHead) + chunks, status)
    }

    static let sixtyThree = repeated("x", 63)

    static let chunkSizeCases: [RequestCase] = [
        chunkedOK("lower-case hex", .chunkSize, "9112 §7.1", "a\r\n0123456789\r\n0\r\n\r\n", "0123456789"),
        chunkedOK("upper-case hex", .chunkSize, "9112 §7.1", "A\r\n0123456789\r\n0\r\n\r\n", "0123456789"),
        chunkedOK("several chunks", .chunkSize, "9112 §7.1", "5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n", "hello world"),
        chunkedOK("leading zeros (16 digits)", .chunkSize, "9112 §7.1",
                  "000000000000003f\r\n\(sixtyThree)\r\n0\r\n\r\n", sixtyThree),
        chunkedOK("leading zeros (34 digits)", .chunkSize, "9112 §7.1",
                  "0000000000000000000000000000000005\r\nhello\r\n0\r\n\r\n", "hello"),
        chunkedOK("last chunk with leading zeros", .chunkSize, "9112 §7.1", "2\r\nhi\r\n000\r\n\r\n", "hi"),
        chunkedOK("zero-padded sizes within a small limit", .chunkSize, "9112 §7.1",
                  "00000000000000000000000008\r\nbbbbbbbb\r\n0000000000000000000008\r\nbbbbbbbb\r\n0\r\n\r\n",
                  repeated("b", 16), limits: small),
        // The table: leading zeros are "not counted against any limit"; here only the zeros take
        // the line past the small 32-byte chunk-line bound.
        chunkedOK("leading zeros past the chunk-line bound", .chunkSize, "9112 §7.1",
                  "\(repeated("0", 40))8\r\nbbbbbbbb\r\n0\r\n\r\n", "bbbbbbbb", limits: small),
        chunkedBad("0x prefix", .chunkSize, "9112 §7.1", "0x5\r\nhello\r\n0\r\n\r\n", 400),
        chunkedBad("empty size line", .chunkSize, "9112 §7.1", "\r\nhello\r\n0\r\n\r\n", 400),
        chunkedBad("plus sign", .chunkSize, "9112 §7.1", "+5\r\nhello\r\n0\r\n\r\n", 400),
        chunkedBad("minus sign", .chunkSize, "9112 §7.1", "-5\r\nhello\r\n0\r\n\r\n", 400),
        chunkedBad("a space before the digits", .chunkSize, "9112 §7.1", " 5\r\nhello\r\n0\r\n\r\n", 400),
        chunkedBad("a tab before the digits", .chunkSize, "9112 §7.1", "\t5\r\nhello\r\n0\r\n\r\n", 400),
        chunkedBad("not hex", .chunkSize, "9112 §7.1", "g\r\nhello\r\n0\r\n\r\n", 400),
        chunkedBad("a letter after the digits", .chunkSize, "9112 §7.1", "5x\r\nhello\r\n0\r\n\r\n", 400),
        chunkedBad("an extension with no size", .chunkSize, "9112 §7.1", ";ext\r\nhello\r\n0\r\n\r\n", 400),
        chunkedBad("over the 1 MiB limit", .chunkSize, "9112 §7.1", "100001\r\n", 413),
        chunkedBad("16 hex digits of f", .chunkSize, "9112 §7.1", "ffffffffffffffff\r\n", 413),
        chunkedBad("2^64 (17 digits)", .chunkSize, "9112 §7.1", "10000000000000000\r\n", 413),
        chunkedBad("64 hex digits of f", .chunkSize, "9112 §7.1", repeated("f", 64) + "\r\n", 413),
        chunkedBad("leading zeros before a value over the limit", .chunkSize, "9112 §7.1", "0000100001\r\n", 413),
        chunkedBad("the body so far over a small limit", .chunkSize, "9112 §7.1",
                   "8\r\nbbbbbbbb\r\n9\r\n", 413, limits: small),
        chunkedBad("one chunk over a small limit", .chunkSize, "9112 §7.1", "11\r\n", 413, limits: small),
    ]

    static let chunkExtCases: [RequestCase] = [
        chunkedOK("5;a=b", .chunkExt, "9112 §7.1.1", "5;a=b\r\nhello\r\n0\r\n\r\n", "hello"),
        chunkedOK("5 ;a=\"q\\\"x\"", .chunkExt, "9112 §7.1.1", "5 ;a=\"q\\\"x\"\r\nhello\r\n0\r\n\r\n", "hello"),
        chunkedOK("5;a;b=c", .chunkExt, "9112 §7.1.1", "5;a;b=c\r\nhello\r\n0\r\n\r\n", "hello"),
        chunkedOK("a name alone", .chunkExt, "9112 §7.1.1", "5;a\r\nhello\r\n0\r\n\r\n", "hello"),
        chunkedOK("BWS after ;", .chunkExt, "9112 §7.1.1", "5; a=b\r\nhello\r\n0\r\n\r\n", "hello"),
        chunkedOK("BWS around =", .chunkExt, "9112 §7.1.1", "5;a = b\r\nhello\r\n0\r\n\r\n", "hello"),
        chunkedOK("a tab as BWS", .chunkExt, "9112 §7.1.1", "5\t;a\r\nhello\r\n0\r\n\r\n", "hello"),
        chunkedOK("empty quoted value", .chunkExt, "9112 §7.1.1", "5;a=\"\"\r\nhello\r\n0\r\n\r\n", "hello"),
        chunkedOK("quoted value with a space", .chunkExt, "9112 §7.1.1", "5;a=\"x y\"\r\nhello\r\n0\r\n\r\n", "hello"),
        chunkedOK("quoted value with a tab", .chunkExt, "9112 §7.1.1", "5;a=\"x\ty\"\r\nhello\r\n0\r\n\r\n", "hello"),
        chunkedOK("quoted value with obs-text", .chunkExt, "9112 §7.1.1",
                  "5;a=\"caf\u{E9}\"\r\nhello\r\n0\r\n\r\n", "hello"),
        chunkedOK("quoted-pair of a letter", .chunkExt, "9110 §5.6.4", "5;a=\"t\\ab\"\r\nhello\r\n0\r\n\r\n", "hello"),
        chunkedOK("quoted value with ; and =", .chunkExt, "9112 §7.1.1", "5;a=\"x;b=c\"\r\nhello\r\n0\r\n\r\n", "hello"),
        chunkedOK("three extensions", .chunkExt, "9112 §7.1.1", "5;a=b;c=d;e\r\nhello\r\n0\r\n\r\n", "hello"),
        chunkedOK("on the last chunk", .chunkExt, "9112 §7.1.1", "2\r\nhi\r\n0;a=b\r\n\r\n", "hi"),
        chunkedOK("every tchar in a name", .chunkExt, "9112 §7.1.1",
                  "5;!#$%&'*+-.^_`|~=x\r\nhello\r\n0\r\n\r\n", "hello"),
        chunkedBad("2 erfrferferf", .chunkExt, "9112 §7.1.1", "2 erfrferferf\r\nhi\r\n0\r\n\r\n", 400),
        chunkedBad("2;", .chunkExt, "9112 §7.1.1", "2;\r\nhi\r\n0\r\n\r\n", 400),
        chunkedBad("2;a=\"x (unbalanced)", .chunkExt, "9112 §7.1.1", "2;a=\"x\r\nhi\r\n0\r\n\r\n", 400),
        chunkedBad("NUL in an extension", .chunkExt, "9112 §7.1.1", raw("2;a", [0], "=b\r\nhi\r\n0\r\n\r\n"), 400),
        chunkedBad("bare CR in an extension", .chunkExt, "9112 §7.1.1", "2;a\rb\r\nhi\r\n0\r\n\r\n", 400),
        chunkedBad("a \\r\\n (trailing space, no ;)", .chunkExt, "9112 §7.1.1", "a \r\n0123456789\r\n0\r\n\r\n", 400),
        chunkedBad("a trailing tab, no ;", .chunkExt, "9112 §7.1.1", "2\t\r\nhi\r\n0\r\n\r\n", 400),
        chunkedBad("= with no value", .chunkExt, "9112 §7.1.1", "2;a=\r\nhi\r\n0\r\n\r\n", 400),
        chunkedBad("= with no name", .chunkExt, "9112 §7.1.1", "2;=b\r\nhi\r\n0\r\n\r\n", 400),
        chunkedBad(";;", .chunkExt, "9112 §7.1.1", "2;;a\r\nhi\r\n0\r\n\r\n", 400),
        chunkedBad("a trailing ;", .chunkExt, "9112 §7.1.1", "2;a=b;\r\nhi\r\n0\r\n\r\n", 400),
        chunkedBad("a space inside a token value", .chunkExt, "9112 §7.1.1", "2;a=b c\r\nhi\r\n0\r\n\r\n", 400),
        chunkedBad("a trailing space after a value", .chunkExt, "9112 §7.1.1", "2;a=b \r\nhi\r\n0\r\n\r\n", 400),
        chunkedBad("a trailing space after a name", .chunkExt, "9112 §7.1.1", "2;a \r\nhi\r\n0\r\n\r\n", 400),
        chunkedBad("an escape eats the closing quote", .chunkExt, "9112 §7.1.1", "2;a=\"x\\\"\r\nhi\r\n0\r\n\r\n", 400),
        chunkedBad("junk after a quoted value", .chunkExt, "9112 §7.1.1", "2;a=\"x\"y\r\nhi\r\n0\r\n\r\n", 400),
        chunkedBad("obs-text in a token value", .chunkExt, "9112 §7.1.1", "2;a=caf\u{E9}\r\nhi\r\n0\r\n\r\n", 400),
        chunkedBad("DEL in a quoted value", .chunkExt, "9112 §7.1.1", "2;a=\"\u{7F}\"\r\nhi\r\n0\r\n\r\n", 400),
        chunkedBad("NUL in a quoted value", .chunkExt, "9112 §7.1.1", raw("2;a=\"x", [0], "\"\r\nhi\r\n0\r\n\r\n"), 400),
        chunkedBad("@ in a name", .chunkExt, "9112 §7.1.1", "2;a@b\r\nhi\r\n0\r\n\r\n", 400),
        chunkedBad("comma instead of ;", .chunkExt, "9112 §7.1.1", "2,a\r\nhi\r\n0\r\n\r\n", 400),
        chunkedBad("0; on the last chunk", .chunkExt, "9112 §7.1.1", "2\r\nhi\r\n0;\r\n\r\n", 400),
        chunkedBad("junk on the last chunk", .chunkExt, "9112 §7.1.1", "2\r\nhi\r\n0 junk\r\n\r\n", 400),
    ]

    static let chunkLineCases: [RequestCase] = [
        chunkedBad("size line ended by a bare LF", .chunkLine, "9112 §7.1", "5\nhello\r\n0\r\n\r\n", 400),
        chunkedBad("last chunk ended by a bare LF", .chunkLine, "9112 §7.1", "5\r\nhello\r\n0\n\r\n", 400),
        chunkedBad("2;\\n smuggling", .chunkLine, "9112 §7.1",
                   "2;\nxx\r\n4c\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        chunkedBad("size line CR then a byte", .chunkLine, "9112 §7.1", "5\rX\r\nhello\r\n0\r\n\r\n", 400),
        chunkedBad("over 1 KiB of extensions", .chunkLine, "9112 §7.1",
                   "5;a=\(repeated("b", 1100))\r\nhello\r\n0\r\n\r\n", 400, kind: .tooLarge),
        chunkedBad("over 1 KiB of extensions, no line end", .chunkLine, "9112 §7.1", "5;a=\(repeated("b", 1100))", 400,
                   kind: .tooLarge),
        chunkedBad("over a small line limit", .chunkLine, "9112 §7.1", "5;a=\(repeated("b", 40))\r\nhello\r\n0\r\n\r\n",
                   400, limits: small, kind: .tooLarge),
    ]

    static let chunkDataCases: [RequestCase] = [
        chunkedBad("a byte where CRLF belongs", .chunkData, "9112 §7.1", "3\r\nabcX\r\n0\r\n\r\n", 400),
        chunkedBad("data longer than its size", .chunkData, "9112 §7.1", "3\r\nabcd\r\n0\r\n\r\n", 400),
        chunkedBad("data followed by a bare LF", .chunkData, "9112 §7.1", "3\r\nabc\n0\r\n\r\n", 400),
        chunkedBad("data followed by CR and a byte", .chunkData, "9112 §7.1", "3\r\nabc\rX0\r\n\r\n", 400),
        chunkedBad("data shorter than its size", .chunkData, "9112 §7.1", "5\r\nabc\r\n0\r\n\r\n", 400),
        chunkedBad("data followed by LF CR", .chunkData, "9112 §7.1", "3\r\nabc\n\r0\r\n\r\n", 400),
        chunkedBad("data followed by nothing then the last chunk", .chunkData, "9112 §7.1", "3\r\nabc0\r\n\r\n", 400),
        chunkedOK("data containing CRLF", .chunkData, "9112 §7.1", "5\r\na\r\nbc\r\n0\r\n\r\n", "a\r\nbc"),
        chunkedOK("data containing NUL and DEL", .chunkData, "9112 §7.1", "3\r\n\u{0}\u{7F}x\r\n0\r\n\r\n", "\u{0}\u{7F}x"),
        chunkedOK("data that looks like a chunk line", .chunkData, "9112 §7.1", "3\r\n0\r\n\r\n0\r\n\r\n", "0\r\n"),
    ]

    static let trailerCases: [RequestCase] = [
        ok("one trailer, dropped", .trailers, "9112 §7.1.2", chunkedHead + "2\r\nhi\r\n0\r\nX-T: v\r\n\r\n", "POST",
           fields: [.absent("X-T")], body: "hi"),
        ok("two trailers, dropped", .trailers, "9112 §7.1.2", chunkedHead + "0\r\nA: 1\r\nB: 2\r\n\r\n", "POST",
           fields: [.absent("A"), .absent("B")]),
        ok("trailer with obs-text", .trailers, "9112 §7.1.2", raw(RawPiece(chunkedHead), "0\r\nX: ", [0xFF], "\r\n\r\n"),
           "POST", fields: [.absent("X")]),
        ok("trailer with an empty value", .trailers, "9112 §7.1.2", chunkedHead + "0\r\nX:\r\n\r\n", "POST"),
        ok("a Content-Length trailer does not frame anything", .trailers, "9112 §7.1.2",
           chunkedHead + "0\r\nContent-Length: 5\r\n\r\n", "POST", fields: [v("Transfer-Encoding", "chunked")]),
        ok("a Host trailer is dropped", .trailers, "9112 §7.1.2",
           chunkedHead + "0\r\nHost: b\r\n\r\n", "POST", fields: [v("Host", "a")]),
        bad("no colon", .trailers, "9112 §7.1.2", chunkedHead + "0\r\nNoColon\r\n\r\n", 400),
        bad("bare CR", .trailers, "9112 §7.1.2", chunkedHead + "0\r\nX: a\rb\r\n\r\n", 400),
        bad("NUL", .trailers, "9112 §7.1.2", raw(RawPiece(chunkedHead), "0\r\nX: a", [0], "\r\n\r\n"), 400),
        bad("space before the colon", .trailers, "9112 §7.1.2", chunkedHead + "0\r\nX : a\r\n\r\n", 400),
        bad("obs-fold", .trailers, "9112 §7.1.2", chunkedHead + "0\r\nX: a\r\n b\r\n\r\n", 400),
        bad("first trailer starts with a space", .trailers, "9112 §7.1.2", chunkedHead + "0\r\n X: a\r\n\r\n", 400),
        bad("trailer ended by a bare LF", .trailers, "9112 §7.1.2", chunkedHead + "0\r\nX: a\n\r\n", 400),
        bad("section ended by a bare LF", .trailers, "9112 §7.1.2", chunkedHead + "0\r\n\n", 400),
        bad("section ended by a bare LF after a trailer", .trailers, "9112 §7.1.2", chunkedHead + "0\r\nX: a\r\n\n", 400),
        bad("empty name", .trailers, "9112 §7.1.2", chunkedHead + "0\r\n: v\r\n\r\n", 400),
        bad("DEL", .trailers, "9112 §7.1.2", chunkedHead + "0\r\nX: \u{7F}\r\n\r\n", 400),
        bad("a pipelined request after 0 with no blank line", .trailers, "9112 §7.1.2",
            chunkedHead + "5\r\nhello\r\n0\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        bad("a pipelined request after a trailer with no blank line", .trailers, "9112 §7.1.2",
            chunkedHead + "0\r\nX: a\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        bad("over 16 KiB of trailers", .trailers, "9112 §7.1.2",
            chunkedHead + "0\r\nX: \(repeated("t", 17000))\r\n\r\n", 431),
        bad("over a small trailer limit", .trailers, "9112 §7.1.2",
            chunkedHead + "0\r\nX: \(repeated("t", 150))\r\n\r\n", 431, limits: small),
    ]

    static let requestCases: [RequestCase] =
        lineEndingCases + notHTTPCases + requestLineCases + methodCases + targetCases + versionCases
        + fieldLineCases + fieldValueCases + headerSectionCases + hostCases + expectCases
        + contentLengthCases + transferEncodingCases + eofCases
        + chunkSizeCases + chunkExtCases + chunkLineCases + chunkDataCases + trailerCases
}
