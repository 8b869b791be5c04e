/// The `llm` core skill: asks the configured language model and returns its answer.
///
/// Permission `llm`; not external (its output is the model's, not fetched content). Every run calls
/// `context.authorize("llm")` before the provider, so the step's capability token and the policy engine
/// decide, and a denial is audited.
///
/// Input, as a workflow step gives it (`{"input": ..., "config": ...}`) or directly:
/// - `"<prompt>"`, `{"input": "<prompt>"}` or `{"input": {"prompt": "...", "system": "..."}}`;
/// - `config.system`: the system prompt. It wins over `input.system`, so text from an earlier (possibly
///   untrusted) step cannot replace the workflow author's instructions;
/// - `config.max_tokens`: the answer's token limit, 1 to ``maximumMaxTokens``; 1024 by default;
/// - `config.temperature`: the sampling temperature, if set.
///
/// Output: `{"text", "model", "stop_reason", "usage": {"input_tokens", "output_tokens"}}` (`null` for what the
/// server did not say).
public struct LLMSkill: Skill {
    /// `llm`.
    public static let name = "llm"
    /// `llm`.
    public static let permission = "llm"
    /// The largest `config.max_tokens` accepted.
    public static let maximumMaxTokens = 65_536

    /// `llm`, permission `llm`, not external.
    public let descriptor = SkillDescriptor(name: LLMSkill.name, permissions: [LLMSkill.permission], isExternal: false)
    private let provider: any LLMProvider

    /// Creates the skill over a provider.
    /// - Parameter provider: The model to ask.
    public init(provider: any LLMProvider) {
        self.provider = provider
    }

    /// Authorizes `llm`, then asks the provider.
    /// - Throws: ``AuthorizationDenied`` when the token or the policy refuses; ``LLMError`` for a malformed input
    ///   (`llm.configuration`) or a provider failure.
    public func run(_ payload: JSONValue, context: SkillContext) async throws -> JSONValue {
        let request = try Self.request(from: payload)
        try await context.authorize(Self.permission)
        let response = try await provider.complete(request)
        return Self.output(response)
    }

    /// The request a payload describes (see the type's discussion).
    /// - Throws: ``LLMError/Code/configuration`` for a missing or empty prompt or a bad `config` value.
    public static func request(from payload: JSONValue) throws(LLMError) -> LLMRequest {
        let input: JSONValue
        let config: [String: JSONValue]
        switch payload {
        case .string: input = payload; config = [:]
        case .object(let members):
            input = members["input"] ?? .null
            switch members["config"] {
            case .object(let values)?: config = values
            case .null?, nil: config = [:]
            default: throw LLMError(.configuration, "llm: config must be an object")
            }
        default: throw LLMError(.configuration, "llm: the input must be a prompt or {\"input\": ...}")
        }
        var prompt: String?
        var system: String?
        switch input {
        case .string(let text): prompt = text
        case .object(let members):
            prompt = members["prompt"]?.stringValue
            system = members["system"]?.stringValue
        default: break
        }
        guard let prompt, !prompt.allSatisfy(\.isWhitespace) else {
            throw LLMError(.configuration, "llm: input must be a non-empty prompt, or {\"prompt\": ..., \"system\": ...}")
        }
        if let configured = config["system"] {
            guard let text = configured.stringValue else { throw LLMError(.configuration, "llm: config.system must be a string") }
            system = text
        }
        var maxTokens = 1024
        if let value = config["max_tokens"] {
            guard let count = value.intValue, (1...Int64(maximumMaxTokens)).contains(count) else {
                throw LLMError(.configuration, "llm: config.max_tokens must be an integer from 1 to \(maximumMaxTokens)")
            }
            maxTokens = Int(count)
        }
        var temperature: Double?
        if let value = config["temperature"] {
            guard let number = value.doubleValue, number >= 0, number <= 2 else {
                throw LLMError(.configuration, "llm: config.temperature must be a number from 0 to 2")
            }
            temperature = number
        }
        return LLMRequest(prompt: prompt, system: system.flatMap { $0.isEmpty ? nil : $0 }, maxTokens: maxTokens, temperature: temperature)
    }

    /// The skill's output for a response.
    public static func output(_ response: LLMResponse) -> JSONValue {
        .object([
            "text": .string(response.text),
            "model": .string(response.model),
            "stop_reason": response.stopReason.map(JSONValue.string) ?? .null,
            "usage": .object([
                "input_tokens": response.inputTokens.map { .int(Int64($0)) } ?? .null,
                "output_tokens": response.outputTokens.map { .int(Int64($0)) } ?? .null,
            ]),
        ])
    }
}
