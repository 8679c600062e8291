import Foundation
import XCTest

/// What a user meets when starting a server, with the real binary: with `--log-format json`
/// every server's stdout is JSON only (the listening line included), with `text` it is the
/// plain line scripts wait for; a missing `$RCOM_HOME` is created with mode 0700, while a
/// missing parent of an explicit `--db` is still refused.
final class ServerStdoutAndHomeTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("rcom-stdout-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: false)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: scratch)
    }

    func path(_ name: String) -> String { scratch.appendingPathComponent(name).path }

    var servers: [(String, [String])] {
        [("proxy", ["proxy", "--port", "0"]),
         ("jobserver", ["jobserver", "--port", "0", "--secret", "s"]),
         ("track", ["track", "--port", "0", "--db", path("track.sqlite")]),
         ("providers", ["providers", "--port", "0", "--smtp-port", "0"])]
    }

    func testWithJSONLogsEveryServersListeningLineIsAJSONRecord() throws {
        for (name, arguments) in servers {
            let server = try ServerProcess(arguments + ["--log-format", "json"])
            let line = server.announce.trimmingCharacters(in: .newlines)
            let record = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            XCTAssertEqual(record?["level"] as? String, "info", "\(name): \(line)")
            XCTAssertTrue((record?["msg"] as? String)?.contains("http://127.0.0.1:\(server.port)") == true, "\(name): \(line)")
            XCTAssertNotNil(record?["ts"], "\(name): \(line)")
            XCTAssertEqual(server.stop(), 0, name)
        }
    }

    func testWithTextLogsTheListeningLineIsPlain() throws {
        for (name, arguments) in servers {
            let server = try ServerProcess(arguments)
            XCTAssertFalse(server.announce.hasPrefix("{"), "\(name): \(server.announce)")
            XCTAssertTrue(server.announce.contains("http://127.0.0.1:\(server.port)"), "\(name): \(server.announce)")
            XCTAssertEqual(server.stop(), 0, name)
        }
    }

    func testAMissingRcomHomeIsCreatedPrivateAndAMissingDbParentIsRefused() throws {
        let home = path("config/rcom")
        let server = try ServerProcess(["jobserver", "--port", "0"], environment: ["RCOM_HOME": home])
        XCTAssertEqual(server.stop(), 0, server.log)
        let attributes = try FileManager.default.attributesOfItem(atPath: home)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o700)
        let secret = try FileManager.default.attributesOfItem(atPath: home + "/jobserver.secret")
        XCTAssertEqual((secret[.posixPermissions] as? NSNumber)?.intValue, 0o600)

        let missing = path("missing")
        let out = try RcomBinary.run(["track", "--port", "0", "--db", missing + "/x.sqlite"])
        XCTAssertEqual(out.status, 1, out.stderr)
        XCTAssertTrue(out.stderr.contains("--db \(missing)/x.sqlite: the directory \(missing) does not exist"), out.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing), "a directory was created for --db")
    }
}
