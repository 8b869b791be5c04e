import Foundation
import Logging
import ServiceLifecycle

/// The MCP server behind `/mcp` (Streamable HTTP, protocol versions 2025-06-18 and 2025-03-26), independent
/// of the HTTP framework: it takes a request's method, headers and body and returns a ``MCPReply``.
///
/// Every request carries `Authorization: Bearer <MCP token>` (``MCPTokens``), checked against the current
/// key, its caveats and the revocation list; a session is bound to the token that opened it. Every
/// `tools/call` builds an `AuthContext` (caller type `mcp`, the tool's name), passes the token's caveats and
/// the policy engine, is audited whether allowed or denied, and runs through the `SkillRuntime` /
/// `WorkflowExecutor` path (token, breaker, timeout, sanitizing, approval). A policy denial is a tool
/// error (`isError: true`) the client shows its model; a token that does not allow the tool is a JSON-RPC
/// error. Messages are parsed with ClawSecurity's bounded `JSONValue` parser and answered as JSON; the
/// only stream is the optional GET stream of notifications, bounded per session.
///
/// Run it as a `Service` to announce tool-list changes: it watches the workflow store and sends
/// `notifications/tools/list_changed` on every session's GET stream.
public final class MCPEndpoint: Service, Sendable {
    /// Limits and names.
    public struct Configuration: Sendable {
        /// The most sessions held at once; 256.
        public var maximumSessions: Int
        /// A session idle longer than this is closed; 30 minutes.
        public var sessionIdleTimeout: Duration
        /// The name and version reported to clients.
        public var serverName: String
        /// The version reported to clients.
        public var serverVersion: String

        /// Creates a configuration.
        public init(maximumSessions: Int = 256, sessionIdleTimeout: Duration = .seconds(1800), serverName: String = "claw", serverVersion: String = "0.1.0") {
            self.maximumSessions = maximumSessions
            self.sessionIdleTimeout = sessionIdleTimeout
            self.serverName = serverName
            self.serverVersion = serverVersion
        }
    }

    /// The protocol versions spoken, newest first.
    public static let protocolVersions = ["2025-06-18", "2025-03-26"]
    /// The session header.
    public static let sessionHeader = "mcp-session-id"
    /// The name of the sanitizer tool.
    public static let sanitizeTool = "claw_sanitize"

    let configuration: Configuration
    let tokens: MCPTokens
    let revocations: RevocationList?
    let policy: PolicyEngine
    let audit: AuditLog
    let runtime: SkillRuntime
    let executor: WorkflowExecutor
    let registry: SkillRegistry
    let database: ClawDatabase?
    let keyRing: KeyRing
    let sanitizer: ContentSanitizer
    let sessions: MCPSessions
    let logger: Logger
    let wallClock: WallClock

    /// Creates the endpoint.
    /// - Parameters:
    ///   - keyRing: The secrets (MCP tokens verify under the current one only).
    ///   - registry: The skills offered as `skill:<name>`.
    ///   - runtime: The one path skill calls take.
    ///   - executor: Runs workflows offered as `workflow:<name>`.
    ///   - policy: Decides every `tools/call` (caller type `mcp`).
    ///   - audit: Records every `tools/call`, allowed or denied.
    ///   - database: Workflows, runs and settings for tools and resources; revocations come from `revocations`.
    ///   - revocations: Revoked token ids; without it no token is considered revoked.
    public init(
        keyRing: KeyRing, registry: SkillRegistry, runtime: SkillRuntime, executor: WorkflowExecutor, policy: PolicyEngine,
        audit: AuditLog, database: ClawDatabase?, revocations: RevocationList?, sanitizer: ContentSanitizer = ContentSanitizer(),
        configuration: Configuration = .init(), wallClock: WallClock = .system, logger: Logger = Logger(label: "claw.mcp")
    ) {
        self.configuration = configuration
        self.tokens = MCPTokens(keyRing: keyRing, clock: wallClock)
        self.keyRing = keyRing
        self.revocations = revocations
        self.policy = policy
        self.audit = audit
        self.runtime = runtime
        self.executor = executor
        self.registry = registry
        self.database = database
        self.sanitizer = sanitizer
        self.sessions = MCPSessions(maximumSessions: configuration.maximumSessions, idleTimeout: configuration.sessionIdleTimeout)
        self.logger = logger
        self.wallClock = wallClock
    }

    /// How many sessions are open.
    public var sessionCount: Int { sessions.count }

    /// Tells every session that the tool list changed (a skill or workflow was added or removed).
    public func toolsChanged() {
        sessions.broadcast(.object(["jsonrpc": "2.0", "method": "notifications/tools/list_changed"]))
    }

    /// Closes every session (at shutdown).
    public func closeAllSessions() { sessions.closeAll() }

    /// Announces workflow changes as tool-list changes until cancelled or shut down; then closes the sessions.
    public func run() async throws {
        if let database {
            for await _ in database.workflows.changes().cancelOnGracefulShutdown() { toolsChanged() }
        } else {
            try? await gracefulShutdown()
        }
        closeAllSessions()
    }

    // MARK: Authentication

    struct Caller {
        let tokenID: String
        let token: CapabilityToken
    }

    func authenticate(_ headers: [String: String]) -> Result<Caller, MCPReply> {
        guard let header = headers["authorization"], header.count > 7, header.prefix(7).lowercased() == "bearer " else {
            return .failure(.unauthorized("a bearer token is required"))
        }
        let text = String(header.dropFirst(7))
        do throws(ClawSecurityError) {
            let token = try CapabilityToken(decoding: text, limits: .init())
            let id = try tokens.verify(token, permission: MCPTokens.readPermission)
            if let revocations, revocations.isRevoked(id) { return .failure(.unauthorized("the token is revoked")) }
            return .success(Caller(tokenID: id, token: token))
        } catch {
            return .failure(.unauthorized(error.code == .caveatNotSatisfied ? "the token does not allow MCP now (\(error.reason))" : "the token is not valid"))
        }
    }

    // MARK: HTTP methods

    /// Handles a POST of one JSON-RPC message or a batch.
    public func post(headers: [String: String], body: [UInt8]) async -> MCPReply {
        let caller: Caller
        switch authenticate(headers) {
        case .success(let c): caller = c
        case .failure(let reply): return reply
        }
        let value: JSONValue
        do {
            value = try JSONValue(parsing: body, limits: .init(maximumBytes: body.count + 1, maximumDepth: 64))
        } catch {
            return .jsonRPC(JSONRPC.error(id: .null, code: JSONRPC.parseError, message: "the body is not JSON"), status: 400)
        }
        let messages: [JSONValue]
        if let batch = value.arrayValue {
            guard !batch.isEmpty, batch.count <= 64 else {
                return .jsonRPC(JSONRPC.error(id: .null, code: JSONRPC.invalidRequest, message: "a batch holds 1 to 64 messages"), status: 400)
            }
            messages = batch
        } else {
            messages = [value]
        }
        // initialize opens a session and must come alone.
        if messages.count == 1, let object = messages[0].objectValue, object["method"]?.stringValue == "initialize" {
            return initialize(object, caller: caller)
        }
        guard let sessionID = headers[Self.sessionHeader] else {
            return .jsonRPC(JSONRPC.error(id: .null, code: JSONRPC.invalidRequest, message: "the Mcp-Session-Id header is missing: initialize first"), status: 400)
        }
        guard let session = sessions.session(sessionID, tokenID: caller.tokenID) else {
            return .jsonRPC(JSONRPC.error(id: .null, code: JSONRPC.invalidRequest, message: "unknown or expired session: initialize again"), status: 404)
        }
        var responses = [JSONValue]()
        for message in messages {
            if let response = await handle(message, caller: caller, session: session) { responses.append(response) }
        }
        if responses.isEmpty { return MCPReply(status: 202, headers: [:], body: []) }
        return .jsonRPC(value.arrayValue == nil ? responses[0] : .array(responses), status: 200)
    }

    /// Opens the notification stream of a session (GET); a session has one, so an earlier one ends.
    public func stream(headers: [String: String]) -> Result<AsyncStream<JSONValue>, MCPReply> {
        let caller: Caller
        switch authenticate(headers) {
        case .success(let c): caller = c
        case .failure(let reply): return .failure(reply)
        }
        guard let id = headers[Self.sessionHeader], let session = sessions.session(id, tokenID: caller.tokenID) else {
            return .failure(.jsonRPC(JSONRPC.error(id: .null, code: JSONRPC.invalidRequest, message: "unknown or expired session"), status: 404))
        }
        return .success(session.openStream())
    }

    /// Ends a session (DELETE).
    public func delete(headers: [String: String]) -> MCPReply {
        let caller: Caller
        switch authenticate(headers) {
        case .success(let c): caller = c
        case .failure(let reply): return reply
        }
        guard let id = headers[Self.sessionHeader], sessions.session(id, tokenID: caller.tokenID) != nil else {
            return .jsonRPC(JSONRPC.error(id: .null, code: JSONRPC.invalidRequest, message: "unknown or expired session"), status: 404)
        }
        sessions.close(id)
        return MCPReply(status: 200, headers: [:], body: [])
    }

    // MARK: Messages

    func initialize(_ object: [String: JSONValue], caller: Caller) -> MCPReply {
        let id = object["id"] ?? .null
        guard id != .null else {
            return .jsonRPC(JSONRPC.error(id: .null, code: JSONRPC.invalidRequest, message: "initialize needs an id"), status: 400)
        }
        let requested = object["params"]?.objectValue?["protocolVersion"]?.stringValue
        let version = requested.flatMap { Self.protocolVersions.contains($0) ? $0 : nil } ?? Self.protocolVersions[0]
        guard let session = sessions.open(tokenID: caller.tokenID, protocolVersion: version) else {
            return .jsonRPC(JSONRPC.error(id: id, code: JSONRPC.internalError, message: "too many sessions; try again later"), status: 503)
        }
        let result: JSONValue = .object([
            "protocolVersion": .string(version),
            "capabilities": .object(["tools": .object(["listChanged": true]), "resources": .object(["listChanged": false])]),
            "serverInfo": .object(["name": .string(configuration.serverName), "version": .string(configuration.serverVersion)]),
            "instructions": "Claw's skills and workflows. Every call is authorized, audited and its untrusted output sanitized.",
        ])
        var reply = MCPReply.jsonRPC(JSONRPC.result(id: id, result), status: 200)
        reply.headers["Mcp-Session-Id"] = session.id
        return reply
    }

    func handle(_ message: JSONValue, caller: Caller, session: MCPSessions.Session) async -> JSONValue? {
        guard let object = message.objectValue, object["jsonrpc"] == "2.0" else {
            return JSONRPC.error(id: .null, code: JSONRPC.invalidRequest, message: "not a JSON-RPC 2.0 message")
        }
        guard let method = object["method"]?.stringValue else {
            return nil  // a response to a server request (we send none) or junk without an id: nothing to answer
        }
        guard let id = object["id"], id != .null else {
            return nil  // a notification (notifications/initialized, cancelled, ...): accepted
        }
        guard id.stringValue != nil || id.intValue != nil else {
            return JSONRPC.error(id: .null, code: JSONRPC.invalidRequest, message: "the id must be a string or an integer")
        }
        let params = object["params"]?.objectValue ?? [:]
        switch method {
        case "ping":
            return JSONRPC.result(id: id, .object([:]))
        case "tools/list":
            return JSONRPC.result(id: id, .object(["tools": .array(await toolList(caller))]))
        case "tools/call":
            return await callTool(id: id, params: params, caller: caller)
        case "resources/list":
            return JSONRPC.result(id: id, .object(["resources": .array(MCPResources.list.map(\.json))]))
        case "resources/read":
            return await readResource(id: id, params: params)
        case "initialize":
            return JSONRPC.error(id: id, code: JSONRPC.invalidRequest, message: "the session is already initialized")
        default:
            return JSONRPC.error(id: id, code: JSONRPC.methodNotFound, message: "method not found")
        }
    }
}

/// An HTTP answer from the MCP endpoint, independent of the HTTP framework.
public struct MCPReply: Error, Sendable, Hashable {
    /// The status code.
    public var status: Int
    /// Headers to set.
    public var headers: [String: String]
    /// The body.
    public var body: [UInt8]

    /// Creates a reply.
    public init(status: Int, headers: [String: String], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    static func jsonRPC(_ message: JSONValue, status: Int) -> MCPReply {
        var body = [UInt8]()
        message.write(into: &body)
        return MCPReply(status: status, headers: ["Content-Type": "application/json"], body: body)
    }

    static func unauthorized(_ reason: String) -> MCPReply {
        var body = [UInt8]()
        JSONValue.object(["error": .string(reason)]).write(into: &body)
        return MCPReply(
            status: 401,
            headers: ["Content-Type": "application/json", "WWW-Authenticate": "Bearer realm=\"claw\", error=\"invalid_token\""],
            body: body)
    }
}

/// JSON-RPC 2.0 envelopes and error codes.
enum JSONRPC {
    static let parseError = -32700
    static let invalidRequest = -32600
    static let methodNotFound = -32601
    static let invalidParams = -32602
    static let internalError = -32603
    /// The token does not allow the request (server-defined range).
    static let forbidden = -32003

    static func result(id: JSONValue, _ result: JSONValue) -> JSONValue {
        .object(["jsonrpc": "2.0", "id": id, "result": result])
    }

    static func error(id: JSONValue, code: Int, message: String) -> JSONValue {
        .object(["jsonrpc": "2.0", "id": id, "error": .object(["code": .int(Int64(code)), "message": .string(message)])])
    }
}
