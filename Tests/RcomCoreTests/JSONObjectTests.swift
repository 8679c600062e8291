import Foundation
import RcomCore
import XCTest

/// `JSONObject` against RFC 8259 by hand, and against Foundation's JSONSerialization (which it
/// replaced on the proxy's hot path) over mutated inputs: both must agree on what is a JSON
/// object and on every top-level string's value, except where `JSONObject` is stricter on
/// purpose (repeated names, unpaired surrogates, trailing commas, nesting past `depthMax`).
final class JSONObjectTests: XCTestCase {
    private func parses(_ s: String) -> Bool { (try? JSONObject.parse(Array(s.utf8)).get()) != nil }

    func testMembersKindsAndRanges() throws {
        let text = #" { "account" : "a\u00e9\"b" , "wait":true,"n":-1.5e+3,"o":{"x":[1,{}]},"z":null,"f":false } "#
        let o = try JSONObject.parse(Array(text.utf8)).get()
        XCTAssertEqual(o.members.map(\.name), ["account", "wait", "n", "o", "z", "f"])
        XCTAssertEqual(o.string("account"), "aé\"b")
        XCTAssertEqual(o.member("wait")?.kind, .bool(true))
        XCTAssertEqual(o.member("f")?.kind, .bool(false))
        XCTAssertEqual(o.member("n")?.kind, .number)
        XCTAssertEqual(o.member("o")?.kind, .object)
        XCTAssertEqual(o.member("z")?.kind, .null)
        XCTAssertNil(o.string("wait"), "a boolean is not a string")
        XCTAssertNil(o.string("missing"))
        XCTAssertEqual(String(decoding: o.bytes[o.member("o")!.range], as: UTF8.self), #""o":{"x":[1,{}]}"#)
        XCTAssertEqual(String(decoding: o.bytes[o.member("n")!.value], as: UTF8.self), "-1.5e+3")
    }

    func testStrictRefusals() {
        for bad in ["", "[]", "\"s\"", "{", "{}x", "{\"a\":1,}", "{\"a\" 1}", "{'a':1}", "{\"a\":01}", "{\"a\":1.}",
                    "{\"a\":.5}", "{\"a\":1e}", "{\"a\":+1}", "{\"a\":tru}", "{\"a\":True}", "{\"a\":NaN}",
                    "{\"a\":\"\u{01}\"}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\ud800\"}",
                    "{\"a\":\"\\udc00\\ud800\"}", "{\"a\":1,\"a\":2}", "{\"a\":[1,]}", "{\"a\":[1 2]}",
                    "{\"a\":\"unterminated}", "\u{FEFF}{}", "{\"a\":1}\u{0B}"] {
            XCTAssertFalse(parses(bad), "accepted: \(bad.debugDescription)")
        }
        XCTAssertFalse((try? JSONObject.parse([0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D]).get()) != nil, "invalid UTF-8 in a name")
        XCTAssertFalse((try? JSONObject.parse([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x7D]).get()) != nil, "an encoded surrogate")
        let deep = "{\"a\":" + String(repeating: "[", count: JSONObject.depthMax) + String(repeating: "]", count: JSONObject.depthMax) + "}"
        XCTAssertFalse(parses(deep))
        let deepest = "{\"a\":" + String(repeating: "[", count: JSONObject.depthMax - 1) + String(repeating: "]", count: JSONObject.depthMax - 1) + "}"
        XCTAssertTrue(parses(deepest))
        XCTAssertTrue(parses("{\"a\":\"\\ud83d\\ude00\",\"b\":\"\\/\"}\r\n"))
    }

    func testAgreesWithFoundationOnMutatedInputs() {
        let seeds = [
            #"{"account":"a@example.com","wait":true}"#,
            #"{"id":"job-1","state":"completed","startedAt":"2015-06-29T15:28:55.497Z","proof":"ab12"}"#,
            #"{"a":[1,2.5,-3e7,{"b":null}],"c":"\u00e9\n\t\"x\"","d":false}"#,
            #"{"callback":"http:\/\/h\/c","wait":false,"account":"z"}"#,
            #"{ "emoji" : "😀 \ud83d\ude00", "n" : 0 }"#,
        ]
        let alphabet = Array(#"{}[]":,\ -+.0123456789eEtrufalsnbu"#.utf8) + [0x00, 0x0A, 0xC3, 0xA9, 0xFF, 0xED]
        let rng = SeededEntropy(seed: 0x5EED_1500)
        var compared = 0, agreedAccepts = 0
        for n in 0..<30_000 {
            var bytes = Array(seeds[n % seeds.count].utf8)
            for _ in 0..<(1 + Int(rng.next64() % 3)) {
                let at = Int(rng.next64() % UInt64(bytes.count + 1))
                switch rng.next64() % 3 {
                case 0 where at < bytes.count: bytes.remove(at: at)
                case 1: bytes.insert(alphabet[Int(rng.next64() % UInt64(alphabet.count))], at: at)
                default: if at < bytes.count { bytes[at] = alphabet[Int(rng.next64() % UInt64(alphabet.count))] }
                }
            }
            let ours = try? JSONObject.parse(bytes).get()
            let theirs = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
            if theirs != nil && ours == nil, Self.stricterOnPurpose(bytes) { continue }
            compared += 1
            XCTAssertEqual(ours != nil, theirs != nil, "disagree on \(String(decoding: bytes, as: UTF8.self).debugDescription)")
            guard let ours, let theirs else { continue }
            agreedAccepts += 1
            XCTAssertEqual(Set(ours.members.map(\.name)), Set(theirs.keys))
            for m in ours.members where m.kind == .string {
                XCTAssertEqual(ours.string(m.name), theirs[m.name] as? String, "value of \(m.name)")
            }
        }
        XCTAssertGreaterThan(compared, 25_000)
        XCTAssertGreaterThan(agreedAccepts, 1_000, "the mutations must leave many valid objects to compare values on")
    }

    /// Inputs Foundation accepts that `JSONObject` refuses by design (see its documentation).
    private static func stricterOnPurpose(_ bytes: [UInt8]) -> Bool {
        guard case .failure(let e) = JSONObject.parse(bytes) else { return false }
        return ["repeated member name", "unpaired surrogate", "trailing comma"].contains(e.message) || e.message.hasPrefix("nested deeper")
    }
}

extension JSONObjectTests {
    /// The most members a body within the proxy's 64 KiB bound can hold, and a repeat of the
    /// first name as the last one: found, however far apart.
    func testManyMembersAndARepeatFarApart() throws {
        let names = (0..<6000).map { "k\($0)" }
        let text = "{" + names.map { "\"\($0)\":1" }.joined(separator: ",") + "}"
        XCTAssertLessThan(text.utf8.count, 64 << 10)
        XCTAssertEqual(try JSONObject.parse(Array(text.utf8)).get().members.count, 6000)
        let repeated = "{" + (names + ["k0"]).map { "\"\($0)\":1" }.joined(separator: ",") + "}"
        guard case .failure(let e) = JSONObject.parse(Array(repeated.utf8)) else { return XCTFail("a repeated name was taken") }
        XCTAssertEqual(e.message, "repeated member name")
    }
}

extension JSONObjectTests {
    /// Found by scripts/fuzz-json (2026-12-07, Fuzz/json-corpus/regression-number-beyond-double):
    /// the one place Foundation is stricter. RFC 8259 §6 lets a reader limit the range of
    /// numbers; Foundation refuses one beyond a Double, JSONObject reads no number's value (the
    /// proxy forwards the bytes as sent) and takes any number of the grammar. A long mantissa
    /// within range is taken by both.
    func testANumberBeyondADoubleIsTakenWhereFoundationRefusesIt() throws {
        let beyond = Array(#"{"a":7E+400}"#.utf8), long = Array(#"{"a":3583629726626272627101}"#.utf8)
        XCTAssertNil(try? JSONSerialization.jsonObject(with: Data(beyond)))
        XCTAssertNotNil(try? JSONSerialization.jsonObject(with: Data(long)))
        XCTAssertEqual(try JSONObject.parse(beyond).get().member("a")?.kind, .number)
        XCTAssertEqual(try JSONObject.parse(long).get().member("a")?.kind, .number)
        let found = Array("{\")a\":[3583629726626272627101,7E+3583629726626272627101,7E+3902662627127101101,7E+3902662627127101,57E+277662\r\r\r\r\r\r]}".utf8)
        XCTAssertNil(try? JSONSerialization.jsonObject(with: Data(found)))
        XCTAssertEqual(try JSONObject.parse(found).get().members.map(\.name), [")a"])
    }
}

extension JSONObjectTests {
    /// Found by scripts/fuzz-json (2026-12-07, Fuzz/json-corpus/regression-utf16-detected): the
    /// bytes `{ NUL } NUL` are `{}` in UTF-16LE to Foundation, which detects the encoding by
    /// the NULs (RFC 4627 §3). JSON between systems is UTF-8 (RFC 8259 §8.1): JSONObject reads
    /// UTF-8 only, so a body another reader would see as an object is refused, not guessed at.
    func testUTF16IsRefusedWhereFoundationDetectsIt() {
        let bytes: [UInt8] = [0x7B, 0x00, 0x7D, 0x00]
        XCTAssertNotNil((try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any])
        XCTAssertNil(try? JSONObject.parse(bytes).get())
    }
}
