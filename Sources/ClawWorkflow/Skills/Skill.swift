/// A unit of work the agent can do: search the web, summarize, send a message.
///
/// A skill declares what it needs in its ``descriptor`` and reaches everything else only through the
/// ``SkillContext`` it is given, which checks the step's capability token and the policy engine on every
/// call. Its input and output are JSON values.
public protocol Skill: Sendable {
    /// What the skill is and what it needs.
    var descriptor: SkillDescriptor { get }

    /// Runs the skill.
    /// - Parameters:
    ///   - input: The step's input.
    ///   - context: The only way to reach models, memory, the web, messages and other skills.
    /// - Returns: The output.
    func run(_ input: JSONValue, context: SkillContext) async throws -> JSONValue
}

/// What a skill is and what it needs: declared once, enforced on every call.
public struct SkillDescriptor: Sendable, Hashable {
    /// The skill's name: letters, digits, `_`, `-`, `.`.
    public var name: String
    /// The version; a registered skill is replaced only by a higher one.
    public var version: Int
    /// The permissions it may use; its tokens never carry more.
    public var permissions: [String]
    /// Whether it fetches untrusted content; its output is always sanitized.
    public var isExternal: Bool
    /// Whether each run needs a human's approval (a TOTP answer).
    public var requiresApproval: Bool

    /// Creates a descriptor.
    public init(name: String, version: Int = 1, permissions: [String] = [], isExternal: Bool = false, requiresApproval: Bool = false) {
        self.name = name
        self.version = version
        self.permissions = permissions
        self.isExternal = isExternal
        self.requiresApproval = requiresApproval
    }
}

/// A skill made from a closure, for tests and simple built-ins.
public struct ClosureSkill: Skill {
    /// What the skill is.
    public let descriptor: SkillDescriptor
    private let body: @Sendable (JSONValue, SkillContext) async throws -> JSONValue

    /// Creates a skill.
    public init(_ descriptor: SkillDescriptor, run body: @escaping @Sendable (JSONValue, SkillContext) async throws -> JSONValue) {
        self.descriptor = descriptor
        self.body = body
    }

    /// Runs the closure.
    public func run(_ input: JSONValue, context: SkillContext) async throws -> JSONValue { try await body(input, context) }
}
