import ClawStorage

/// The agent's ``SkillServices``: what ``SkillContext`` reaches after it authorized a call. Models go to
/// the configured ``LLMProvider``, fetches through the SSRF-guarded ``WebFetcher``, memory to the state
/// database's ``MemoryStore``, and messages to the gateways through `send`.
///
/// A service that is not configured fails with ``UnavailableServices/NotConfigured``.
public struct CoreServices: SkillServices {
    /// Delivers a message: `(text, recipient)`, the recipient as ``NotifySkill`` describes it.
    public typealias Sender = @Sendable (_ text: String, _ recipient: String) async throws -> Void

    let llm: (any LLMProvider)?
    let fetcher: WebFetcher?
    let memory: MemoryStore?
    let sender: Sender?

    /// Creates the services.
    /// - Parameters:
    ///   - llm: The model provider, if configured.
    ///   - fetcher: The web fetcher.
    ///   - memory: The memory store.
    ///   - sender: Delivers messages through the gateways.
    public init(llm: (any LLMProvider)?, fetcher: WebFetcher?, memory: MemoryStore?, sender: Sender?) {
        self.llm = llm
        self.fetcher = fetcher
        self.memory = memory
        self.sender = sender
    }

    /// Asks the model.
    public func complete(prompt: String) async throws -> String {
        guard let llm else { throw UnavailableServices.NotConfigured(service: "llm") }
        return try await llm.complete(LLMRequest(prompt: prompt)).text
    }

    /// Fetches the URL's text (the caller sanitizes it).
    public func fetch(url: String) async throws -> String {
        guard let fetcher else { throw UnavailableServices.NotConfigured(service: "web") }
        return try await fetcher.fetch(url).text
    }

    /// Reads a memory entry.
    public func recall(key: String) async throws -> String? {
        guard let memory else { throw UnavailableServices.NotConfigured(service: "memory") }
        return try await memory.value(for: key)
    }

    /// Writes a memory entry.
    public func remember(key: String, value: String) async throws {
        guard let memory else { throw UnavailableServices.NotConfigured(service: "memory") }
        try await memory.set(value, for: key)
    }

    /// Sends a message through the gateways.
    public func send(message: String, to recipient: String) async throws {
        guard let sender else { throw UnavailableServices.NotConfigured(service: "messages") }
        try await sender(message, recipient)
    }
}
