// Decoder throughput on a pipelined stream of typical job requests. Built by
// scripts/bench-http-decoder together with one revision's Sources/RcomCore/HTTP/*.swift as one
// module, so two revisions are timed by the same harness; SwiftPM never sees this file.
import Foundation

@main
struct BenchDecoder {
    static func main() {
        let requests = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 200_000
        let one = Array(("POST /start HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: rcom-jobclient\r\n"
            + "Content-Type: application/json\r\nContent-Length: 36\r\n\r\n{\"account\":\"example\",\"wait\":true}  \n").utf8)
        var stream: [UInt8] = []
        for _ in 0..<1_000 { stream += one }
        var decoded = 0
        var bodyBytes = 0
        let started = DispatchTime.now().uptimeNanoseconds
        // The stream arrives in 64 KiB reads, as the reactor hands them over.
        while decoded < requests {
            var decoder = HTTPRequestDecoder()
            var offset = 0
            while offset < stream.count {
                let end = min(stream.count, offset + 65_536)
                decoder.receive(stream[offset..<end])
                offset = end
                while case .message(let r) = decoder.next() {
                    decoded += 1
                    bodyBytes += r.body.count
                }
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let mb = Double(decoded * one.count) / 1e6
        print(String(format: "requests %d  seconds %.3f  requests/s %.0f  MB/s %.1f  (body bytes %d)",
                     decoded, seconds, Double(decoded) / seconds, mb / seconds, bodyBytes))
    }
}
