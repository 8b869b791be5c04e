import AsyncHTTPClient
import ClawStorage
import Foundation

extension SettingKey {
    /// Which language-model API the agent uses: `anthropic` or `openai` (any OpenAI-compatible server).
    public static let llmProvider = try! SettingKey("llm.provider")
    /// The model name, such as `claude-sonnet-4-5`, `gpt-4o-mini` or `llama3.2`.
    public static let llmModel = try! SettingKey("llm.model")
    /// The API's base URL, such as `http://127.0.0.1:11434/v1` for Ollama.
    public static let llmBaseURL = try! SettingKey("llm.base_url")
}

/// Which provider to build and how: read from Claw's settings, or written by hand.
///
/// Its `description` and mirror (what `dump` prints) never show the API key, and show the base URL
/// without credentials, path or query.
public struct LLMConfiguration: Sendable, CustomStringConvertible, CustomReflectable {
    /// Which API.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        /// The setting's value: `anthropic` or `openai`.
        public let rawValue: String
        private init(_ rawValue: String) { self.rawValue = rawValue }

        /// Anthropic's Messages API.
        public static let anthropic = Kind("anthropic")
        /// An OpenAI-compatible chat completions API (OpenAI, Ollama, llama.cpp ...).
        public static let openAI = Kind("openai")

        /// Parses a setting's value (case-insensitive; `openai-compatible`, `ollama` and `llamacpp` mean `openai`).
        /// - Returns: The kind, or `nil` for an unknown name.
        public init?(setting: String) {
            switch setting.trimmingCharacters(in: .whitespaces).lowercased() {
            case "anthropic", "claude": self = .anthropic
            case "openai", "openai-compatible", "openai_compatible", "ollama", "llamacpp", "llama.cpp": self = .openAI
            default: return nil
            }
        }

        /// The setting's value.
        public var description: String { rawValue }
    }

    /// Which API.
    public var kind: Kind
    /// The model; the provider's default when `nil`.
    public var model: String?
    /// The base URL; the provider's default when `nil`.
    public var baseURL: String?
    /// The API key; `nil` for a local OpenAI-compatible server.
    public var apiKey: LLMAPIKey?
    /// How long a request may take; 60 s by default.
    public var timeout: Duration
    /// The largest response body read; 4 MiB by default.
    public var maximumResponseBytes: Int

    /// Creates a configuration.
    public init(
        kind: Kind, model: String? = nil, baseURL: String? = nil, apiKey: LLMAPIKey? = nil, timeout: Duration = .seconds(60),
        maximumResponseBytes: Int = 4 << 20
    ) {
        self.kind = kind
        self.model = model
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.timeout = timeout
        self.maximumResponseBytes = maximumResponseBytes
    }

    /// The purpose recorded in the audit log when a key is revealed.
    public static let revealPurpose = "llm provider"

    /// Reads the configuration from the settings store, revealing the provider's key (which is audited).
    ///
    /// With `llm.provider` unset, a stored Anthropic key selects `anthropic`; otherwise a stored OpenAI key or
    /// `llm.base_url` selects `openai`. Presence is checked without revealing; only the chosen provider's key
    /// is revealed, with purpose ``revealPurpose``.
    /// - Parameters:
    ///   - settings: The store.
    ///   - audit: The audit log the reveal is recorded in; when it cannot be written the key stays sealed.
    /// - Returns: The configuration, or `nil` when no provider is configured.
    /// - Throws: ``LLMError/Code/configuration`` for an unknown `llm.provider`, a provider without what it needs
    ///   (Anthropic without a key; OpenAI without a key or a base URL), a malformed key, or a store failure.
    public static func load(from settings: SettingsStore, audit: AuditLog) async throws(LLMError) -> LLMConfiguration? {
        do {
            let named = try await settings.value(for: .llmProvider).flatMap { $0.isEmpty ? nil : $0 }
            let model = try await settings.value(for: .llmModel).flatMap { $0.isEmpty ? nil : $0 }
            let baseURL = try await settings.value(for: .llmBaseURL).flatMap { $0.isEmpty ? nil : $0 }
            let kind: Kind
            if let named {
                guard let parsed = Kind(setting: named) else {
                    throw LLMError(.configuration, "llm.provider must be 'anthropic' or 'openai'")
                }
                kind = parsed
            } else if try await settings.setting(SettingKey.anthropicAPIKey.name) != nil {
                kind = .anthropic
            } else if try await settings.setting(SettingKey.openAIAPIKey.name) != nil || baseURL != nil {
                kind = .openAI
            } else {
                return nil
            }
            let keySetting: SettingKey = kind == .anthropic ? .anthropicAPIKey : .openAIAPIKey
            let revealed = try await settings.reveal(keySetting, purpose: revealPurpose, audit: audit)
            let apiKey = try revealed.flatMap { text throws(LLMError) in
                text.allSatisfy(\.isWhitespace) ? nil : try LLMAPIKey(text)
            }
            switch kind {
            case .anthropic where apiKey == nil:
                throw LLMError(.configuration, "llm.provider is anthropic but \(SettingKey.anthropicAPIKey.name) is not set")
            case .openAI where apiKey == nil && baseURL == nil:
                throw LLMError(.configuration, "llm.provider is openai: set \(SettingKey.openAIAPIKey.name), or llm.base_url for a local server")
            default: break
            }
            return LLMConfiguration(kind: kind, model: model, baseURL: baseURL, apiKey: apiKey)
        } catch let error as LLMError {
            throw error
        } catch let error as StorageError {
            throw LLMError(.configuration, "cannot read the LLM settings: \(error)")
        } catch {
            throw LLMError(.configuration, "cannot read the LLM settings (\(type(of: error)))")
        }
    }

    /// Builds the provider this configuration names.
    /// - Parameter httpClient: The client; ``LLMHTTPClient/shared`` by default.
    /// - Returns: An ``AnthropicProvider`` or an ``OpenAICompatibleProvider``.
    /// - Throws: ``LLMError/Code/configuration`` for a missing Anthropic key or an unusable URL or model.
    public func makeProvider(httpClient: HTTPClient = LLMHTTPClient.shared) throws(LLMError) -> any LLMProvider {
        switch kind {
        case .anthropic:
            guard let apiKey else { throw LLMError(.configuration, "the Anthropic provider needs an API key") }
            return try AnthropicProvider(
                apiKey: apiKey,
                configuration: .init(
                    baseURL: baseURL ?? AnthropicProvider.Configuration.defaultBaseURL,
                    model: model ?? AnthropicProvider.Configuration.defaultModel, timeout: timeout,
                    maximumResponseBytes: maximumResponseBytes),
                httpClient: httpClient)
        default:
            return try OpenAICompatibleProvider(
                apiKey: apiKey,
                configuration: .init(
                    baseURL: baseURL ?? OpenAICompatibleProvider.Configuration.defaultBaseURL,
                    model: model ?? OpenAICompatibleProvider.Configuration.defaultModel, timeout: timeout,
                    maximumResponseBytes: maximumResponseBytes),
                httpClient: httpClient)
        }
    }

    /// Reads the settings and builds the provider, or returns `nil` when none is configured.
    /// - Parameters:
    ///   - settings: The store.
    ///   - audit: The audit log the key's reveal is recorded in.
    ///   - httpClient: The client; ``LLMHTTPClient/shared`` by default.
    /// - Throws: ``LLMError/Code/configuration`` as ``load(from:audit:)`` and ``makeProvider(httpClient:)`` do.
    public static func makeProvider(
        from settings: SettingsStore, audit: AuditLog, httpClient: HTTPClient = LLMHTTPClient.shared
    ) async throws(LLMError) -> (any LLMProvider)? {
        try await load(from: settings, audit: audit)?.makeProvider(httpClient: httpClient)
    }

    /// The provider, model, base URL's origin and whether a key is set; never the key.
    public var description: String {
        "LLMConfiguration(provider: \(kind), model: \(model ?? "default"), baseURL: \(baseURL.map(Self.origin) ?? "default"), apiKey: \(apiKey == nil ? "none" : "[redacted]"))"
    }

    /// The same fields as ``description``.
    public var customMirror: Mirror {
        Mirror(self, children: [
            "kind": kind.rawValue, "model": model ?? "default", "baseURL": baseURL.map(Self.origin) ?? "default",
            "apiKey": apiKey == nil ? "none" : "[redacted]",
        ], displayStyle: .struct)
    }

    /// `scheme://host[:port]` of a URL, without credentials, path or query.
    static func origin(_ url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else {
            return "[unparsable]"
        }
        return "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "")
    }
}
