/// A setting's name and whether its value is a secret.
///
/// A sensitive value is always stored sealed by ``SecretBox`` (bound to its name) and shown redacted;
/// reading it in plaintext is a separate, audited call. Names that look like secrets (`…token`, `…secret`,
/// `…password`, `…api_key`, `…private_key`, `…credentials`) are sensitive whatever the caller says, so a
/// secret cannot be stored in the clear by mistake.
public struct SettingKey: Sendable, Hashable, CustomStringConvertible {
    /// The dotted name, such as `telegram.bot_token`: 1 to 128 of `a-z 0-9 . _ -`.
    public let name: String
    /// Whether the value is sealed and redacted.
    public let isSensitive: Bool

    /// Creates a key.
    /// - Parameters:
    ///   - name: The dotted name.
    ///   - sensitive: Whether the value is a secret; names that look like secrets are sensitive anyway.
    /// - Throws: ``StorageError/Code/invalidValue`` for a malformed name.
    public init(_ name: String, sensitive: Bool = false) throws(StorageError) {
        guard Self.isValidName(name) else {
            throw StorageError(.invalidValue, "a setting name is 1 to 128 characters of a-z, 0-9, '.', '_' and '-'")
        }
        self.name = name
        self.isSensitive = sensitive || Self.looksSensitive(name)
    }

    init(known name: String, sensitive: Bool) {
        self.name = name
        self.isSensitive = sensitive || Self.looksSensitive(name)
    }

    /// The name.
    public var description: String { name }

    static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...128).contains(bytes.count) else { return false }
        return bytes.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D }
    }

    static func looksSensitive(_ name: String) -> Bool {
        let last = name.split(separator: ".").last.map(String.init) ?? name
        return ["token", "secret", "password", "passphrase", "api_key", "apikey", "private_key", "credential"].contains { last.contains($0) }
    }

    // MARK: Known settings (AlexClaw's names, so imported values land in place)

    /// The Telegram bot token.
    public static let telegramBotToken = SettingKey(known: "telegram.bot_token", sensitive: true)
    /// The Telegram chat id the agent answers.
    public static let telegramChatID = SettingKey(known: "telegram.chat_id", sensitive: false)
    /// The ids of the Telegram users whose messages the agent accepts, comma-separated.
    public static let telegramAllowedUserIDs = SettingKey(known: "telegram.allowed_user_ids", sensitive: false)
    /// The Telegram gateway's `getUpdates` offset (last handled update id + 1), so a restart handles nothing twice.
    public static let telegramUpdateOffset = SettingKey(known: "telegram.update_offset", sensitive: false)
    /// The Discord bot token.
    public static let discordBotToken = SettingKey(known: "discord.bot_token", sensitive: true)
    /// The Discord application's public key (Ed25519, for interaction signatures).
    public static let discordPublicKey = SettingKey(known: "discord.public_key", sensitive: false)
    /// The Discord application's id (for interaction follow-ups).
    public static let discordApplicationID = SettingKey(known: "discord.application_id", sensitive: false)
    /// The Discord guild (server) ids whose slash commands are accepted, comma-separated.
    public static let discordGuildIDs = SettingKey(known: "discord.guild_ids", sensitive: false)
    /// The Discord user ids whose slash commands are accepted, comma-separated.
    public static let discordAllowedUserIDs = SettingKey(known: "discord.allowed_user_ids", sensitive: false)
    /// The owner's Discord DM channel id, where notifications and 2FA challenges go.
    public static let discordOwnerChannelID = SettingKey(known: "discord.owner_channel_id", sensitive: false)
    /// The Anthropic API key.
    public static let anthropicAPIKey = SettingKey(known: "llm.anthropic_api_key", sensitive: true)
    /// An OpenAI-compatible API key.
    public static let openAIAPIKey = SettingKey(known: "llm.openai_api_key", sensitive: true)
    /// The Gemini API key.
    public static let geminiAPIKey = SettingKey(known: "llm.gemini_api_key", sensitive: true)
    /// A GitHub token.
    public static let githubToken = SettingKey(known: "github.token", sensitive: true)
    /// The GitHub webhook secret.
    public static let githubWebhookSecret = SettingKey(known: "github.webhook_secret", sensitive: true)
    /// An OAuth client secret.
    public static let googleOAuthClientSecret = SettingKey(known: "google.oauth.client_secret", sensitive: true)
    /// An OAuth refresh token.
    public static let googleOAuthRefreshToken = SettingKey(known: "google.oauth.refresh_token", sensitive: true)
    /// The TOTP secret, when kept as a setting (the two-factor store keeps Claw's own).
    public static let totpSecret = SettingKey(known: "auth.totp.secret", sensitive: true)
}
