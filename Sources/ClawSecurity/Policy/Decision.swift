/// The outcome of a policy evaluation: allow or deny, why, and which rule decided.
public struct Decision: Sendable, Hashable, CustomStringConvertible {
    /// Whether the call may proceed.
    public let isAllowed: Bool
    /// Why, in one line that holds no secret.
    public let reason: String
    /// The deciding rule's id; `nil` when no rule decided (default allow) or the engine failed closed.
    public let ruleID: String?

    /// Creates a decision.
    public init(isAllowed: Bool, reason: String, ruleID: String?) {
        self.isAllowed = isAllowed
        self.reason = reason
        self.ruleID = ruleID
    }

    /// `{"decision": "allow"|"deny", "reason": ..., "rule": id or null}`.
    public var json: JSONValue {
        .object([
            "decision": .string(isAllowed ? "allow" : "deny"), "reason": .string(reason),
            "rule": ruleID.map(JSONValue.string) ?? .null,
        ])
    }

    /// The decision as JSON text.
    public var description: String { json.canonicalText }
}
