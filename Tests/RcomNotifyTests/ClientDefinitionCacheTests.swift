import XCTest
import RcomStore
@testable import RcomNotify

/// The cache parses a client once while its stored text stays the same, and again (never the
/// stale definition) once another writer changed it; a removed client is gone at once.
final class ClientDefinitionCacheTests: XCTestCase {
    func testAChangedDefinitionIsParsedAgainAndARemovedOneIsGone() throws {
        let store = try SQLiteNotificationStore(path: makeTemporaryDirectory() + "/db.sqlite", writesPerCommit: 1)
        let slack = #"{"id": "acme", "timezone": "UTC", "contacts": {"slack": ["c1/ops"]}, "rules": [{"event": "*", "channels": ["slack"]}]}"#
        let parser = ClientsSetup.parser([:])
        func put(_ json: String) throws {
            let c = try parser.parseClient(Array(json.utf8)).get()
            _ = try store.applyClients([(c.id, c.json)], remove: [], now_ms: 1)
        }
        try put(slack)
        let cache = ClientDefinitionCache()
        XCTAssertEqual(try cache.load(store, id: "acme").get()?.timezone, "UTC")
        XCTAssertEqual(try cache.load(store, id: "acme").get()?.timezone, "UTC", "kept")
        try put(slack.replacingOccurrences(of: "\"UTC\"", with: "\"Europe/Paris\""))
        XCTAssertEqual(try cache.load(store, id: "acme").get()?.timezone, "Europe/Paris", "the changed text is parsed again")
        XCTAssertTrue(try store.removeClient(id: "acme"))
        XCTAssertNil(try cache.load(store, id: "acme").get() ?? nil)
    }
}
