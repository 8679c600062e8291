import Foundation
import XCTest
@testable import RcomNotify

/// The client file: the sample parses, export reads back to the same definitions, and each kind
/// of mistake is reported with its JSON path and line, the whole file refused.
final class ClientFileTests: XCTestCase {
    let parser = ClientFileParser(registry: ChannelRegistry(settings: ChannelSettings()))

    func errors(_ text: String) -> [ClientFileError] {
        switch parser.parseFile(Array(text.utf8)) {
        case .success(let c): XCTFail("accepted: \(c)"); return []
        case .failure(let e): return e.errors
        }
    }

    func sample() throws -> [ClientDefinition] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("design/clients.sample.json")
        return try parser.parseFile(Array(Data(contentsOf: url))).get()
    }

    func testTheSampleParsesAndItsExportReadsBackUnchanged() throws {
        let clients = try sample()
        XCTAssertEqual(clients.map(\.id), ["acme", "globex"])
        let acme = clients[0]
        XCTAssertEqual(acme.contacts.map(\.channel), ["email", "sms", "slack", "webhook"])
        XCTAssertEqual(acme.quietHours, QuietHours(fromMinute: 22 * 60, toMinute: 7 * 60))
        XCTAssertEqual(acme.mutedEvents, [.prefix("marketing")])
        XCTAssertEqual(acme.mutedChannels, ["webhook"])
        XCTAssertEqual(acme.rules[2].after_ms, 300_000)
        XCTAssertEqual(acme.rules[3].experiment, "account-channel")
        let exported = ClientDefinition.file(clients)
        XCTAssertEqual(try parser.parseFile(Array(exported.utf8)).get(), clients)
        XCTAssertEqual(ClientDefinition.file(try parser.parseFile(Array(exported.utf8)).get()), exported)
    }

    func testTargetsAreNormalisedWithSendsRules() throws {
        let c = try parser.parseClient(Array(#"{"id":"a","timezone":"UTC","contacts":{"sms":["505-9045845"]},"rules":[]}"#.utf8)).get()
        XCTAssertEqual(c.targets("sms"), ["+15059045845"])
    }

    func testEveryMistakeIsReportedWithItsPathAndLine() {
        let text = """
        {"clients": [
          {"id": "a", "timezone": "Mars/Olympus",
           "contacts": {"pigeon": ["x"], "email": ["not-an-address"], "sms": ["+15059045845"]},
           "colour": "red",
           "rules": [
             {"event": "db.*", "channels": ["sms"]},
             {"event": "db.*", "channels": ["sms"], "mode": "fallback"},
             {"event": "x", "channels": ["slack"], "mode": "escalate"}]},
          {"id": "a", "timezone": "UTC"}
        ]}
        """
        let e = errors(text)
        func find(_ path: String) -> ClientFileError? { e.first { $0.path == path } }
        XCTAssertEqual(find("$.clients[0].timezone")?.line, 2)
        XCTAssertEqual(find("$.clients[0].contacts.pigeon")?.line, 3)
        XCTAssertTrue(find("$.clients[0].contacts.pigeon")?.message.contains("unknown channel") == true)
        XCTAssertEqual(find("$.clients[0].contacts.email[0]")?.line, 3)
        XCTAssertEqual(find("$.clients[0].colour")?.line, 4)
        XCTAssertTrue(find("$.clients[0].rules[1].event")?.message.contains("tie") == true, "\(e)")
        XCTAssertEqual(find("$.clients[0].rules[1].event")?.line, 7)
        XCTAssertTrue(find("$.clients[0].rules[2].channels[0]")?.message.contains("no slack contacts") == true)
        XCTAssertEqual(find("$.clients[0].rules[2].after")?.line, 8)
        XCTAssertTrue(find("$.clients[1].id") == nil, "the first client is invalid, so the second is not a duplicate of it")
    }

    func testDuplicateIdsAndSyntaxErrorsAndBadTimes() {
        let dup = errors("{\"clients\": [{\"id\": \"a\", \"timezone\": \"UTC\"},\n {\"id\": \"a\", \"timezone\": \"UTC\"}]}")
        XCTAssertEqual(dup, [ClientFileError(path: "$.clients[1].id", line: 2, message: "duplicate id 'a' (first at $.clients[0])")])
        let syntax = errors("{\"clients\": [\n{\"id\": \"a\",}]}")
        XCTAssertEqual(syntax.first?.line, 2)
        XCTAssertTrue(syntax.first?.message.contains("trailing comma") == true)
        let times = errors(#"{"clients": [{"id": "a", "timezone": "UTC", "quiet_hours": {"from": "25:00", "to": "7:00"}}]}"#)
        XCTAssertEqual(times.map(\.path), ["$.clients[0].quiet_hours.from", "$.clients[0].quiet_hours.to"])
        XCTAssertEqual(errors(#"{"clients": [{"id": "A b", "timezone": "CET"}]}"#).map(\.path), ["$.clients[0].id", "$.clients[0].timezone"])
    }
}
