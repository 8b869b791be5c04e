/// A language model behind an HTTP API: Anthropic's Messages API, or any OpenAI-compatible chat
/// completions server (OpenAI, Ollama, llama.cpp).
///
/// A provider holds its API key and never shows it: its errors, logs and descriptions name the provider
/// and the failure, not the key, the prompt or the URL's credentials.
public protocol LLMProvider: Sendable {
    /// A short name for logs and errors, such as `anthropic`.
    var name: String { get }

    /// Sends a request and returns the model's answer.
    /// - Parameter request: The conversation and limits.
    /// - Returns: The answer's text, model, stop reason and token counts.
    /// - Throws: ``LLMError`` with a stable code.
    func complete(_ request: LLMRequest) async throws(LLMError) -> LLMResponse
}

/// One turn of a conversation.
public struct LLMMessage: Sendable, Hashable {
    /// Who said it.
    public struct Role: Sendable, Hashable, CustomStringConvertible {
        /// The role as the APIs spell it.
        public let rawValue: String
        private init(_ rawValue: String) { self.rawValue = rawValue }

        /// The person (or the agent on their behalf).
        public static let user = Role("user")
        /// The model.
        public static let assistant = Role("assistant")

        /// The role as the APIs spell it.
        public var description: String { rawValue }
    }

    /// Who said it.
    public var role: Role
    /// What was said.
    public var text: String

    /// Creates a message.
    /// - Parameters:
    ///   - role: Who said it.
    ///   - text: What was said.
    public init(role: Role, text: String) {
        self.role = role
        self.text = text
    }

    /// Creates a user message.
    public static func user(_ text: String) -> LLMMessage { LLMMessage(role: .user, text: text) }
    /// Creates an assistant message.
    public static func assistant(_ text: String) -> LLMMessage { LLMMessage(role: .assistant, text: text) }
}

/// What to ask a model.
///
/// Its `description` shows only sizes: prompts may hold private data and are never logged.
public struct LLMRequest: Sendable, Hashable, CustomStringConvertible {
    /// The system prompt, if any.
    public var system: String?
    /// The conversation, oldest first; the last message is normally the user's.
    public var messages: [LLMMessage]
    /// The most tokens the answer may have; 1024 by default.
    public var maxTokens: Int
    /// The sampling temperature, if set; the provider's default otherwise.
    public var temperature: Double?

    /// Creates a request.
    /// - Parameters:
    ///   - system: The system prompt.
    ///   - messages: The conversation.
    ///   - maxTokens: The answer's token limit.
    ///   - temperature: The sampling temperature.
    public init(system: String? = nil, messages: [LLMMessage], maxTokens: Int = 1024, temperature: Double? = nil) {
        self.system = system
        self.messages = messages
        self.maxTokens = maxTokens
        self.temperature = temperature
    }

    /// Creates a one-question request.
    /// - Parameters:
    ///   - prompt: The user's message.
    ///   - system: The system prompt.
    ///   - maxTokens: The answer's token limit.
    ///   - temperature: The sampling temperature.
    public init(prompt: String, system: String? = nil, maxTokens: Int = 1024, temperature: Double? = nil) {
        self.init(system: system, messages: [.user(prompt)], maxTokens: maxTokens, temperature: temperature)
    }

    /// Sizes only, never the text.
    public var description: String {
        "LLMRequest(messages: \(messages.count), characters: \(messages.reduce(system?.count ?? 0) { $0 + $1.text.count }), maxTokens: \(maxTokens))"
    }

    /// Checks the limits every provider shares.
    func validated() throws(LLMError) -> LLMRequest {
        guard !messages.isEmpty else { throw LLMError(.configuration, "the request has no message") }
        guard maxTokens > 0 else { throw LLMError(.configuration, "max_tokens must be positive") }
        if let temperature, !temperature.isFinite || temperature < 0 {
            throw LLMError(.configuration, "temperature must be a finite number of at least 0")
        }
        return self
    }
}

/// A model's answer.
public struct LLMResponse: Sendable, Hashable {
    /// The answer's text (text blocks joined; other blocks ignored).
    public var text: String
    /// The model that answered, as the server named it.
    public var model: String
    /// Why it stopped (`end_turn`, `max_tokens`, `stop`, `length` ...), if the server said.
    public var stopReason: String?
    /// Tokens in the prompt, if the server said.
    public var inputTokens: Int?
    /// Tokens in the answer, if the server said.
    public var outputTokens: Int?

    /// Creates a response.
    public init(text: String, model: String, stopReason: String? = nil, inputTokens: Int? = nil, outputTokens: Int? = nil) {
        self.text = text
        self.model = model
        self.stopReason = stopReason
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }
}

/// An error from a language-model provider, with a stable code and a short reason.
///
/// The reason may name the provider, the HTTP status and the provider's error `type`, and quotes at most
/// ``maximumQuotedMessage`` characters of the provider's message; it never holds the API key, the
/// prompt, or credentials from the base URL. Two errors are equal when their codes are, so tests can
/// write `#expect(throws: LLMError.unauthorized)`.
public struct LLMError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The stable identity of an error.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The dotted code.
        public let rawValue: String
        init(_ rawValue: String) { self.rawValue = rawValue }
        /// The dotted code.
        public var description: String { rawValue }

        /// The key is missing, wrong or lacks access (HTTP 401 or 403).
        public static let unauthorized = Code("llm.unauthorized")
        /// Too many requests (HTTP 429); ``LLMError/retryAfter`` holds the server's hint, if any.
        public static let rateLimited = Code("llm.rate_limited")
        /// The server could not be reached, or failed or is overloaded (HTTP 5xx, 529).
        public static let unavailable = Code("llm.unavailable")
        /// The server answered something that is not the API's response.
        public static let badResponse = Code("llm.bad_response")
        /// The server refused the request as malformed (another HTTP 4xx).
        public static let badRequest = Code("llm.bad_request")
        /// The request or the response is larger than allowed (HTTP 413, or a body over the cap).
        public static let tooLarge = Code("llm.too_large")
        /// No complete answer arrived in time.
        public static let timeout = Code("llm.timeout")
        /// The provider is configured wrongly (a bad URL, model or key, an empty request).
        public static let configuration = Code("llm.configuration")
    }

    /// The longest excerpt of a provider's error message kept in a reason.
    public static let maximumQuotedMessage = 200

    /// The stable code.
    public let code: Code
    /// Why, in words safe to log.
    public let reason: String
    /// The HTTP status, when the server answered.
    public let status: Int?
    /// How long the server asked to wait before retrying (from `retry-after`), if it said.
    public let retryAfter: Duration?

    /// Creates an error.
    /// - Parameters:
    ///   - code: The stable code.
    ///   - reason: Why; must hold no secret.
    ///   - status: The HTTP status, if any.
    ///   - retryAfter: The server's retry hint, if any.
    public init(_ code: Code, _ reason: String, status: Int? = nil, retryAfter: Duration? = nil) {
        self.code = code
        self.reason = reason
        self.status = status
        self.retryAfter = retryAfter
    }

    /// `<code>: <reason>`.
    public var description: String { "\(code): \(reason)" }

    /// Equal when the codes are.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    /// Hashes the code.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// A prototype for comparing codes.
    public static let unauthorized = Self(.unauthorized, "")
    /// A prototype for comparing codes.
    public static let rateLimited = Self(.rateLimited, "")
    /// A prototype for comparing codes.
    public static let unavailable = Self(.unavailable, "")
    /// A prototype for comparing codes.
    public static let badResponse = Self(.badResponse, "")
    /// A prototype for comparing codes.
    public static let badRequest = Self(.badRequest, "")
    /// A prototype for comparing codes.
    public static let tooLarge = Self(.tooLarge, "")
    /// A prototype for comparing codes.
    public static let timeout = Self(.timeout, "")
    /// A prototype for comparing codes.
    public static let configuration = Self(.configuration, "")
}

/// An API key that does not show itself: its `description`, `debugDescription` and mirror (what `dump`
/// and string interpolation print) are `[redacted]`.
///
/// Read it only inside ``withUnredactedValue(_:)``, which is what the providers do to set the header.
public struct LLMAPIKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let value: String

    /// Creates a key.
    /// - Parameter value: The key; surrounding white space is trimmed.
    /// - Throws: ``LLMError/Code/configuration`` when it is empty or holds control characters or non-ASCII
    ///   (it must fit in an HTTP header). The error does not quote the key.
    public init(_ value: String) throws(LLMError) {
        let trimmed = Self.trimmed(value)
        guard !trimmed.isEmpty else { throw LLMError(.configuration, "the API key is empty") }
        guard trimmed.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw LLMError(.configuration, "the API key holds characters that cannot go in an HTTP header")
        }
        self.value = trimmed
    }

    /// Runs `body` with the key's text.
    /// - Important: Do not log, store or return the value.
    public func withUnredactedValue<R, E: Error>(_ body: (String) throws(E) -> R) throws(E) -> R { try body(value) }

    /// `[redacted]`.
    public var description: String { "[redacted]" }
    /// `LLMAPIKey([redacted])`.
    public var debugDescription: String { "LLMAPIKey([redacted])" }
    /// A mirror with no children, so `dump` shows no key.
    public var customMirror: Mirror { Mirror(self, children: [Mirror.Child](), displayStyle: .struct) }

    private static func trimmed(_ text: String) -> String {
        var scalars = Substring(text).unicodeScalars
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
