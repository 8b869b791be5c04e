import AsyncHTTPClient

/// Anthropic's Messages API (`POST {baseURL}/v1/messages`).
///
/// The key goes in `x-api-key`, never in a URL, a log or an error. Responses are read up to
/// ``Configuration/maximumResponseBytes`` and parsed with ClawSecurity's strict ``JSONValue``; text
/// blocks are joined and other blocks (tool use, thinking) ignored.
public struct AnthropicProvider: LLMProvider, CustomStringConvertible, CustomReflectable {
    /// Where and how to call the API.
    public struct Configuration: Sendable, Hashable {
        /// The API's base URL, without `/v1`; `https://api.anthropic.com` by default.
        public var baseURL: String
        /// The model; `claude-sonnet-4-5` by default.
        public var model: String
        /// The `anthropic-version` header; `2023-06-01` by default.
        public var apiVersion: String
        /// How long a request may take, head and body; 60 s by default.
        public var timeout: Duration
        /// The largest response body read; 4 MiB by default.
        public var maximumResponseBytes: Int

        /// The default base URL.
        public static let defaultBaseURL = "https://api.anthropic.com"
        /// The default model.
        public static let defaultModel = "claude-sonnet-4-5"

        /// Creates a configuration.
        public init(
            baseURL: String = Self.defaultBaseURL, model: String = Self.defaultModel, apiVersion: String = "2023-06-01",
            timeout: Duration = .seconds(60), maximumResponseBytes: Int = 4 << 20
        ) {
            self.baseURL = baseURL
            self.model = model
            self.apiVersion = apiVersion
            self.timeout = timeout
            self.maximumResponseBytes = maximumResponseBytes
        }
    }

    /// `anthropic`.
    public var name: String { "anthropic" }
    /// Where and how the API is called.
    public let configuration: Configuration
    private let apiKey: LLMAPIKey
    private let endpoint: String
    private let client: HTTPClient

    /// Creates a provider.
    /// - Parameters:
    ///   - apiKey: The key, sent as `x-api-key`.
    ///   - configuration: The base URL, model and limits.
    ///   - httpClient: The client; ``LLMHTTPClient/shared`` (which follows no redirect) by default.
    /// - Throws: ``LLMError/Code/configuration`` for a base URL that is not http(s), holds credentials, or is
    ///   plain http to a host other than loopback; or for an empty model.
    public init(apiKey: LLMAPIKey, configuration: Configuration = .init(), httpClient: HTTPClient = LLMHTTPClient.shared) throws(LLMError) {
        let base = try LLMTransport.validatedBaseURL(configuration.baseURL, sendsKey: true, provider: "anthropic")
        try LLMModelName.validate(configuration.model, provider: "anthropic")
        self.apiKey = apiKey
        self.configuration = configuration
        self.endpoint = base + "/v1/messages"
        self.client = httpClient
    }

    /// Sends the request to the Messages API.
    /// - Throws: ``LLMError``: `unauthorized` (401, 403), `rate_limited` (429, with `retry-after`), `unavailable`
    ///   (5xx, 529, transport), `too_large`, `timeout`, `bad_request` (other 4xx), `bad_response`.
    public func complete(_ request: LLMRequest) async throws(LLMError) -> LLMResponse {
        let request = try request.validated()
        let body = Self.requestBody(for: request, model: configuration.model)
        let headers = apiKey.withUnredactedValue { key in
            [("x-api-key", key), ("anthropic-version", configuration.apiVersion)]
        }
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
        "AnthropicProvider(model: \(configuration.model), baseURL: \(LLMConfiguration.origin(configuration.baseURL)), apiKey: \("[redacted]"))"
    }

    /// The same fields as ``description``: `dump` shows neither the key nor the HTTP client's state (which holds
    /// other requests in flight, with their headers).
    public var customMirror: Mirror {
        Mirror(self, children: [
            "model": configuration.model, "baseURL": LLMConfiguration.origin(configuration.baseURL), "apiKey": "[redacted]",
        ], displayStyle: .struct)
    }

    /// The JSON body of a Messages API request.
    /// - Parameters:
    ///   - request: The conversation.
    ///   - model: The model.
    /// - Returns: `{"model", "max_tokens", "system"?, "messages": [{"role", "content"}], "temperature"?}`.
    public static func requestBody(for request: LLMRequest, model: String) -> JSONValue {
        var body: [String: JSONValue] = [
            "model": .string(model),
            "max_tokens": .int(Int64(request.maxTokens)),
            "messages": .array(request.messages.map { .object(["role": .string($0.role.rawValue), "content": .string($0.text)]) }),
        ]
        if let system = request.system, !system.isEmpty { body["system"] = .string(system) }
        if let temperature = request.temperature { body["temperature"] = .double(temperature) }
        return .object(body)
    }

    /// Parses a Messages API response, or its error.
    ///
    /// Safe on any input: it never traps, and its errors quote at most
    /// ``LLMError/maximumQuotedMessage`` characters of the server's message.
    /// - Parameters:
    ///   - status: The HTTP status.
    ///   - body: The body, as received.
    ///   - retryAfter: The `retry-after` header, if any.
    /// - Returns: The joined text blocks, model, stop reason and usage.
    /// - Throws: ``LLMError`` mapped from the status and the body's `error.type`; `bad_response` for a 2xx body
    ///   that is not a `message` with a `content` array.
    public static func parseResponse(status: Int, body: [UInt8], retryAfter: String? = nil) throws(LLMError) -> LLMResponse {
        let provider = "anthropic"
        guard (200..<300).contains(status) else {
            throw LLMTransport.statusError(status: status, body: body, retryAfter: retryAfter, provider: provider)
        }
        let object = try LLMTransport.object(body, provider: provider)
        if object["type"]?.stringValue == "error" {
            let type = object["error"]?["type"]?.stringValue.flatMap(LLMTransport.identifier) ?? "unknown"
            throw LLMError(.badResponse, "\(provider): HTTP \(status) carries an error (\(type))", status: status)
        }
        guard object["type"]?.stringValue == "message" else {
            throw LLMError(.badResponse, "\(provider): the response is not a message", status: status)
        }
        guard let content = object["content"]?.arrayValue else {
            throw LLMError(.badResponse, "\(provider): the message has no content array", status: status)
        }
        var text = ""
        for block in content where block["type"]?.stringValue == "text" {
            guard let part = block["text"]?.stringValue else {
                throw LLMError(.badResponse, "\(provider): a text block has no text", status: status)
            }
            text += part
        }
        let usage = object["usage"]
        return LLMResponse(
            text: text, model: object["model"]?.stringValue ?? "", stopReason: object["stop_reason"]?.stringValue,
            inputTokens: LLMTransport.count(usage?["input_tokens"]), outputTokens: LLMTransport.count(usage?["output_tokens"]))
    }
}

/// Checks of a configured model name.
enum LLMModelName {
    static func validate(_ model: String, provider: String) throws(LLMError) {
        guard (1...256).contains(model.utf8.count), model.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F }) else {
            throw LLMError(.configuration, "\(provider): the model name must be 1 to 256 characters without spaces or control characters")
        }
    }
}
