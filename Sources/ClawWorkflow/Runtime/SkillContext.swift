import Foundation

/// The only door a running skill has to the world.
///
/// Every call checks the step's capability token (for this skill, this chain depth and this run) and the
/// policy engine with the skill's registered identity, and writes denials to the audit log.
public struct SkillContext: Sendable {
    /// The skill's registered name: its identity for every authorization.
    public let skillName: String
    /// The workflow run, if any.
    public let runID: String?
    /// How many skill-to-skill calls led here.
    public let chainDepth: Int
    let token: CapabilityToken
    let callerType: AuthContext.CallerType
    let runtime: SkillRuntime

    /// Checks that the skill may use a permission now.
    /// - Parameters:
    ///   - permission: The permission.
    ///   - tool: The tool, for MCP-facing rules.
    /// - Returns: The verified capability.
    /// - Throws: ``AuthorizationDenied`` with the reason.
    @discardableResult
    public func authorize(_ permission: String, tool: String? = nil) async throws -> VerifiedCapability {
        try await runtime.authorize(
            permission: permission, tool: tool, token: token, caller: skillName, callerType: callerType,
            chainDepth: chainDepth, runID: runID)
    }

    /// Asks a language model (permission `llm`).
    public func complete(prompt: String) async throws -> String {
        try await authorize("llm")
        return try await runtime.services.complete(prompt: prompt)
    }

    /// Fetches a URL (permission `web_read`). The text is untrusted: it is sanitized before it is returned.
    public func fetch(url: String) async throws -> String {
        try await authorize("web_read")
        return runtime.sanitizer.sanitizedText(try await runtime.services.fetch(url: url))
    }

    /// Reads memory (permission `memory`).
    public func recall(key: String) async throws -> String? {
        try await authorize("memory")
        return try await runtime.services.recall(key: key)
    }

    /// Writes memory (permission `memory`).
    public func remember(key: String, value: String) async throws {
        try await authorize("memory")
        try await runtime.services.remember(key: key, value: value)
    }

    /// Sends a message (permission `send_message`).
    public func send(message: String, to recipient: String) async throws {
        try await authorize("send_message")
        try await runtime.services.send(message: message, to: recipient)
    }

    /// Runs another skill through the same path (token, policy, breaker, timeout, sanitizer, audit).
    ///
    /// The callee's token is this token attenuated to the callee's permissions, so it holds at most the
    /// permissions both declare; the chain depth grows by one and may not pass the configured limit.
    public func callSkill(_ name: String, input: JSONValue) async throws -> JSONValue {
        try await runtime.invoke(
            skill: name, input: input, parentToken: token, chainDepth: chainDepth + 1, runID: runID,
            trigger: Trigger(callerType: callerType, identity: skillName))
    }
}
