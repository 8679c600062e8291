import Foundation
import Glibc
import XCTest
import RcomStore
@testable import RcomBlacklist

/// The two commands together, as the seed means them: `rcom blacklist` suppresses an address,
/// then `rcom send` to it exits 3 and never connects to the provider.
final class BlacklistThenSendTests: XCTestCase {
    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String) {
        let process = Process()
        process.executableURL = try rcomBinaryURL()
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A listening socket standing in for the SMTP provider: it only has to tell whether anyone
    /// connected. Port 0: the kernel chooses.
    final class Listener {
        let fd: Int32
        let port: Int
        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            self.fd = fd
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0, listen(fd, 8) == 0 else { close(fd); throw XCTSkip("cannot listen on loopback") }
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
            }
            port = Int(UInt16(bigEndian: addr.sin_port))
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        deinit { close(fd) }
        /// True if a connection is waiting to be accepted (the process that made it has exited,
        /// so it would be queued by now).
        var wasConnected: Bool {
            let c = accept(fd, nil, nil)
            if c >= 0 { close(c); return true }
            return false
        }
    }

    func testAnAddressTheImportSuppressedIsRefusedBySendWithExit3AndNoProviderContact() throws {
        let dir = try TestDirectory()
        try dir.makeSample(subscribers: 300, bounces: 200)
        let db = dir.path("subscriptions.sqlite")
        let imported = try run(["blacklist", dir.path("bounces.csv"), "--db", db, "--json"])
        XCTAssertEqual(imported.status, 0, imported.stdout)

        let store = try SQLiteSuppressionStore(path: db)
        let first = try store.database.prepare("SELECT email FROM suppressions ORDER BY email LIMIT 1")
        XCTAssertTrue(try first.step(), "the import suppressed nobody")
        let suppressed = try XCTUnwrap(first.text(0))
        XCTAssertTrue(try store.isSuppressed(email: suppressed))

        let provider = try Listener()
        let env = ["RCOM_SMTP_URL": "smtp://127.0.0.1:\(provider.port)"]
        // Written as a person would type it: the same normalisation finds it on the list.
        let sent = try run(["send", "-t", suppressed.uppercased(), "-m", "hello", "-c", "email", "--db", db], environment: env)
        XCTAssertEqual(sent.status, 3, sent.stdout)
        XCTAssertTrue(sent.stdout.contains("suppressed"), sent.stdout)
        // The refusal says why, with the reason and day the import stored.
        let why = try store.suppression(email: suppressed)
        let reason = try XCTUnwrap(why?.reason)
        XCTAssertTrue(reason.hasPrefix("hard bounce") || reason.hasPrefix("soft bounce"), reason)
        let day = UTCTime.iso8601(epochSeconds: Int(try XCTUnwrap(why?.suppressedAt_s))).prefix(10)
        XCTAssertTrue(sent.stdout.contains("on the suppression list (\(reason), since \(day)); not sent"), sent.stdout)
        XCTAssertFalse(provider.wasConnected, "rcom send connected to the provider for a suppressed address")
    }
}
