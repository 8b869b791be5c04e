// libFuzzer target: the MCP endpoint's JSON-RPC request path and the GitHub webhook payload path.
//
// The first byte picks the path; the rest is the body:
//   - even: a POST to /mcp carrying a valid bearer token (with and without a live session);
//   - odd:  a GitHub delivery of event `push`, correctly signed, so the payload is parsed and sanitized.
// Never crashes, and checks that
//   - /mcp answers 200, 202, 400 or 404, and a body it returns is JSON (a JSON-RPC message or batch);
//   - the webhook answers 202 or 400 (a new delivery id each time: never 409), with a JSON body.

import CFuzzerDriver
import ClawGateways
import Crypto
import Dispatch
import Foundation

/// An audit store that keeps nothing, so millions of runs use no memory.
struct DiscardingAuditStore: AuditStore {
    func append(_ entry: AuditEntry) throws(ClawSecurityError) {}
    func entries() throws(ClawSecurityError) -> [AuditEntry] { [] }
    func replace(with entries: [AuditEntry], anchor: AuditAnchor) throws(ClawSecurityError) {}
    func anchor() throws(ClawSecurityError) -> AuditAnchor? { nil }
    func saveCheckpoint(_ checkpoint: AuditCheckpoint) throws(ClawSecurityError) {}
    func checkpoint() throws(ClawSecurityError) -> AuditCheckpoint? { nil }
}

final class Fixture: @unchecked Sendable {
    static let secret = "fuzz-webhook-secret"
    let endpoint: MCPEndpoint
    let github: GitHubWebhooks
    let token: String
    var session = ""
    var delivery = 0

    init() async throws {
        let keyRing = try KeyRing(secretKeyBase: String(repeating: "f", count: 48))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("claw-fuzz-\(getpid())")
        let database = try await ClawDatabase.open(.sqlite(path: folder.appendingPathComponent("claw.sqlite").path))
        let registry = SkillRegistry()
        try BuiltinSkills.register(in: registry)
        let audit = AuditLog(store: DiscardingAuditStore(), keyRing: keyRing)
        let runtime = SkillRuntime(registry: registry, keyRing: keyRing, policy: PolicyEngine(rules: []), audit: audit)
        let executor = WorkflowExecutor(runtime: runtime)
        endpoint = MCPEndpoint(
            keyRing: keyRing, registry: registry, runtime: runtime, executor: executor, policy: PolicyEngine(rules: []),
            audit: audit, database: nil, revocations: nil)
        // `push` is bound to a workflow that does not exist: the payload is parsed and sanitized, nothing runs.
        github = GitHubWebhooks(
            configuration: .init(secret: Self.secret, bindings: ["push": ["absent"]]), executor: executor, database: database, audit: audit)
        token = try MCPTokens(keyRing: keyRing).create().token.serialized()
        let reply = await endpoint.post(
            headers: ["authorization": "Bearer \(token)"],
            body: Array(#"{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18"}}"#.utf8))
        session = reply.headers["Mcp-Session-Id"] ?? ""
    }
}

func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) -> T {
    let semaphore = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result: T?
    Task {
        result = try! await body()
        semaphore.signal()
    }
    semaphore.wait()
    return result!
}

let fixture = blocking { try await Fixture() }

func isJSON(_ bytes: [UInt8]) -> Bool { (try? JSONValue(parsing: bytes)) != nil }

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard size >= 1, let data else { return 0 }
    let selector = data[0]
    let body = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    if selector % 2 == 0 {
        var mutableHeaders = ["authorization": "Bearer \(fixture.token)"]
        if selector % 4 == 0 { mutableHeaders["mcp-session-id"] = fixture.session }
        let headers = mutableHeaders
        let reply = blocking { await fixture.endpoint.post(headers: headers, body: body) }
        guard [200, 202, 400, 404, 503].contains(reply.status) else { fatalError("/mcp answered \(reply.status)") }
        if !reply.body.isEmpty, !isJSON(reply.body) { fatalError("/mcp answered a body that is not JSON") }
    } else {
        fixture.delivery += 1
        let signature = "sha256=" + Hex.encode(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(Fixture.secret.utf8))))
        let headers = ["x-github-event": "push", "x-github-delivery": "d\(fixture.delivery)", "x-hub-signature-256": signature]
        let reply = blocking { await fixture.github.handle(headers: headers, body: body).reply }
        guard [202, 400].contains(reply.status) else { fatalError("the webhook answered \(reply.status)") }
        if !isJSON(reply.body) { fatalError("the webhook answered a body that is not JSON") }
    }
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
