/// An error raised by ClawWorkflow, with a stable code and a reason that holds no secret.
///
/// Two errors are equal when their codes are.
public struct WorkflowError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The stable identity of an error.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The dotted code.
        public let rawValue: String
        init(_ rawValue: String) { self.rawValue = rawValue }
        /// The dotted code.
        public var description: String { rawValue }

        /// A skill name or descriptor was invalid.
        public static let invalidSkill = Code("skill.invalid")
        /// A skill of that name is registered with an equal or higher version.
        public static let versionNotHigher = Code("skill.version_not_higher")
        /// A core skill cannot be unregistered or replaced.
        public static let protectedSkill = Code("skill.protected")
        /// No skill of that name is registered.
        public static let unknownSkill = Code("skill.unknown")
        /// The capability token or the policy engine refused the call.
        public static let denied = Code("authorization.denied")
        /// A skill-to-skill chain went deeper than allowed.
        public static let chainTooDeep = Code("authorization.chain_too_deep")
        /// A step ran past its timeout.
        public static let timeout = Code("step.timeout")
        /// A workflow definition was invalid; the reason names the step.
        public static let invalidWorkflow = Code("workflow.invalid")
        /// An approval was denied, expired or unavailable.
        public static let approvalRefused = Code("approval.refused")
        /// The executor is running as many runs as it may.
        public static let tooManyRuns = Code("workflow.too_many_runs")
        /// A skill's input is missing a field or has the wrong shape.
        public static let invalidInput = Code("skill.invalid_input")
        /// A step failed and the workflow halted.
        public static let stepFailed = Code("workflow.step_failed")
        /// The run was cancelled.
        public static let cancelled = Code("workflow.cancelled")
    }

    /// The stable code.
    public let code: Code
    /// A one-line reason with no secret in it.
    public let reason: String

    /// Creates an error.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// Reason and code.
    public var description: String { "\(reason) [\(code.rawValue)]" }

    /// Equal when the codes are.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    /// Hashes the code.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

/// A refusal by the token or the policy engine: not a failure of the skill, so breakers ignore it.
public struct AuthorizationDenied: CircuitBreakerNeutralError, Sendable, CustomStringConvertible {
    /// The permission that was refused.
    public let permission: String
    /// Why.
    public let reason: String
    /// The deciding policy rule, if any.
    public let ruleID: String?

    /// The reason.
    public var description: String { "'\(permission)' denied: \(reason)" }
}
