/// `notify`: sends a message through a gateway (permission `send_message`).
///
/// Input: the text as `input` (a string, or any JSON value, which is sent as its canonical text);
/// `config.to` names the recipient: a channel (`telegram`, `discord`, `console`) for the owner's chat, or
/// `channel:chat` for another configured chat. Without `to`, the message goes to the first running
/// gateway that delivers to the owner.
public struct NotifySkill: Skill {
    /// `notify`, permission `send_message`.
    public let descriptor = SkillDescriptor(name: "notify", permissions: ["send_message"])

    /// Creates the skill; it sends through the runtime's ``SkillServices``.
    public init() {}

    /// Sends the message.
    public func run(_ payload: JSONValue, context: SkillContext) async throws -> JSONValue {
        let text: String
        switch payload["input"] ?? .null {
        case .string(let value): text = value
        case .null: text = ""
        case let value: text = value.canonicalText
        }
        guard !text.isEmpty else { throw WorkflowError(.invalidInput, "notify: the input is empty") }
        var recipient = ""
        if case .string(let to)? = payload["config"]?["to"] { recipient = to }
        try await context.send(message: String(text.prefix(16_000)), to: recipient)
        return ["sent": true, "to": .string(recipient.isEmpty ? "owner" : recipient)]
    }
}
