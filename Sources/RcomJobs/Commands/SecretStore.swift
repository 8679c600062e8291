import Foundation
import RcomCLI
import RcomCore
import RcomReactor

/// The job server's default secret: created once under `$RCOM_HOME` (default `~/.rcom`) so that
/// `rcom jobserver` and `rcom jobserver verify` agree out of the box.
enum SecretStore {
    static var directory: String {
        let env = ProcessInfo.processInfo.environment
        if let home = env["RCOM_HOME"], !home.isEmpty { return home }
        return defaultDirectory
    }

    /// `~/.rcom`, created like `$RCOM_HOME` when missing (`DataPath.prepareHome`).
    static var defaultDirectory: String {
        (ProcessInfo.processInfo.environment["HOME"] ?? NSTemporaryDirectory()) + "/.rcom"
    }

    static var path: String { directory + "/jobserver.secret" }

    /// The given secret, or the stored one (created with 256 random bits on first use).
    static func secret(_ given: String?) -> Result<[UInt8], SecretError> {
        if let given, !given.isEmpty { return .success(Array(given.utf8)) }
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty { return .success(Array(trimmed.utf8)) }
        }
        do throws(DataPathError) {
            try DataPath.prepareHome(directory, option: "RCOM_HOME")
        } catch {
            return .failure(SecretError(message: "\(error.message), or pass --secret"))
        }
        do {
            let token = SystemEntropy().hexToken(bits: 256)
            try token.write(toFile: path, atomically: true, encoding: .utf8)
            chmod(path, 0o600)
            return .success(Array(token.utf8))
        } catch {
            return .failure(SecretError(message: "cannot create the secret file \(path): \(DataPath.reason(error)); pass --secret"))
        }
    }
}

struct SecretError: Error { let message: String }
