import Foundation
import XCTest
@testable import RcomStore
@testable import RcomBlacklist

/// The URL, and what PostgreSQL faults look like to a person: an unreachable or silent server is
/// an error within the connect timeout (exit 1), a wrong password is refused without printing
/// it, a connection ended mid-import rolls its batch back and `--resume` continues exactly.
final class PostgresFaultTests: XCTestCase {
    func testURLsAreParsedStrictlyAndPrintedWithoutThePassword() throws {
        let url = try PostgresURL(parsing: "postgresql://ann:s%40cret@db.example.com:6543/subs?connect_timeout=3&sslmode=require")
        XCTAssertEqual(url.user, "ann")
        XCTAssertEqual(url.password, "s@cret")
        XCTAssertEqual(url.host, "db.example.com")
        XCTAssertEqual(url.port, 6543)
        XCTAssertEqual(url.database, "subs")
        XCTAssertEqual(url.connectTimeout_s, 3)
        XCTAssertEqual(url.sslMode, "require")
        XCTAssertEqual(url.redacted, "postgres://ann:***@db.example.com:6543/subs")
        XCTAssertFalse("\(url)".contains("cret"))
        XCTAssertEqual(try PostgresURL(parsing: "postgres://bob@[::1]/x").host, "::1")
        XCTAssertEqual(try PostgresURL(parsing: "postgres://bob@[::1]/x").port, 5432)
        XCTAssertEqual(try PostgresURL(parsing: "postgres://bob@/x?host=/run/pg").host, "/run/pg")
        XCTAssertEqual(try StoreLocation(parsing: "data/subs.sqlite"), .sqlite(path: "data/subs.sqlite"))
        for bad in ["postgres://host/db", "postgres://u@h", "postgres://u@h/", "postgres://u@h:99999/db", "postgres://u@h:x/db",
                    "postgres://u:p@ss@h/db", "postgres://u@h/db?timeout=1", "postgres://u@h/db?connect_timeout=0",
                    "postgres://u@h/db?sslmode=maybe", "postgres://u:%zz@h/db", "postgres://u@h/a/b", "mysql://u@h/db"] {
            XCTAssertThrowsError(try PostgresURL(parsing: bad), bad) { error in
                XCTAssertFalse("\(error)".contains("ss@h") || "\(error)".contains("%zz"), "\(error) must not echo the URL")
            }
        }
        // Selection: --db wins, then RCOM_DATABASE_URL, then the default file.
        let env = ["RCOM_DATABASE_URL": "postgres://u@h/db"]
        XCTAssertEqual(try StoreLocation.select(given: nil, defaultPath: "d.sqlite", environment: env).isPostgres, true)
        XCTAssertEqual(try StoreLocation.select(given: "x.sqlite", defaultPath: "d.sqlite", environment: env), .sqlite(path: "x.sqlite"))
        XCTAssertEqual(try StoreLocation.select(given: nil, defaultPath: "d.sqlite", environment: [:]), .sqlite(path: "d.sqlite"))
    }

    /// A server that accepts the connection and never answers: libpq's connect timeout ends it.
    func testASilentServerIsAnErrorWithinTheConnectTimeoutAndExit1() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(listener, 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { p in
            try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { s in
                guard bind(listener, s, length) == 0, listen(listener, 8) == 0, getsockname(listener, s, &length) == 0 else {
                    throw XCTSkip("cannot listen on loopback")
                }
            }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let started = Date()
        let result = try runRcom(["blacklist", "/dev/null", "--db", "postgres://rcom:secret-pw@127.0.0.1:\(port)/x?connect_timeout=2"])
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertGreaterThanOrEqual(elapsed, 1.5, "it waited for the server")
        XCTAssertLessThan(elapsed, 8, "it gave up at the connect timeout")
        XCTAssertTrue(result.stderr.contains("cannot connect to postgres://rcom:***@127.0.0.1:\(port)/x"), result.stderr)
        XCTAssertTrue(result.stderr.contains("timeout"), result.stderr)
        XCTAssertFalse(result.stderr.contains("secret-pw"), result.stderr)
    }

    func testNobodyListeningIsAClearErrorAndExit1() throws {
        for command in [["blacklist", "/dev/null"], ["stats"], ["send", "-c", "email", "-t", "a@example.com", "-m", "hi"]] {
            let result = try runRcom(command + ["--db", "postgres://rcom:secret-pw@127.0.0.1:1/x"])
            XCTAssertEqual(result.status, 1, "\(command): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("PostgreSQL server is unreachable"), result.stderr)
            XCTAssertFalse(result.stderr.contains("secret-pw"), result.stderr)
        }
    }

    func testAWrongPasswordIsRefusedWithoutPrintingIt() throws {
        let b = try BackendUnderTest(.postgres)
        var url = try XCTUnwrap(b.postgresURL)
        url.password = "Wr0ng-Pa55word"
        let argument = "postgres://\(url.user):\(url.password!)@\(url.host):\(url.port)/\(url.database)"
        let result = try runRcom(["blacklist", "/dev/null", "--db", argument])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("password authentication failed"), result.stderr)
        XCTAssertTrue(result.stderr.contains("check the user and password"), result.stderr)
        XCTAssertFalse(result.stderr.contains("Wr0ng"), result.stderr)
        // The same through RCOM_DATABASE_URL, and in the error value itself.
        let viaEnv = try runRcom(["stats"], environment: ["RCOM_DATABASE_URL": argument])
        XCTAssertEqual(viaEnv.status, 1)
        XCTAssertFalse(viaEnv.stderr.contains("Wr0ng"), viaEnv.stderr)
        XCTAssertThrowsError(try PostgresConnection(url: url)) { error in
            XCTAssertFalse("\(error)".contains("Wr0ng"))
            XCTAssertEqual((error as? StoreError)?.sqlState, "28P01")
        }
        XCTAssertEqual(PostgresConnection.scrub("a Wr0ng-Pa55word b\nc", password: "Wr0ng-Pa55word"), "a *** b; c")
    }

    /// The server ends the import's connection (pg_terminate_backend) mid-file: the batch in
    /// flight rolls back, rcom exits 1 saying to resume, and --resume ends like a clean run.
    func testAConnectionEndedMidImportRollsBackAndResumeContinuesExactly() throws {
        let clean = try BackendUnderTest(.postgres)
        try clean.makeSample(subscribers: 3_000, bounces: 2_000)
        let arguments = { (b: BackendUnderTest) in
            ["blacklist", b.path("bounces.csv"), "--db", b.dbArgument, "--batch", "25", "--window", "400", "--json"]
        }
        XCTAssertEqual(try runRcom(arguments(clean)).status, 0)
        let expected = try clean.dump()

        for mode in ["sequential", "concurrent"] {
            let b = try BackendUnderTest(.postgres)
            try b.makeSample(subscribers: 3_000, bounces: 2_000)
            let child = Process()
            child.executableURL = try rcomBinaryURL()
            child.arguments = arguments(b) + ["-m", mode, "--pause-ms", "5"]
            let errors = Pipe()
            child.standardOutput = FileHandle.nullDevice
            child.standardError = errors
            try child.run()
            let deadline = Date().addingTimeInterval(60)
            while b.batchesCommitted() < 10 && child.isRunning && Date() < deadline { usleep(2_000) }  // polling interval
            XCTAssertTrue(child.isRunning, "\(mode): finished before the connection could be ended")
            let admin = try PostgresConnection(url: try PostgresURL(parsing: ProcessInfo.processInfo.environment[BackendKind.postgresVariable]!))
            let ended = try admin.query("""
                SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity
                WHERE datname = $1 AND application_name = 'rcom' AND pid <> pg_backend_pid()
                """, [try XCTUnwrap(b.postgresURL).database])
            XCTAssertGreaterThan(ended.int64(0, 0), 0, mode)
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            child.waitUntilExit()
            XCTAssertEqual(child.terminationStatus, 1, "\(mode): \(stderr)")
            XCTAssertTrue(stderr.contains("--resume"), stderr)
            XCTAssertLessThan(b.batchesCommitted(), 80, "stopped mid-file")
            let resumed = try runRcom(arguments(b) + ["-m", mode, "--resume"])
            XCTAssertEqual(resumed.status, 0, "\(mode): \(resumed.stderr)")
            XCTAssertEqual(try b.dump(), expected, mode)
        }
    }

    func runRcom(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = try rcomBinaryURL()
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "RCOM_DATABASE_URL")
        env.merge(environment) { $1 }
        process.environment = env
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, stderr)
    }
}
