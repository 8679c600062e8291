import Foundation
import XCTest

/// One connection pipelining 100,000 requests without reading: each server stops reading it
/// while its answers queue (HTTPServerLimits.readPauseBytes, 1 MiB), so its memory stays flat,
/// and once the client reads, every answer arrives, in request order.
final class PipelineFloodTests: XCTestCase {
    static let count = 100_000
    /// Which requests ask for /healthz (200) and which for a path the server answers otherwise.
    static func healthz(_ i: Int) -> Bool { (UInt64(i) &* 0x9E37_79B9_7F4A_7C15) >> 62 == 0 }

    func flood(_ name: String, _ args: [String], otherPath: String, otherStatus: Int) throws {
        let server = try ServerProcess(args)
        defer { server.stop() }
        let flood = PipelineFlood(count: Self.count) { i in Self.healthz(i) ? ("/healthz", 200) : (otherPath, otherStatus) }
        let r = try flood.run(port: server.port, pid: server.process.processIdentifier)
        let growth_kib = r.rssStalled_kib - r.rssBefore_kib
        print("\(name): RSS \(r.rssBefore_kib) KiB before, \(r.rssStalled_kib) KiB when it stopped reading (+\(growth_kib) KiB) after \(r.writtenAtStall) of \(Self.count) requests written; \(r.answers) answers")
        XCTAssertLessThan(r.writtenAtStall, Self.count, "\(name): the server never stopped reading")
        XCTAssertLessThan(growth_kib, 16 << 10, "\(name): memory grew \(growth_kib) KiB")
        XCTAssertEqual(r.answers, Self.count, name)
        XCTAssertNil(r.firstOutOfOrder, "\(name): answer \(r.firstOutOfOrder ?? -1) out of order")
    }

    func testJobServer() throws {
        try flood("jobserver", ["jobserver", "--port", "0", "--secret", "s"], otherPath: "/nope", otherStatus: 404)
    }

    func testProxy() throws {
        try flood("proxy", ["proxy", "--port", "0", "--upstream", "http://127.0.0.1:9"], otherPath: "/nope", otherStatus: 405)
    }

    func testTrack() throws {
        let dir = NSTemporaryDirectory() + "rcom-flood-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try flood("track", ["track", "--port", "0", "--db", dir + "/db.sqlite"], otherPath: "/nope", otherStatus: 404)
    }

    func testProviders() throws {
        try flood("providers", ["providers", "--port", "0", "--quiet"], otherPath: "/nope", otherStatus: 404)
    }
}
