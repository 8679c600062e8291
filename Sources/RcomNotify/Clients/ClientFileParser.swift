import Foundation
import RcomCLI
import RcomCore

/// Reads and validates a client file (`{"clients": [...]}`) or one client object, strictly:
/// unknown members, unknown channels, targets a channel refuses, unknown time zones, rules that
/// tie, duplicate ids are all errors, every one reported with its JSON path and line; a file with
/// any error yields no definitions at all (so nothing is applied).
public struct ClientFileParser {
    /// Bounds: a larger file or section is an error naming the bound (read nothing past it).
    public static let fileBytesMax = 32 << 20
    public static let clientsMax = 100_000
    public static let rulesMax = 256
    public static let targetsPerChannelMax = 64
    /// After this many errors the rest are counted, not listed.
    public static let errorsMax = 50

    let registry: ChannelRegistry

    public init(registry: ChannelRegistry) { self.registry = registry }

    /// Ids: what a URL path segment and a CSV field can hold unquoted.
    public static func isClientID(_ s: String) -> Bool {
        guard let first = s.utf8.first, s.utf8.count <= 64, first != UInt8(ascii: "."), first != UInt8(ascii: "-") else { return false }
        return s.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F || $0 == 0x2D || $0 == 0x2E }
    }

    public func parseFile(_ bytes: [UInt8]) -> Result<[ClientDefinition], ClientFileErrors> {
        parse(bytes) { v, root in
            guard case .object(let members) = root.value else { return v.fail("$", root, "expected an object") }
            for m in members where m.name != "clients" { v.fail("$.\(m.name)", m.node, "unknown member (the file has only \"clients\")") }
            guard let clients = members.first(where: { $0.name == "clients" })?.node else {
                return v.fail("$", root, "missing member \"clients\" (an array of clients)")
            }
            guard case .array(let items) = clients.value else { return v.fail("$.clients", clients, "expected an array of clients") }
            guard items.count <= Self.clientsMax else { return v.fail("$.clients", clients, "more than \(Self.clientsMax) clients") }
            var seen: [String: String] = [:]
            for (i, item) in items.enumerated() {
                let path = "$.clients[\(i)]"
                guard let c = v.client(item, path: path) else { continue }
                if let first = seen[c.id] {
                    v.fail("\(path).id", item, "duplicate id \(TerminalText.quoted(c.id)) (first at \(first))")
                } else {
                    seen[c.id] = path
                    v.out.append(c)
                }
            }
        }
    }

    /// One client object (what the store holds, and an HTTP API's PUT body).
    public func parseClient(_ bytes: [UInt8]) -> Result<ClientDefinition, ClientFileErrors> {
        parse(bytes) { v, root in
            if let c = v.client(root, path: "$") { v.out.append(c) }
        }.map { $0[0] }
    }

    private func parse(_ bytes: [UInt8], _ body: (inout ClientValidator, JSONTree.Node) -> Void) -> Result<[ClientDefinition], ClientFileErrors> {
        guard bytes.count <= Self.fileBytesMax else {
            return .failure(ClientFileErrors([ClientFileError(path: "$", line: 0, message: "the file is \(bytes.count) bytes; at most \(Self.fileBytesMax)")]))
        }
        let tree: JSONTree
        switch JSONTree.parse(bytes) {
        case .failure(let e):
            return .failure(ClientFileErrors([ClientFileError(path: "$", line: JSONTree.line(of: e.offset, in: bytes), message: "not valid JSON: \(e)")]))
        case .success(let t): tree = t
        }
        var v = ClientValidator(registry: registry, tree: tree)
        body(&v, tree.root)
        if v.errors.isEmpty { return .success(v.out) }
        var errors = Array(v.errors.prefix(Self.errorsMax))
        if v.errors.count > Self.errorsMax {
            errors.append(ClientFileError(path: "$", line: 0, message: "and \(v.errors.count - Self.errorsMax) more errors"))
        }
        return .failure(ClientFileErrors(errors))
    }
}
