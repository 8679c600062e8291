import XCTest
@testable import RcomCore

/// `JSONTape` must accept exactly what `JSONObject` accepts and refuse the rest with the same
/// message at the same byte (rcom blacklist's strictness on provider records rests on it), and
/// its table must describe the text. `scripts/fuzz-json` runs the same comparison under libFuzzer.
final class JSONTapeTests: XCTestCase {
    func tape(_ text: String) -> (JSONTape, JSONSyntaxError?) {
        var t = JSONTape()
        let e = Array(text.utf8).withUnsafeBufferPointer { t.parse($0) }
        return (t, e)
    }

    /// Same verdict as JSONObject, on seeds with every kind of value and mutations of them.
    func testAgreesWithJSONObjectOnMutatedInputs() {
        let seeds = [
            #"{"email":"a@example.com","reason":"550 5.1.1 x","status":"5.1.1","created":1443651141}"#,
            #"{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bouncedRecipients":[{"emailAddress":"a@b.c","status":"5.1.1"}]},"mail":{"destination":["a@b.c"]}}"#,
            #"{"a":[1,2.5,-3e7,{"b":null}],"c":"\u00e9\n\t\"x\"","d":false,"\u0061b":true}"#,
            #"{ "emoji" : "😀 \ud83d\ude00 plain ascii long enough for words", "n" : 0 }"#,
            #"{"RecordType":"Bounce","ID":1,"Type":"HardBounce","TypeCode":1,"Name":"Hard bounce","MessageStream":"outbound","Description":"d","Details":"smtp;550","Email":"x@y.z","From":"n@e.com","BouncedAt":"2019-11-05T16:33:54.9070259-05:00","DumpAvailable":false,"Inactive":true,"CanActivate":true}"#,
        ]
        let alphabet = Array(#"{}[]":,\ -+.0123456789eEtrufalsnbu"#.utf8) + [0x00, 0x0A, 0x1F, 0xC3, 0xA9, 0xFF, 0xED]
        let rng = SeededEntropy(seed: 0x7A9E_0031)
        var accepted = 0
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
            var t = JSONTape()
            let refused = bytes.withUnsafeBufferPointer { t.parse($0) }
            switch JSONObject.parse(bytes) {
            case .failure(let e):
                XCTAssertEqual(refused, e, String(decoding: bytes, as: UTF8.self).debugDescription)
            case .success(let o):
                XCTAssertNil(refused, String(decoding: bytes, as: UTF8.self).debugDescription)
                guard refused == nil else { continue }
                accepted += 1
                let top = Array(t.children(of: 0))
                XCTAssertEqual(top.map { t.entries[$0].value }, o.members.map(\.value))
                XCTAssertEqual(top.map { t.entries[$0].kind }, o.members.map(\.kind))
                bytes.withUnsafeBufferPointer { p in
                    for (i, m) in zip(top, o.members) {
                        XCTAssertEqual(JSONTape.decodedName(t.entries[i], p), Array(m.name.utf8))
                        guard m.kind == .string else { continue }
                        var decoded: [UInt8] = []
                        JSONTape.appendString(t.entries[i], p, to: &decoded)
                        XCTAssertEqual(String(decoding: decoded, as: UTF8.self), o.string(m))
                    }
                }
            }
        }
        XCTAssertGreaterThan(accepted, 1_000, "the mutations must leave many valid objects to compare tables on")
    }

    /// Nested values are in the table with their parents; members are found by decoded name.
    func testNestedValuesAndLookUps() throws {
        let text = #"{"bounce":{"bounceType":"Permanent","bouncedRecipients":[{"emailAddress":"a@b.c"},7,{"emailAddress":"d@e.f"}]},"m\u0061il":{}}"#
        let (t, e) = tape(text)
        XCTAssertNil(e)
        let bytes = Array(text.utf8)
        try bytes.withUnsafeBufferPointer { p in
            let bounce = try XCTUnwrap(t.member("bounce", of: 0, in: p))
            XCTAssertNotNil(t.member("mail", of: 0, in: p), "an escaped name is compared decoded")
            XCTAssertNil(t.member("bounceType", of: 0, in: p), "only the object's own members")
            let list = try XCTUnwrap(t.member("bouncedRecipients", of: bounce, in: p))
            let elements = Array(t.children(of: list))
            XCTAssertEqual(elements.map { t.entries[$0].kind }, [.object, .number, .object])
            let last = try XCTUnwrap(t.member("emailAddress", of: elements[2], in: p))
            XCTAssertEqual(String(decoding: bytes[t.entries[last].value], as: UTF8.self), #""d@e.f""#)
        }
    }

    /// Repeated names: refused at the top level (also when one is escaped, and far apart among
    /// many names: the set past 64), reported for a nested object as JSONObject would refuse it.
    func testRepeatedNames() throws {
        let escaped = #"{"a":1,"\u0061":2}"#
        XCTAssertEqual(tape(escaped).1, JSONSyntaxError(message: "repeated member name", offset: 15))
        XCTAssertEqual(tape(escaped).1, JSONObject.parse(Array(escaped.utf8)).failure)
        let many = (0..<100).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let manyText = "{\(many),\"k3\":0}"
        XCTAssertEqual(tape(manyText).1, JSONObject.parse(Array(manyText.utf8)).failure)
        XCTAssertNil(tape("{\(many)}").1)
        let nested = #"{"o":{"x":1,"y":2,"x":3},"p":{"x":1}}"#
        let (t, e) = tape(nested)
        XCTAssertNil(e)
        Array(nested.utf8).withUnsafeBufferPointer { p in
            XCTAssertTrue(t.hasRepeatedNames(t.member("o", of: 0, in: p)!, in: p))
            XCTAssertFalse(t.hasRepeatedNames(t.member("p", of: 0, in: p)!, in: p))
        }
    }

    /// The 8-byte string scan stops at each byte that matters, wherever it falls in the word.
    func testEveryPositionOfAByteThatMatters() {
        for position in 0..<17 {
            let filler = String(repeating: "x", count: position)
            for (inside, verdict) in [("\"", "expected ':'"), ("\u{01}", "control character in a string"), ("\\q", "invalid escape")] {
                let text = "{\"k\":\"\(filler)\(inside)\(filler)\"}"
                XCTAssertEqual(tape(text).1, JSONObject.parse(Array(text.utf8)).failure, "\(position) \(verdict)")
            }
            let utf8 = "{\"k\":\"\(filler)é\(filler)\"}"
            XCTAssertNil(tape(utf8).1)
            var broken = Array(utf8.utf8)
            broken.remove(at: 6 + position + 1)  // the second byte of é
            var t = JSONTape()
            XCTAssertEqual(broken.withUnsafeBufferPointer { t.parse($0) }?.message, "invalid UTF-8")
        }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let e) = self { return e }
        return nil
    }
}
