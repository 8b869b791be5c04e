import AsyncHTTPClient

/// An OpenAI-compatible chat completions API (`POST {baseURL}/chat/completions`): OpenAI itself, or a
/// local server such as Ollama (`http://127.0.0.1:11434/v1`) or llama.cpp's (`http://127.0.0.1:8080/v1`).
///
/// The key, when there is one, goes in `Authorization: Bearer`; without one no `Authorization` header is
/// sent. A key is only sent over https, or over plain http to the loopback interface.
public struct OpenAICompatibleProvider: LLMProvider, CustomStringConvertible, CustomReflectable {
    /// Where and how to call the API.
    public struct Configuration: Sendable, Hashable {
        /// The API's base URL, including `/v1`; `https://api.openai.com/v1` by default.
        public var baseURL: String
        /// The model; `gpt-4o-mini` by default.
        public var model: String
        /// How long a request may take, head and body; 60 s by default.
        public var timeout: Duration
        /// The largest response body read; 4 MiB by default.
        public var maximumResponseBytes: Int
        /// The body member that carries the token limit: `max_tokens` by default (what Ollama and llama.cpp
        /// read); OpenAI's reasoning models want `max_completion_tokens`.
        public var maxTokensField: String

        /// OpenAI's base URL.
        public static let defaultBaseURL = "https://api.openai.com/v1"
        /// Ollama's OpenAI-compatible base URL on this machine.
        public static let ollamaBaseURL = "http://127.0.0.1:11434/v1"
        /// llama.cpp's server (`llama-server`) on this machine.
        public static let llamaCppBaseURL = "http://127.0.0.1:8080/v1"
        /// The default model.
        public static let defaultModel = "gpt-4o-mini"

        /// Creates a configuration.
        public init(
            baseURL: String = Self.defaultBaseURL, model: String = Self.defaultModel, timeout: Duration = .seconds(60),
            maximumResponseBytes: Int = 4 << 20, maxTokensField: String = "max_tokens"
        ) {
            self.baseURL = baseURL
            self.model = model
            self.timeout = timeout
            self.maximumResponseBytes = maximumResponseBytes
            self.maxTokensField = maxTokensField
        }
    }

    /// `openai`.
    public var name: String { "openai" }
    /// Where and how the API is called.
    public let configuration: Configuration
    private let apiKey: LLMAPIKey?
    private let endpoint: String
    private let client: HTTPClient

    /// Creates a provider.
    /// - Parameters:
    ///   - apiKey: The key, sent as a bearer token; `nil` for a local server that needs none.
    ///   - configuration: The base URL, model and limits.
    ///   - httpClient: The client; ``LLMHTTPClient/shared`` (which follows no redirect) by default.
    /// - Throws: ``LLMError/Code/configuration`` for a base URL that is not http(s) or holds credentials, a key
    ///   that would go over plain http to a host other than loopback, or an empty model.
    public init(apiKey: LLMAPIKey?, configuration: Configuration = .init(), httpClient: HTTPClient = LLMHTTPClient.shared) throws(LLMError) {
        let base = try LLMTransport.validatedBaseURL(configuration.baseURL, sendsKey: apiKey != nil, provider: "openai")
        try LLMModelName.validate(configuration.model, provider: "openai")
        self.apiKey = apiKey
        self.configuration = configuration
        self.endpoint = base + "/chat/completions"
        self.client = httpClient
    }

    /// Sends the request to the chat completions API.
    /// - Throws: ``LLMError``: `unauthorized` (401, 403), `rate_limited` (429, with `retry-after`), `unavailable`
    ///   (5xx, transport), `too_large` (413, `context_length_exceeded`, over-cap body), `timeout`, `bad_request`
    ///   (other 4xx), `bad_response`.
    public func complete(_ request: LLMRequest) async throws(LLMError) -> LLMResponse {
        let request = try request.validated()
        let body = Self.requestBody(for: request, model: configuration.model, maxTokensField: configuration.maxTokensField)
        let headers = apiKey?.withUnredactedValue { key in [("authorization", "Bearer " + key)] } ?? []
        do {
            let reply = try await LLMTransport.post(
                client: client, url: endpoint, headers: headers, body: body, timeout: configuration.timeout,
                maximumResponseBytes: configuration.maximumResponseBytes, provider: name)
            // A server may echo the key in an error message: it is removed before any excerpt is taken.
            let body = (200..<300).contains(reply.status) ? reply.body : LLMTransport.redacting(reply.body, key: apiKey)
            return try Self.parseResponse(status: reply.status, body: body, retryAfter: reply.retryAfter)
        } catch {
            throw LLMTransport.redacting(error, key: apiKey)
        }
    }

    /// The provider, model and base URL's origin; never the key.
    public var description: String {
        "OpenAICompatibleProvider(model: \(configuration.model), baseURL: \(LLMConfiguration.origin(configuration.baseURL)), apiKey: \((apiKey == nil ? "none" : "[redacted]")))"
    }

    /// The same fields as ``description``: `dump` shows neither the key nor the HTTP client's state (which holds
    /// other requests in flight, with their headers).
    public var customMirror: Mirror {
        Mirror(self, children: [
            "model": configuration.model, "baseURL": LLMConfiguration.origin(configuration.baseURL), "apiKey": (apiKey == nil ? "none" : "[redacted]"),
        ], displayStyle: .struct)
    }

    /// The JSON body of a chat completions request.
    /// - Parameters:
    ///   - request: The conversation; the system prompt becomes the first message, with role `system`.
    ///   - model: The model.
    ///   - maxTokensField: The member for the token limit.
    /// - Returns: `{"model", "messages": [{"role", "content"}], "max_tokens", "temperature"?}`.
    public static func requestBody(for request: LLMRequest, model: String, maxTokensField: String = "max_tokens") -> JSONValue {
        var messages = [JSONValue]()
        if let system = request.system, !system.isEmpty {
            messages.append(.object(["role": "system", "content": .string(system)]))
        }
        messages += request.messages.map { .object(["role": .string($0.role.rawValue), "content": .string($0.text)]) }
        var body: [String: JSONValue] = [
            "model": .string(model), "messages": .array(messages),
        ]
        body[maxTokensField.isEmpty ? "max_tokens" : maxTokensField] = .int(Int64(request.maxTokens))
        if let temperature = request.temperature { body["temperature"] = .double(temperature) }
        return .object(body)
    }

    /// Parses a chat completions response, or its error.
    ///
    /// Safe on any input: it never traps, and its errors quote at most
    /// ``LLMError/maximumQuotedMessage`` characters of the server's message.
    /// - Parameters:
    ///   - status: The HTTP status.
    ///   - body: The body, as received.
    ///   - retryAfter: The `retry-after` header (or `retry-after-ms` in seconds), if any.
    /// - Returns: `choices[0].message.content` (a string, or the text of an array of parts; `null` is empty),
    ///   `finish_reason`, `model` and `usage.prompt_tokens` / `completion_tokens`.
    /// - Throws: ``LLMError`` mapped from the status and `error.type` / `error.code`; `bad_response` for a 2xx
    ///   body without a choice.
    public static func parseResponse(status: Int, body: [UInt8], retryAfter: String? = nil) throws(LLMError) -> LLMResponse {
        let provider = "openai"
        guard (200..<300).contains(status) else {
            throw LLMTransport.statusError(status: status, body: body, retryAfter: retryAfter, provider: provider)
        }
        let object = try LLMTransport.object(body, provider: provider)
        if object["error"] != nil {
            throw LLMError(.badResponse, "\(provider): HTTP \(status) carries an error", status: status)
        }
        guard let choice = object["choices"]?.arrayValue?.first, let message = choice["message"]?.objectValue else {
            throw LLMError(.badResponse, "\(provider): the response has no choice with a message", status: status)
        }
        let text: String
        switch message["content"] {
        case .string(let content)?: text = content
        case .null?, nil: text = ""
        case .array(let parts)?:
            text = parts.compactMap { $0["type"]?.stringValue == "text" ? $0["text"]?.stringValue : nil }.joined()
        default:
            throw LLMError(.badResponse, "\(provider): the message content is not text", status: status)
        }
        let usage = object["usage"]
        return LLMResponse(
            text: text, model: object["model"]?.stringValue ?? "", stopReason: choice["finish_reason"]?.stringValue,
            inputTokens: LLMTransport.count(usage?["prompt_tokens"]), outputTokens: LLMTransport.count(usage?["completion_tokens"]))
    }
}
