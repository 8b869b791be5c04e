import Foundation

/// Who asks for what, when: the input of every policy decision.
///
/// The caller is the identity the registry gave the skill or client, never one it declared itself.
/// The token is kept for verification only; it is never logged or written to the audit log.
public struct AuthContext: Sendable, Hashable {
    /// The kind of caller.
    public struct CallerType: Sendable, Hashable, CustomStringConvertible {
        /// The name as policy files and contexts write it.
        public let rawValue: String
        private init(_ rawValue: String) { self.rawValue = rawValue }

        /// A core skill shipped with Claw.
        public static let core = CallerType("core")
        /// A skill loaded at run time.
        public static let dynamic = CallerType("dynamic")
        /// An MCP client.
        public static let mcp = CallerType("mcp")
        /// A workflow step.
        public static let workflow = CallerType("workflow")
        /// A chat gateway user.
        public static let chat = CallerType("chat")

        /// All caller types.
        public static let all: [CallerType] = [.core, .dynamic, .mcp, .workflow, .chat]

        /// Returns the caller type with the given name, or `nil`.
        public init?(name: String) {
            guard let found = Self.all.first(where: { $0.rawValue == name }) else { return nil }
            self = found
        }

        /// The name.
        public var description: String { rawValue }
    }

    /// The registered identity of the caller.
    public var caller: String
    /// The kind of caller.
    public var callerType: CallerType
    /// The permission the call needs.
    public var permission: String
    /// The tool called, for MCP calls.
    public var tool: String?
    /// How many skill-to-skill calls led here.
    public var chainDepth: Int
    /// The workflow run, if any.
    public var workflowRunID: String?
    /// When the call happens.
    public var timestamp: Date
    /// The capability token presented; never logged or audited.
    public var token: CapabilityToken?

    /// Creates a context.
    public init(
        caller: String, callerType: CallerType, permission: String, tool: String? = nil, chainDepth: Int = 0,
        workflowRunID: String? = nil, timestamp: Date, token: CapabilityToken? = nil
    ) {
        self.caller = caller
        self.callerType = callerType
        self.permission = permission
        self.tool = tool
        self.chainDepth = chainDepth
        self.workflowRunID = workflowRunID
        self.timestamp = timestamp
        self.token = token
    }

    /// Parses a context from JSON with snake_case keys: `caller`, `caller_type`, `permission`, `tool`,
    /// `chain_depth`, `workflow_run_id`, `timestamp` (RFC 3339). Unknown keys are errors.
    /// - Throws: ``ClawSecurityError/Code/invalidContext`` naming the field.
    public init(json text: String) throws(ClawSecurityError) {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: text, limits: .init(maximumBytes: 64 * 1024, maximumDepth: 4))
        } catch {
            throw ClawSecurityError(.invalidContext, "the context is not valid JSON: \(error.reason)")
        }
        try self.init(json: value)
    }

    /// Parses a context from a JSON value; see ``init(json:)-(String)``.
    public init(json value: JSONValue) throws(ClawSecurityError) {
        guard let object = value.objectValue else { throw Self.invalid("the context is not a JSON object") }
        let known: Set<String> = ["caller", "caller_type", "permission", "tool", "chain_depth", "workflow_run_id", "timestamp"]
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw Self.invalid("unknown field '\(unknown.prefix(40))'")
        }
        func string(_ key: String, required: Bool) throws(ClawSecurityError) -> String? {
            guard let v = object[key], v != .null else {
                if required { throw Self.invalid("missing field '\(key)'") }
                return nil
            }
            guard let s = v.stringValue, !s.isEmpty else { throw Self.invalid("field '\(key)' must be a non-empty string") }
            return s
        }
        caller = try string("caller", required: true)!
        let typeName = try string("caller_type", required: true)!
        guard let type = CallerType(name: typeName) else {
            throw Self.invalid("field 'caller_type' must be one of core, dynamic, mcp, workflow, chat")
        }
        callerType = type
        permission = try string("permission", required: true)!
        tool = try string("tool", required: false)
        workflowRunID = try string("workflow_run_id", required: false)
        if let depth = object["chain_depth"] {
            guard let d = depth.intValue, d >= 0, d <= 1000 else { throw Self.invalid("field 'chain_depth' must be an integer from 0 to 1000") }
            chainDepth = Int(d)
        } else {
            chainDepth = 0
        }
        let time = try string("timestamp", required: true)!
        guard let date = RFC3339.parse(time) else { throw Self.invalid("field 'timestamp' is not an RFC 3339 time") }
        timestamp = date
        token = nil
    }

    static func invalid(_ what: String) -> ClawSecurityError { ClawSecurityError(.invalidContext, "invalid context: \(what)") }

    /// The context as JSON, without the token: what the audit log records.
    public var auditJSON: JSONValue {
        var o: [String: JSONValue] = [
            "caller": .string(caller), "caller_type": .string(callerType.rawValue), "permission": .string(permission),
            "chain_depth": .int(Int64(chainDepth)), "timestamp": .string(RFC3339.format(timestamp)),
        ]
        if let tool { o["tool"] = .string(tool) }
        if let workflowRunID { o["workflow_run_id"] = .string(workflowRunID) }
        return .object(o)
    }
}
