import RcomCore
import XCTest
@testable import RcomJobs

final class ProofTests: XCTestCase {
    let secret = Array("s3cret".utf8)

    func makeJobs(_ n: Int, spread_ms: Int64 = 40) -> [ProofBlock.Job] {
        (0..<n).map { i in
            let id = String(UInt64(0xabc0 + i), radix: 16)
            let at = ISO8601.format(ms: 1_435_591_735_000 + Int64(i) * spread_ms / Int64(max(n - 1, 1)))
            return ProofBlock.Job(id: id, startedAt: at, proof: JobProof.sign(secret: secret, id: id, startedAt: at))
        }
    }

    func testRealProofRoundTripsAndVerifies() throws {
        let block = ProofBlock(jobs: makeJobs(50))
        let output = "50 / 50 [====] 100.00 % 1s\n\nSucceeded: 50\n\nWORK SAMPLE RESULT: PASSED\n\nProof:\n" + block.encoded() + "\n"
        let decoded = try ProofBlock.decode(output).get()
        XCTAssertEqual(decoded, block)
        XCTAssertEqual(ProofVerifier(secret: secret).problems(decoded), [])
        XCTAssertTrue(block.encoded().hasPrefix("H4sI"), "gzip magic in base64, like the seed's proof")
    }

    func testRejectsEditedProofRepeatedIdMissingJobAndSpread() {
        let v = ProofVerifier(secret: secret)
        var jobs = makeJobs(50)
        let edited = jobs[3]
        jobs[3] = ProofBlock.Job(id: edited.id, startedAt: edited.startedAt, proof: String(edited.proof.reversed()))
        XCTAssertTrue(v.problems(ProofBlock(jobs: jobs)).contains { $0.contains("job 4") && $0.contains("not issued") })

        var repeated = makeJobs(50)
        repeated[10] = repeated[9]
        XCTAssertTrue(v.problems(ProofBlock(jobs: repeated)).contains { $0.contains("repeats") })

        XCTAssertTrue(v.problems(ProofBlock(jobs: Array(makeJobs(50).dropLast()))).contains { $0.contains("expected 50 jobs, found 49") })

        XCTAssertTrue(v.problems(ProofBlock(jobs: makeJobs(50, spread_ms: 9000))).contains { $0.contains("did not run concurrently") })

        XCTAssertFalse(ProofVerifier(secret: Array("other".utf8)).problems(ProofBlock(jobs: makeJobs(50))).isEmpty, "another secret rejects")
    }

    func testGarbageIsExplained() {
        guard case .failure(.noBlock) = ProofBlock.decode("nothing here") else { return XCTFail() }
        guard case .failure(.notGzip) = ProofBlock.decode("Proof:\naGVsbG8=") else { return XCTFail() }
    }

    func testISO8601RoundTrip() {
        XCTAssertEqual(ISO8601.format(ms: 1_435_591_735_497), "2015-06-29T15:28:55.497Z")
        XCTAssertEqual(ISO8601.parse("2015-06-29T15:28:55.497Z"), 1_435_591_735_497)
        XCTAssertNil(ISO8601.parse("2015-06-29 15:28:55"))
        for ms in stride(from: Int64(-86_400_000 * 400), to: 86_400_000 * 40_000, by: 86_400_000 * 7 + 12_345) {
            XCTAssertEqual(ISO8601.parse(ISO8601.format(ms: ms)), ms)
        }
    }

    func testFaultSpecParsing() throws {
        let spec = try FaultSpec.parse("drop-callback=0.1,duplicate-callback=0.05,early-callback=0.2,delay-callback=2s@0.1,error-500=0.05,reset=0.02,slow-start=300ms@0.1").get()
        XCTAssertEqual(spec.rule(.delayCallback), FaultSpec.Rule(probability: 0.1, delay_ms: 2000))
        XCTAssertEqual(spec.rule(.slowStart), FaultSpec.Rule(probability: 0.1, delay_ms: 300))
        XCTAssertEqual(try FaultSpec.parse(spec.description).get(), spec)
        guard case .failure(let e) = FaultSpec.parse("explode=1") else { return XCTFail() }
        XCTAssertTrue(e.message.contains("known: drop-callback"))
        guard case .failure = FaultSpec.parse("reset=2") else { return XCTFail() }
        guard case .failure = FaultSpec.parse("delay-callback=0.1") else { return XCTFail() }
    }

    /// The flags' duration syntax (DurationText): fractions kept, minutes and hours, a bare
    /// number in milliseconds as before.
    func testFaultDurationsReadAsTheFlagsRead() throws {
        let spec = try FaultSpec.parse("delay-callback=1.5s@0.1,slow-start=2m@0.5").get()
        XCTAssertEqual(spec.rule(.delayCallback)?.delay_ms, 1_500)
        XCTAssertEqual(spec.rule(.slowStart)?.delay_ms, 120_000)
        XCTAssertEqual(try FaultSpec.parse("slow-start=250@1").get().rule(.slowStart)?.delay_ms, 250)
        XCTAssertEqual(try FaultSpec.parse("slow-start=1h@1").get().rule(.slowStart)?.delay_ms, 3_600_000)
        guard case .failure = FaultSpec.parse("slow-start=-5ms@1") else { return XCTFail("a negative delay") }
    }

    func testURLParsing() {
        XCTAssertEqual(HTTPURL("http://127.0.0.1:9000/start"), HTTPURL(host: "127.0.0.1", port: 9000, target: "/start"))
        XCTAssertEqual(HTTPURL("https://abc.ngrok-free.app")?.port, 443)
        XCTAssertEqual(HTTPURL("http://[::1]:8080/x?y=1")?.host, "::1")
        XCTAssertNil(HTTPURL("ftp://x"))
        XCTAssertNil(HTTPURL("http://:80/"))
        XCTAssertNil(HTTPURL("http://host:99999/"))
    }
}
