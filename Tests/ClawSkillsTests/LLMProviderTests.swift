import AsyncHTTPClient
import ClawSkills
import ClawStorage
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// A request as the stub server received it.
struct LLMReceivedRequest: Sendable {
    let method: String
    let path: String
    let headers: [String: String]
    let body: JSONValue?

    func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// A reply the stub server sends.
struct LLMStubReply: Sendable {
    var status: Int
    var headers: [(String, String)] = []
    var body: String
    /// Hold the answer until the test body has finished (for the provider's timeout; the test never waits on it).
    var hold = false
}

/// A real HTTP server on 127.0.0.1 (ephemeral port) that answers like an LLM API and records each request.
final class StubLLMServer: Sendable {
    let received = Mutex([LLMReceivedRequest]())
    let released = Mutex(false)
    var requests: [LLMReceivedRequest] { received.withLock { $0 } }

    /// Starts a server answering every `POST` of `paths` with `reply`, runs `body` with its base URL
    /// (`http://127.0.0.1:<port>`), then shuts it down gracefully.
    static func with(
        paths: [String] = ["/v1/messages", "/v1/chat/completions"], reply: @escaping @Sendable (LLMReceivedRequest) -> LLMStubReply,
        _ body: (String, StubLLMServer) async throws -> Void
    ) async throws {
        let server = StubLLMServer()
        let router = Router()
        for path in paths {
            router.post(RouterPath(path)) { request, _ -> Response in
                let bytes = try await request.body.collect(upTo: 1 << 20)
                var headers = [String: String]()
                for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
                let received = LLMReceivedRequest(
                    method: request.method.rawValue, path: request.uri.path, headers: headers,
                    body: try? JSONValue(parsing: Array(bytes.readableBytesView)))
                server.received.withLock { $0.append(received) }
                let answer = reply(received)
                if answer.hold {
                    for _ in 0..<6000 where !server.released.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(10)) }
                }
                var fields = HTTPFields()
                fields[.contentType] = "application/json"
                for (name, value) in answer.headers { fields[HTTPField.Name(name)!] = value }
                return Response(
                    status: HTTPResponse.Status(code: answer.status), headers: fields,
                    body: ResponseBody(byteBuffer: ByteBuffer(string: answer.body)))
            }
        }
        let port = Mutex<Int?>(nil)
        var logger = Logger(label: "stub-llm")
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "stub-llm"),
            onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } }, logger: logger)
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: logger)
        let task = Task { try await group.run() }
        func stop() async {
            server.released.withLock { $0 = true }
            await group.triggerGracefulShutdown()
            _ = await task.result
        }
        var bound: Int?
        for _ in 0..<1000 {
            bound = port.withLock { $0 }
            if bound != nil { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        do {
            let found = try #require(bound, "the stub server did not start")
            try await body("http://127.0.0.1:\(found)", server)
        } catch {
            await stop()
            throw error
        }
        await stop()
    }
}

/// Documented example responses.
enum LLMExamples {
    /// Anthropic Messages API, from its documentation.
    static let anthropicMessage = """
        {"id":"msg_013Zva2CMHLNnXjNJJKqJ2EF","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",\
        "content":[{"type":"text","text":"Hi! My name is Claude."}],"stop_reason":"end_turn","stop_sequence":null,\
        "usage":{"input_tokens":2095,"output_tokens":503}}
        """
    /// A message with thinking and tool-use blocks around two text blocks.
    static let anthropicMixed = """
        {"id":"msg_01Aq9w938a90dw8q","type":"message","role":"assistant","model":"claude-sonnet-4-5",\
        "content":[{"type":"thinking","thinking":"Let me check.","signature":"EqQBCgIYAhIM"},{"type":"text","text":"Paris "},\
        {"type":"tool_use","id":"toolu_01A09q90qw90lq917835lq9","name":"get_weather","input":{"location":"Paris"}},\
        {"type":"text","text":"is the capital."}],"stop_reason":"tool_use","stop_sequence":null,\
        "usage":{"input_tokens":12,"output_tokens":34,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}
        """
    static func anthropicError(_ type: String, _ message: String) -> String {
        #"{"type":"error","error":{"type":"\#(type)","message":"\#(message)"},"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}"#
    }
    /// OpenAI chat completions, from its documentation.
    static let openAICompletion = """
        {"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion","created":1741569952,"model":"gpt-4o-2024-08-06",\
        "choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I assist you today?","refusal":null,\
        "annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":19,"completion_tokens":10,\
        "total_tokens":29,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":\
        {"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},\
        "service_tier":"default","system_fingerprint":"fp_fc9f1d7035"}
        """
    /// Ollama's OpenAI-compatible endpoint.
    static let ollamaCompletion = """
        {"id":"chatcmpl-455","object":"chat.completion","created":1741569952,"model":"llama3.2","system_fingerprint":"fp_ollama",\
        "choices":[{"index":0,"message":{"role":"assistant","content":"Bonjour !"},"finish_reason":"stop"}],\
        "usage":{"prompt_tokens":26,"completion_tokens":4,"total_tokens":30}}
        """
    static func openAIError(_ type: String, _ code: String?, _ message: String) -> String {
        #"{"error":{"message":"\#(message)","type":"\#(type)","param":null,"code":\#(code.map { "\"\($0)\"" } ?? "null")}}"#
    }
}

@Suite("LLM providers against real HTTP servers on loopback")
struct LLMProviderTests {
    static let anthropicKey = "sk-ant-api03-TESTKEY-abcdefghijklmnopqrstuvwxyz0123456789"
    static let openAIKey = "sk-proj-TESTKEY-0123456789abcdefghijklmnopqrstuvwxyz"

    static func anthropic(_ base: String, _ configure: (inout AnthropicProvider.Configuration) -> Void = { _ in }) throws -> AnthropicProvider {
        var configuration = AnthropicProvider.Configuration(baseURL: base)
        configure(&configuration)
        return try AnthropicProvider(apiKey: try LLMAPIKey(anthropicKey), configuration: configuration)
    }

    static func openAI(_ base: String, key: String? = openAIKey, _ configure: (inout OpenAICompatibleProvider.Configuration) -> Void = { _ in }) throws -> OpenAICompatibleProvider {
        var configuration = OpenAICompatibleProvider.Configuration(baseURL: base + "/v1")
        configure(&configuration)
        return try OpenAICompatibleProvider(apiKey: try key.map(LLMAPIKey.init), configuration: configuration)
    }

    /// Runs a call that must fail, checks that no key leaks into the error, and returns the error.
    static func failure(_ body: () async throws(LLMError) -> LLMResponse) async -> LLMError? {
        do {
            _ = try await body()
            return nil
        } catch {
            for text in [error.description, error.reason, String(describing: error), String(reflecting: error)] {
                #expect(!text.contains(anthropicKey) && !text.contains(openAIKey) && !text.contains("TESTKEY"))
            }
            return error
        }
    }

    // MARK: Success

    @Test("Anthropic: POST /v1/messages with x-api-key, anthropic-version and the documented body; the documented reply parses")
    func anthropicSuccess() async throws {
        try await StubLLMServer.with(reply: { _ in LLMStubReply(status: 200, body: LLMExamples.anthropicMessage) }) { base, server in
            let provider = try Self.anthropic(base) { $0.model = "claude-sonnet-4-5" }
            let response = try await provider.complete(LLMRequest(
                system: "Be brief.", messages: [.user("Hello"), .assistant("Hi."), .user("Your name?")], maxTokens: 300,
                temperature: 0.5))
            #expect(response == LLMResponse(
                text: "Hi! My name is Claude.", model: "claude-sonnet-4-5-20250929", stopReason: "end_turn", inputTokens: 2095,
                outputTokens: 503))
            let request = try #require(server.requests.first)
            #expect(server.requests.count == 1)
            #expect(request.method == "POST")
            #expect(request.path == "/v1/messages")
            #expect(request.header("x-api-key") == Self.anthropicKey)
            #expect(request.header("anthropic-version") == "2023-06-01")
            #expect(request.header("content-type") == "application/json")
            #expect(request.header("authorization") == nil)
            let body = try #require(request.body)
            #expect(body["model"] == .string("claude-sonnet-4-5"))
            #expect(body["max_tokens"] == .int(300))
            #expect(body["system"] == .string("Be brief."))
            #expect(body["temperature"]?.doubleValue == 0.5)
            #expect(body["messages"] == .array([
                .object(["role": "user", "content": "Hello"]), .object(["role": "assistant", "content": "Hi."]),
                .object(["role": "user", "content": "Your name?"]),
            ]))
            #expect(body.objectValue?.keys.sorted() == ["max_tokens", "messages", "model", "system", "temperature"])
        }
    }

    @Test("Anthropic: no system or temperature members when unset; text blocks joined, thinking and tool_use ignored")
    func anthropicMixedBlocks() async throws {
        try await StubLLMServer.with(reply: { _ in LLMStubReply(status: 200, body: LLMExamples.anthropicMixed) }) { base, server in
            let response = try await Self.anthropic(base).complete(LLMRequest(prompt: "Capital of France?"))
            #expect(response.text == "Paris is the capital.")
            #expect(response.stopReason == "tool_use")
            #expect(response.inputTokens == 12 && response.outputTokens == 34)
            let body = try #require(server.requests.first?.body)
            #expect(body.objectValue?.keys.sorted() == ["max_tokens", "messages", "model"])
            #expect(body["max_tokens"] == .int(1024))
            #expect(body["model"] == .string("claude-sonnet-4-5"))
        }
    }

    @Test("OpenAI: POST /v1/chat/completions with a bearer key, the system prompt as the first message; the documented reply parses")
    func openAISuccess() async throws {
        try await StubLLMServer.with(reply: { _ in LLMStubReply(status: 200, body: LLMExamples.openAICompletion) }) { base, server in
            let provider = try Self.openAI(base) { $0.model = "gpt-4o" }
            let reasoning = try Self.openAI(base) { $0.maxTokensField = "max_completion_tokens" }
            let response = try await provider.complete(LLMRequest(prompt: "Hello!", system: "You are helpful.", maxTokens: 64, temperature: 0.2))
            #expect(response == LLMResponse(
                text: "Hello! How can I assist you today?", model: "gpt-4o-2024-08-06", stopReason: "stop", inputTokens: 19,
                outputTokens: 10))
            let request = try #require(server.requests.first)
            #expect(request.method == "POST")
            #expect(request.path == "/v1/chat/completions")
            #expect(request.header("authorization") == "Bearer \(Self.openAIKey)")
            #expect(request.header("x-api-key") == nil)
            #expect(request.header("content-type") == "application/json")
            let body = try #require(request.body)
            #expect(body["model"] == .string("gpt-4o"))
            #expect(body["max_tokens"] == .int(64))
            #expect(body["temperature"]?.doubleValue == 0.2)
            #expect(body["messages"] == .array([
                .object(["role": "system", "content": "You are helpful."]), .object(["role": "user", "content": "Hello!"]),
            ]))
            #expect(body.objectValue?.keys.sorted() == ["max_tokens", "messages", "model", "temperature"])
            _ = try await reasoning.complete(LLMRequest(prompt: "Hello!", maxTokens: 77))
            let second = try #require(server.requests.last?.body)
            #expect(second["max_completion_tokens"] == .int(77) && second["max_tokens"] == nil)
        }
    }

    @Test("Ollama (OpenAI-compatible, no key): no Authorization header is sent, and its reply parses")
    func ollamaWithoutKey() async throws {
        try await StubLLMServer.with(reply: { _ in LLMStubReply(status: 200, body: LLMExamples.ollamaCompletion) }) { base, server in
            let provider = try Self.openAI(base, key: nil) { $0.model = "llama3.2" }
            let response = try await provider.complete(LLMRequest(prompt: "Say hello in French"))
            #expect(response.text == "Bonjour !")
            #expect(response.model == "llama3.2")
            #expect(response.inputTokens == 26 && response.outputTokens == 4)
            let request = try #require(server.requests.first)
            #expect(request.header("authorization") == nil)
            #expect(request.body?["messages"] == .array([.object(["role": "user", "content": "Say hello in French"])]))
            #expect(request.body?["model"] == .string("llama3.2"))
        }
    }

    // MARK: HTTP errors over the wire

    static let anthropicErrors: [(Int, String, [(String, String)], LLMError)] = [
        (401, LLMExamples.anthropicError("authentication_error", "invalid x-api-key"), [], .unauthorized),
        (403, LLMExamples.anthropicError("permission_error", "Your API key does not have permission"), [], .unauthorized),
        (429, LLMExamples.anthropicError("rate_limit_error", "Number of request tokens has exceeded your rate limit"), [("retry-after", "7")], .rateLimited),
        (500, LLMExamples.anthropicError("api_error", "Internal server error"), [], .unavailable),
        (529, LLMExamples.anthropicError("overloaded_error", "Overloaded"), [], .unavailable),
        (400, LLMExamples.anthropicError("invalid_request_error", "max_tokens: must be positive"), [], .badRequest),
        (413, LLMExamples.anthropicError("request_too_large", "Request exceeds the maximum size"), [], .tooLarge),
    ]

    @Test("Anthropic: HTTP errors map to stable codes, with the error type, the status and retry-after", arguments: 0..<7)
    func anthropicErrors(_ index: Int) async throws {
        let (status, body, headers, expected) = Self.anthropicErrors[index]
        try await StubLLMServer.with(reply: { _ in LLMStubReply(status: status, headers: headers, body: body) }) { base, _ in
            let provider = try Self.anthropic(base)
            let error = try #require(await Self.failure { () async throws(LLMError) in try await provider.complete(LLMRequest(prompt: "hi")) })
            #expect(error == expected)
            #expect(error.status == status)
            let type = try #require(JSONValue(parsing: body)["error"]?["type"]?.stringValue)
            #expect(error.reason.contains(type))
            #expect(error.reason.contains("HTTP \(status)"))
            #expect(error.retryAfter == (status == 429 ? .seconds(7) : nil))
        }
    }

    static let openAIErrors: [(Int, String, [(String, String)], LLMError)] = [
        (401, LLMExamples.openAIError("invalid_request_error", "invalid_api_key", "Incorrect API key provided: sk-proj-****wxyz."), [], .unauthorized),
        (429, LLMExamples.openAIError("requests", "rate_limit_exceeded", "Rate limit reached for gpt-4o"), [("retry-after-ms", "1500")], .rateLimited),
        (429, LLMExamples.openAIError("insufficient_quota", "insufficient_quota", "You exceeded your current quota"), [("retry-after", "20")], .rateLimited),
        (500, LLMExamples.openAIError("server_error", nil, "The server had an error while processing your request."), [], .unavailable),
        (503, #"{"error":"model is loading"}"#, [], .unavailable),
        (400, LLMExamples.openAIError("invalid_request_error", "context_length_exceeded", "This model's maximum context length is 128000 tokens."), [], .tooLarge),
        (404, LLMExamples.openAIError("api_error", nil, "model \\\"llama9\\\" not found, try pulling it first"), [], .badRequest),
    ]

    @Test("OpenAI-compatible: HTTP errors map to stable codes, with type, code and retry-after (or retry-after-ms)", arguments: 0..<7)
    func openAIErrors(_ index: Int) async throws {
        let (status, body, headers, expected) = Self.openAIErrors[index]
        try await StubLLMServer.with(reply: { _ in LLMStubReply(status: status, headers: headers, body: body) }) { base, _ in
            let provider = try Self.openAI(base)
            let error = try #require(await Self.failure { () async throws(LLMError) in try await provider.complete(LLMRequest(prompt: "hi")) })
            #expect(error == expected)
            #expect(error.status == status)
            #expect(error.reason.contains("HTTP \(status)"))
            if headers.first?.0 == "retry-after-ms" { #expect(error.retryAfter == .milliseconds(1500)) }
            if headers.first?.0 == "retry-after" { #expect(error.retryAfter == .seconds(20)) }
            if headers.isEmpty { #expect(error.retryAfter == nil) }
        }
    }

    @Test("A 200 with malformed JSON, a non-JSON body (HTML), or JSON of the wrong shape is llm.bad_response",
          arguments: [
            #"{"id":"msg_1","type":"message","content":[{"type":"text","text":"cut"#,
            "<html><body><h1>Welcome to nginx!</h1></body></html>",
            #"{"id":"msg_1","type":"message","content":"not an array"}"#,
            #"["not","an","object"]"#,
            "",
          ])
    func malformedSuccess(_ body: String) async throws {
        try await StubLLMServer.with(reply: { _ in LLMStubReply(status: 200, body: body) }) { base, _ in
            let anthropic = try Self.anthropic(base)
            let openAI = try Self.openAI(base)
            let first = await Self.failure { () async throws(LLMError) in try await anthropic.complete(LLMRequest(prompt: "hi")) }
            let second = await Self.failure { () async throws(LLMError) in try await openAI.complete(LLMRequest(prompt: "hi")) }
            #expect(first == .badResponse)
            #expect(second == .badResponse)
        }
    }

    @Test("A 502 HTML page from a proxy is llm.unavailable, and its markup is not in the reason")
    func htmlErrorPage() async throws {
        let page = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>"
        try await StubLLMServer.with(reply: { _ in LLMStubReply(status: 502, body: page) }) { base, _ in
            let provider = try Self.anthropic(base)
            let error = try #require(await Self.failure { () async throws(LLMError) in try await provider.complete(LLMRequest(prompt: "hi")) })
            #expect(error == .unavailable)
            #expect(!error.reason.contains("<"))
        }
    }

    @Test("A body over the cap is llm.too_large, for both providers")
    func overCap() async throws {
        let huge = #"{"id":"msg_1","type":"message","content":[{"type":"text","text":""# + String(repeating: "a", count: 64 * 1024) + #""}]}"#
        try await StubLLMServer.with(reply: { _ in LLMStubReply(status: 200, body: huge) }) { base, _ in
            let anthropic = try Self.anthropic(base) { $0.maximumResponseBytes = 16 * 1024 }
            let openAI = try Self.openAI(base) { $0.maximumResponseBytes = 16 * 1024 }
            let first = await Self.failure { () async throws(LLMError) in try await anthropic.complete(LLMRequest(prompt: "hi")) }
            let second = await Self.failure { () async throws(LLMError) in try await openAI.complete(LLMRequest(prompt: "hi")) }
            #expect(first == .tooLarge)
            #expect(second == .tooLarge)
            // The same body under a larger cap is read.
            let roomy = try Self.anthropic(base) { $0.maximumResponseBytes = 1 << 20 }
            #expect(try await roomy.complete(LLMRequest(prompt: "hi")).text.count == 64 * 1024)
        }
    }

    @Test("A server that echoes the key in its error message: the key is redacted, and a long message is cut to ~200 characters")
    func keyEchoedAndLongMessage() async throws {
        let long = String(repeating: "x", count: 5000)
        try await StubLLMServer.with(reply: { request in
            let key = request.header("x-api-key") ?? String(request.header("authorization")?.dropFirst(7) ?? "")
            return LLMStubReply(status: 401, body: LLMExamples.openAIError("invalid_request_error", "invalid_api_key", "Incorrect API key provided: \(key). \(long)"))
        }) { base, _ in
            let anthropic = try Self.anthropic(base)
            let openAI = try Self.openAI(base)
            let first = try #require(await Self.failure { () async throws(LLMError) in try await anthropic.complete(LLMRequest(prompt: "hi")) })
            let second = try #require(await Self.failure { () async throws(LLMError) in try await openAI.complete(LLMRequest(prompt: "hi")) })
            for error in [first, second] {
                #expect(error == .unauthorized)
                #expect(error.reason.contains("[redacted]"))
                #expect(error.reason.count < 320)
                #expect(error.reason.hasSuffix("…"))
            }
        }
        // The key right where the excerpt is cut: no prefix of it shows either.
        let pad = String(repeating: "y", count: 185)
        try await StubLLMServer.with(reply: { request in
            let key = request.header("x-api-key") ?? ""
            return LLMStubReply(status: 403, body: LLMExamples.anthropicError("permission_error", "\(pad)\(key)"))
        }) { base, _ in
            let anthropic = try Self.anthropic(base)
            let error = try #require(await Self.failure { () async throws(LLMError) in try await anthropic.complete(LLMRequest(prompt: "hi")) })
            #expect(!error.reason.contains("sk-ant-api03-T"))
            #expect(error.reason.contains("[redacted]"))
        }
        // The key written with JSON escapes (past the byte-wise redaction of the body) and cut by the excerpt:
        // the message is withheld rather than show the key's first characters.
        try await StubLLMServer.with(reply: { request in
            let key = request.header("x-api-key") ?? ""
            let escaped = key.unicodeScalars.map { String(format: "\\u%04x", $0.value) }.joined()
            return LLMStubReply(status: 403, body: LLMExamples.anthropicError("permission_error", "\(pad.dropFirst(20))\(escaped)"))
        }) { base, _ in
            let anthropic = try Self.anthropic(base)
            let error = try #require(await Self.failure { () async throws(LLMError) in try await anthropic.complete(LLMRequest(prompt: "hi")) })
            #expect(!error.reason.contains("TESTKEY"), "\(error.reason)")
            #expect(error.reason == "anthropic: the provider's message was withheld because it quoted part of the API key")
        }
    }

    @Test("Control and bidi characters in a provider message do not reach the reason")
    func messageSanitized() throws {
        let body = LLMExamples.anthropicError("invalid_request_error", #"bad\nline\u0000 \u202Egnp.exe\u200B end"#)
        let error = try #require(throws: LLMError.self) { try AnthropicProvider.parseResponse(status: 400, body: Array(body.utf8)) }
        #expect(error.reason == "anthropic: HTTP 400 invalid_request_error: bad line gnp.exe end")
    }

    @Test("A server that does not answer in time: llm.timeout")
    func timeout() async throws {
        try await StubLLMServer.with(reply: { _ in LLMStubReply(status: 200, body: LLMExamples.anthropicMessage, hold: true) }) { base, _ in
            let provider = try Self.anthropic(base) { $0.timeout = .milliseconds(200) }
            let error = await Self.failure { () async throws(LLMError) in try await provider.complete(LLMRequest(prompt: "hi")) }
            #expect(error == .timeout)
        }
    }

    @Test("Nothing listening: llm.unavailable, and the reason holds neither the key nor the URL")
    func connectionRefused() async throws {
        // Bind a port, then close it, so nothing listens there.
        var freePort = 0
        try await StubLLMServer.with(reply: { _ in LLMStubReply(status: 200, body: "") }) { base, _ in
            freePort = Int(base.split(separator: ":").last!)!
        }
        // A client that fails at once when the connection is refused (the shared one retries for 10 s).
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let provider = try AnthropicProvider(
            apiKey: try LLMAPIKey(Self.anthropicKey), configuration: .init(baseURL: "http://127.0.0.1:\(freePort)"), httpClient: client)
        let error = await Self.failure { () async throws(LLMError) in try await provider.complete(LLMRequest(prompt: "hi")) }
        try await client.shutdown()
        let found = try #require(error)
        #expect(found == .unavailable)
        #expect(!found.reason.contains("/v1/messages"))
    }

    @Test("A redirect is not followed (the key would go to another host): llm.bad_response")
    func redirectNotFollowed() async throws {
        try await StubLLMServer.with(reply: { _ in LLMStubReply(status: 307, headers: [("location", "http://127.0.0.2:9/steal")], body: "") }) { base, server in
            let provider = try Self.anthropic(base)
            let error = await Self.failure { () async throws(LLMError) in try await provider.complete(LLMRequest(prompt: "hi")) }
            #expect(error == .badResponse)
            #expect(server.requests.count == 1)
        }
    }

    // MARK: Configuration and secrets

    @Test("Base URLs: a key is refused over plain http to a non-loopback host, credentials in the URL are refused")
    func baseURLRules() throws {
        let key = try LLMAPIKey(Self.anthropicKey)
        #expect(throws: LLMError.configuration) { try AnthropicProvider(apiKey: key, configuration: .init(baseURL: "http://api.example.com")) }
        #expect(throws: LLMError.configuration) { try AnthropicProvider(apiKey: key, configuration: .init(baseURL: "https://user:pw@api.example.com")) }
        #expect(throws: LLMError.configuration) { try AnthropicProvider(apiKey: key, configuration: .init(baseURL: "ftp://api.example.com")) }
        #expect(throws: LLMError.configuration) { try AnthropicProvider(apiKey: key, configuration: .init(model: "")) }
        #expect(throws: LLMError.configuration) { try OpenAICompatibleProvider(apiKey: key, configuration: .init(baseURL: "http://192.168.1.5:11434/v1")) }
        // No key: a LAN server over http is fine; loopback and https are fine with a key.
        _ = try OpenAICompatibleProvider(apiKey: nil, configuration: .init(baseURL: "http://192.168.1.5:11434/v1"))
        _ = try OpenAICompatibleProvider(apiKey: key, configuration: .init(baseURL: "http://localhost:8080/v1"))
        _ = try AnthropicProvider(apiKey: key, configuration: .init(baseURL: "http://[::1]:8080"))
        _ = try AnthropicProvider(apiKey: key)
        let error = try #require(throws: LLMError.self) { try AnthropicProvider(apiKey: key, configuration: .init(baseURL: "https://user:hunter2@api.example.com")) }
        #expect(!error.description.contains("hunter2"))
    }

    @Test("The key never shows: description, debugDescription, dump of the key, the providers and the configuration")
    func keyRedacted() throws {
        let key = try LLMAPIKey("  \(Self.anthropicKey)\n")
        #expect(key.withUnredactedValue { $0 } == Self.anthropicKey)
        var outputs = ["\(key)", String(reflecting: key), key.description]
        var dumped = ""
        dump(key, to: &dumped)
        outputs.append(dumped)
        let provider = try AnthropicProvider(apiKey: key)
        let openAI = try OpenAICompatibleProvider(apiKey: key)
        let configuration = LLMConfiguration(kind: .anthropic, baseURL: "https://me:secretpw@api.example.com/x?k=1", apiKey: key)
        for value in [provider as Any, openAI, configuration] {
            var text = ""
            dump(value, to: &text)
            outputs += [text, String(describing: value), String(reflecting: value)]
        }
        for output in outputs {
            #expect(!output.contains("TESTKEY"), "\(output)")
            #expect(!output.contains("secretpw"))
        }
        #expect(configuration.description.contains("https://api.example.com"))
        #expect(throws: LLMError.configuration) { try LLMAPIKey("   ") }
        #expect(throws: LLMError.configuration) { try LLMAPIKey("sk-abc\r\nX-Evil: 1") }
        let bad = try #require(throws: LLMError.self) { try LLMAPIKey("sk-TESTKEY with space") }
        #expect(!bad.description.contains("TESTKEY"))
    }

    @Test("Requests are checked before sending: no message, zero max_tokens, a negative temperature")
    func requestValidation() async throws {
        try await StubLLMServer.with(reply: { _ in LLMStubReply(status: 200, body: LLMExamples.anthropicMessage) }) { base, server in
            let provider = try Self.anthropic(base)
            for request in [LLMRequest(messages: []), LLMRequest(prompt: "x", maxTokens: 0), LLMRequest(prompt: "x", temperature: -1)] {
                let error = await Self.failure { () async throws(LLMError) in try await provider.complete(request) }
                #expect(error == .configuration)
            }
            #expect(server.requests.isEmpty)
            #expect(!LLMRequest(prompt: "a private prompt").description.contains("private"))
        }
    }
}

@Suite("The llm skill and the settings-based provider factory")
struct LLMSkillTests {
    static let ring = try! KeyRing(secretKeyBase: "llm-skill-test-secret-key-base-0123456789abcdefgh")
    static let user = Trigger(callerType: .chat, identity: "telegram:42")

    static func runtime(_ provider: any LLMProvider, rules: [PolicyRule] = [], store: InMemoryAuditStore) throws -> SkillRuntime {
        let registry = SkillRegistry()
        try registry.register(LLMSkill(provider: provider), isCore: true)
        return SkillRuntime(
            registry: registry, keyRing: ring, policy: PolicyEngine(rules: rules), audit: AuditLog(store: store, keyRing: ring))
    }

    @Test("Through a real SkillRuntime: the workflow payload reaches the server and the answer comes back as JSON")
    func throughRuntime() async throws {
        try await StubLLMServer.with(reply: { _ in LLMStubReply(status: 200, body: LLMExamples.anthropicMessage) }) { base, server in
            let provider = try LLMProviderTests.anthropic(base)
            let runtime = try Self.runtime(provider, store: InMemoryAuditStore())
            let payload: JSONValue = .object([
                "input": "Summarize: the sky is blue.", "config": .object(["system": "One sentence.", "max_tokens": 200]),
            ])
            let output = try await runtime.run(skill: "llm", input: payload, trigger: Self.user)
            #expect(output == .object([
                "text": "Hi! My name is Claude.", "model": "claude-sonnet-4-5-20250929", "stop_reason": "end_turn",
                "usage": .object(["input_tokens": 2095, "output_tokens": 503]),
            ]))
            let body = try #require(server.requests.first?.body)
            #expect(body["system"] == .string("One sentence."))
            #expect(body["max_tokens"] == .int(200))
            #expect(body["messages"] == .array([.object(["role": "user", "content": "Summarize: the sky is blue."])]))
        }
    }

    @Test("A policy that denies `llm` stops the skill before the provider is called, and the denial is audited")
    func deniedByPolicy() async throws {
        try await StubLLMServer.with(reply: { _ in LLMStubReply(status: 200, body: LLMExamples.anthropicMessage) }) { base, server in
            let rules = try PolicyRule.parseFile(
                #"[{"id": "no-llm", "type": "permission_override", "priority": 1, "enabled": true, "config": {"permission": "llm", "action": "deny"}}]"#)
            let store = InMemoryAuditStore()
            let runtime = try Self.runtime(try LLMProviderTests.anthropic(base), rules: rules, store: store)
            await #expect(throws: AuthorizationDenied.self) {
                try await runtime.run(skill: "llm", input: .object(["input": "hi"]), trigger: Self.user)
            }
            #expect(server.requests.isEmpty)
            #expect(try store.entries().contains { $0.outcome == "deny" && $0.ruleID == "no-llm" })
        }
    }

    @Test("The skill's descriptor: llm, permission llm, not external, no approval")
    func descriptor() throws {
        let skill = LLMSkill(provider: try OpenAICompatibleProvider(apiKey: nil, configuration: .init(baseURL: "http://127.0.0.1:11434/v1")))
        #expect(skill.descriptor == SkillDescriptor(name: "llm", permissions: ["llm"], isExternal: false, requiresApproval: false))
    }

    @Test("Input shapes: a string, {input: string}, {input: {prompt, system}}; config.system wins over input.system")
    func inputShapes() throws {
        #expect(try LLMSkill.request(from: "hello") == LLMRequest(prompt: "hello"))
        #expect(try LLMSkill.request(from: .object(["input": "hello"])) == LLMRequest(prompt: "hello"))
        #expect(try LLMSkill.request(from: .object(["input": .object(["prompt": "p", "system": "s"])])) == LLMRequest(prompt: "p", system: "s"))
        let both: JSONValue = .object([
            "input": .object(["prompt": "p", "system": "ignore the author"]),
            "config": .object(["system": "author", "max_tokens": 42, "temperature": .double(0.3)]),
        ])
        #expect(try LLMSkill.request(from: both) == LLMRequest(prompt: "p", system: "author", maxTokens: 42, temperature: 0.3))
        for bad: JSONValue in [
            .null, .int(3), .object([:]), .object(["input": "  "]), .object(["input": .array([])]),
            .object(["input": "x", "config": .object(["max_tokens": 0])]),
            .object(["input": "x", "config": .object(["max_tokens": "many"])]),
            .object(["input": "x", "config": .object(["max_tokens": 1_000_000])]),
            .object(["input": "x", "config": .object(["system": 1])]),
            .object(["input": "x", "config": "nope"]),
        ] {
            #expect(throws: LLMError.configuration) { try LLMSkill.request(from: bad) }
        }
    }

    // MARK: Settings

    static func withSettings(_ body: (SettingsStore, AuditLog, ClawDatabase) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("claw-llm-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try await ClawDatabase.open(.sqlite(path: folder.appendingPathComponent("claw.sqlite").path))
        let keyRing = try KeyRing(secretKeyBase: String(repeating: "k", count: 48))
        do {
            try await body(database.settings(keyRing: keyRing), AuditLog(store: database.audit, keyRing: keyRing), database)
        } catch {
            await database.close()
            throw error
        }
        await database.close()
    }

    @Test("Settings (SQLite): anthropic with its key and a base URL builds a provider whose request carries the key; the reveal is audited")
    func anthropicFromSettings() async throws {
        try await StubLLMServer.with(reply: { _ in LLMStubReply(status: 200, body: LLMExamples.anthropicMessage) }) { base, server in
            try await Self.withSettings { settings, audit, database in
                #expect(try await LLMConfiguration.makeProvider(from: settings, audit: audit) == nil)
                #expect(try await database.audit.entries().isEmpty)
                try await settings.set("anthropic", for: .llmProvider)
                try await settings.set("claude-haiku-4-5", for: .llmModel)
                try await settings.set(base, for: .llmBaseURL)
                try await settings.set(LLMProviderTests.anthropicKey, for: .anthropicAPIKey)
                let configuration = try #require(try await LLMConfiguration.load(from: settings, audit: audit))
                #expect(configuration.kind == .anthropic)
                #expect(!configuration.description.contains("TESTKEY"))
                let provider = try configuration.makeProvider()
                #expect(provider.name == "anthropic")
                _ = try await provider.complete(LLMRequest(prompt: "hi"))
                let request = try #require(server.requests.first)
                #expect(request.header("x-api-key") == LLMProviderTests.anthropicKey)
                #expect(request.body?["model"] == .string("claude-haiku-4-5"))
                let entries = try await database.audit.entries()
                let reveal = try #require(entries.first { $0.event == "setting.revealed" })
                #expect(reveal.reason == LLMConfiguration.revealPurpose)
                #expect(reveal.context["setting"] == .string("llm.anthropic_api_key"))
                #expect(!entries.contains { $0.jsonLine.contains("TESTKEY") })
                #expect(try await audit.verify().count == entries.count)
            }
        }
    }

    @Test("Settings: a base URL alone configures a keyless OpenAI-compatible server (Ollama); a key alone picks its provider")
    func openAIFromSettings() async throws {
        try await StubLLMServer.with(reply: { _ in LLMStubReply(status: 200, body: LLMExamples.ollamaCompletion) }) { base, server in
            try await Self.withSettings { settings, audit, database in
                try await settings.set(base + "/v1", for: .llmBaseURL)
                try await settings.set("llama3.2", for: .llmModel)
                let provider = try #require(try await LLMConfiguration.makeProvider(from: settings, audit: audit))
                #expect(provider.name == "openai")
                #expect(try await provider.complete(LLMRequest(prompt: "hi")).text == "Bonjour !")
                #expect(server.requests.first?.header("authorization") == nil)
                #expect(server.requests.first?.path == "/v1/chat/completions")
                // Nothing was revealed: there is no key.
                #expect(try await database.audit.entries().filter { $0.event == "setting.revealed" }.isEmpty)
                // With a key: the Authorization header carries it, and the reveal is audited.
                try await settings.set(LLMProviderTests.openAIKey, for: .openAIAPIKey)
                let keyed = try #require(try await LLMConfiguration.makeProvider(from: settings, audit: audit))
                _ = try await keyed.complete(LLMRequest(prompt: "hi"))
                #expect(server.requests.last?.header("authorization") == "Bearer \(LLMProviderTests.openAIKey)")
                let reveals = try await database.audit.entries().filter { $0.event == "setting.revealed" }
                #expect(reveals.map { $0.context["setting"] } == [.string("llm.openai_api_key")])
            }
        }
        try await Self.withSettings { settings, audit, _ in
            try await settings.set(LLMProviderTests.anthropicKey, for: .anthropicAPIKey)
            #expect(try await LLMConfiguration.load(from: settings, audit: audit)?.kind == .anthropic)
        }
    }

    @Test("Settings: an unknown provider, or anthropic without a key, is llm.configuration")
    func misconfiguredSettings() async throws {
        try await Self.withSettings { settings, audit, _ in
            try await settings.set("gemini-ultra", for: .llmProvider)
            await #expect(throws: LLMError.configuration) { try await LLMConfiguration.load(from: settings, audit: audit) }
            try await settings.set("anthropic", for: .llmProvider)
            await #expect(throws: LLMError.configuration) { try await LLMConfiguration.load(from: settings, audit: audit) }
            try await settings.set("openai", for: .llmProvider)
            await #expect(throws: LLMError.configuration) { try await LLMConfiguration.load(from: settings, audit: audit) }
        }
    }
}
