import Foundation
import XCTest

/// `-c webhook` to an https:// target, through URLSession, against a real TLS server on
/// loopback (python3's http.server wrapped in ssl, with a throwaway certificate from openssl).
/// The certificate is trusted the only way rcom allows, the system's CA bundle: the child runs
/// in its own user and mount namespace where the bundle is the test's certificate. Skipped where
/// python3, openssl or unprivileged namespaces are missing.
final class HTTPSWebhookTests: XCTestCase {
    static let bundle = "/etc/ssl/certs/ca-certificates.crt"

    func executable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return (path.split(separator: ":").map { "\($0)/\(name)" } + ["/usr/bin/\(name)"]).first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func testHTTPSWebhookGoesThroughURLSessionAndChecksTheCertificate() throws {
        guard let python = executable("python3"), let openssl = executable("openssl"), let unshare = executable("unshare"),
              FileManager.default.fileExists(atPath: Self.bundle) else {
            throw XCTSkip("needs python3, openssl, unshare and \(Self.bundle)")
        }
        let dir = makeTemporaryDirectory()
        let mk = Process()
        mk.executableURL = URL(fileURLWithPath: openssl)
        mk.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
        mk.standardError = FileHandle.nullDevice
        try mk.run()
        mk.waitUntilExit()
        XCTAssertEqual(mk.terminationStatus, 0)
        try """
            import http.server, ssl, sys
            class H(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    body = self.rfile.read(int(self.headers.get('Content-Length', '0')))
                    sys.stdout.write('GOT %s %s %s\\n' % (self.path, self.headers.get('Content-Type'), body.decode())); sys.stdout.flush()
                    answer = b'{"id":"hook-1"}'
                    self.send_response(200); self.send_header('Content-Type', 'application/json')
                    self.send_header('Content-Length', str(len(answer))); self.end_headers(); self.wfile.write(answer)
                def log_message(self, *a): pass
            s = http.server.HTTPServer(('127.0.0.1', 0), H)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(sys.argv[1] + '/cert.pem', sys.argv[1] + '/key.pem')
            s.socket = ctx.wrap_socket(s.socket, server_side=True)
            print('PORT', s.server_address[1], flush=True)
            s.serve_forever()
            """.write(toFile: dir + "/server.py", atomically: true, encoding: .utf8)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: python)
        server.arguments = [dir + "/server.py", dir]
        let out = Pipe()
        server.standardOutput = out
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        let reader = LineSource(out.fileHandleForReading)
        let announce = try XCTUnwrap(reader.line(), "the TLS server did not start")
        let port = try XCTUnwrap(Int(announce.dropFirst("PORT ".count)))
        let target = "https://127.0.0.1:\(port)/hook"
        let args = ["send", "-c", "webhook", "-t", target, "-m", "over <TLS>", "--db", dir + "/db.sqlite", "--attempts", "1"]

        // The system's trust as it is: a self-signed certificate is refused, with no way around it.
        let refused = try RcomProcess.run(args)
        XCTAssertEqual(refused.status, 1, refused.all)
        XCTAssertTrue(refused.stdout.contains(" webhook \(target) failed https: "), refused.stdout)
        XCTAssertTrue(refused.stdout.lowercased().contains("certificate"), refused.stdout)

        let trusted = try RcomProcess.run(args, via: [unshare, "-rm", "/bin/sh", "-c",
                                                      "mount --bind '\(dir)/cert.pem' \(Self.bundle) && exec \"$0\" \"$@\""])
        if trusted.status != 0, trusted.stderr.contains("unshare") || trusted.stderr.contains("mount") {
            throw XCTSkip("no unprivileged user and mount namespaces here: \(trusted.stderr)")
        }
        guard trusted.status == 0 else { return XCTFail(trusted.all) }  // (reading the server's line would wait forever)
        XCTAssertTrue(trusted.stdout.hasSuffix(" webhook \(target) delivered hook-1\n"), trusted.stdout)
        XCTAssertEqual(trusted.stderr, "(sent to \(target))\n")
        let id = try XCTUnwrap(trusted.stdout.split(separator: " ").first)
        XCTAssertEqual(reader.line(), #"GOT /hook application/json {"id":"\#(id)","message":"over <TLS>"}"#)
    }
}

/// Lines from a pipe, read as they come (each wait bounded by the writer closing or writing).
final class LineSource {
    private let handle: FileHandle
    private var buffer = Data()
    init(_ handle: FileHandle) { self.handle = handle }

    func line() -> String? {
        while true {
            if let nl = buffer.firstIndex(of: 10) {
                let line = String(decoding: buffer[buffer.startIndex..<nl], as: UTF8.self)
                buffer = Data(buffer[(nl + 1)...])
                return line
            }
            let chunk = handle.availableData
            if chunk.isEmpty { return nil }
            buffer.append(chunk)
        }
    }
}
