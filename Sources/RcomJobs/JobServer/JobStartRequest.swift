import RcomCore
import Foundation

/// A parsed `POST /start` body: `{"account": String, "wait": Bool, "callback": URL?}`.
/// `fields` keeps the whole object so a proxy can forward what it does not know about.
public struct JobStartRequest: Sendable {
    public let account: String
    public let wait: Bool
    public let callback: HTTPURL?
    public let callbackText: String?

    public static let accountBytesMax = 256

    /// Errors are sentences for a 400 body.
    public static func parse(_ body: [UInt8]) -> Result<JobStartRequest, JobRequestError> {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            return .failure(JobRequestError("body is not a JSON object"))
        }
        guard let account = object["account"] as? String, !account.trimmingCharacters(in: .whitespaces).isEmpty else {
            return .failure(JobRequestError("\"account\" is missing or empty"))
        }
        guard account.utf8.count <= accountBytesMax else {
            return .failure(JobRequestError("\"account\" is longer than \(accountBytesMax) bytes"))
        }
        let wait: Bool
        switch object["wait"] {
        case nil: wait = false
        case let n as NSNumber where JSONBool.isBoolean(n): wait = n.boolValue
        default: return .failure(JobRequestError("\"wait\" must be true or false"))
        }
        let callbackText = object["callback"] as? String
        if object["callback"] != nil && callbackText == nil {
            return .failure(JobRequestError("\"callback\" must be a string URL"))
        }
        var callback: HTTPURL?
        if let text = callbackText {
            guard let url = HTTPURL(text) else {
                return .failure(JobRequestError("\"callback\" is not an absolute http(s) URL: \(text.prefix(100))"))
            }
            callback = url
        }
        if !wait && callback == nil {
            return .failure(JobRequestError("\"wait\" is false but no \"callback\" URL was given"))
        }
        return .success(JobStartRequest(account: account, wait: wait, callback: callback, callbackText: callbackText))
    }
}

public struct JobRequestError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ m: String) { message = m }
    public var description: String { message }
}

/// JSON true/false arrive as a distinct NSNumber subclass; 0 and 1 must not pass for booleans.
enum JSONBool {
    static func isBoolean(_ n: NSNumber) -> Bool { String(describing: type(of: n)).contains("Boolean") }
}
