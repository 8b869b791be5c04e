/// What a capability token is asked to authorize: one permission, by one skill, at one chain depth, in
/// one workflow run. The time comes from the verifier's clock, never from the request.
public struct CapabilityRequest: Sendable, Hashable {
    /// The permission needed, such as `web_read`.
    public var permission: String
    /// The skill making the call, if any.
    public var skill: String?
    /// How many skill-to-skill calls led here; 0 for a direct call.
    public var chainDepth: Int
    /// The workflow run the call belongs to, if any.
    public var workflowRun: String?
    /// The MCP tool asked for, if any (checked by `tools = …` caveats).
    public var tool: String?

    /// Creates a request.
    public init(permission: String, skill: String? = nil, chainDepth: Int = 0, workflowRun: String? = nil, tool: String? = nil) {
        self.permission = permission
        self.skill = skill
        self.chainDepth = chainDepth
        self.workflowRun = workflowRun
        self.tool = tool
    }
}
