import AsyncHTTPClient
import Foundation
import Logging
import NIOHTTP1

/// Sends messages to Discord channels through the REST API with the bot's token
/// (`POST {api}/channels/{channel}/messages`, `Authorization: Bot TOKEN`).
///
/// Replies to slash commands go out through ``DiscordInteractions`` instead (the interaction's own
/// webhook); this gateway carries notifications and 2FA challenges to the owner's DM channel, and to
/// the other channels it is told it may write to. Mentions in the text never ping anyone
/// (`allowed_mentions` is empty). The token never appears in an error, a log or a description.
public final class DiscordGateway: Gateway {
    /// Token, channels and limits.
    public struct Configuration: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
        /// The bot token. Never shown.
        public var botToken: String
        /// The REST API base URL; `https://discord.com/api/v10` (tests point it at a local server).
        public var apiBaseURL: String
        /// The owner's DM channel id: where `send(_:to: nil)` goes. Without it the gateway cannot carry
        /// 2FA challenges.
        public var ownerChannelID: String?
        /// Other channels it may write to.
        public var allowedChannelIDs: Set<String>
        /// The longest message, in UTF-16 code units; 2000. Longer text is split.
        public var maximumMessageLength: Int
        /// The least time between two messages to one channel; 1 s.
        public var minimumSendInterval: Duration
        /// How many times a send is tried again after 429; 3.
        public var maximumRateLimitRetries: Int
        /// The longest wait honoured from `retry_after`; 60 s.
        public var maximumRetryWait: Duration

        /// Creates a configuration.
        public init(
            botToken: String, ownerChannelID: String? = nil, allowedChannelIDs: Set<String> = [],
            apiBaseURL: String = "https://discord.com/api/v10", maximumMessageLength: Int = 2000,
            minimumSendInterval: Duration = .seconds(1), maximumRateLimitRetries: Int = 3, maximumRetryWait: Duration = .seconds(60)
        ) {
            self.botToken = botToken
            self.ownerChannelID = ownerChannelID
            self.allowedChannelIDs = allowedChannelIDs
            self.apiBaseURL = apiBaseURL
            self.maximumMessageLength = maximumMessageLength
            self.minimumSendInterval = minimumSendInterval
            self.maximumRateLimitRetries = maximumRateLimitRetries
            self.maximumRetryWait = maximumRetryWait
        }

        /// The settings without the token.
        public var description: String {
            "DiscordGateway.Configuration(ownerChannelID: \(ownerChannelID ?? "nil"), allowedChannelIDs: \(allowedChannelIDs.sorted()), botToken: [redacted])"
        }

        /// The settings without the token.
        public var debugDescription: String { description }

        /// The settings without the token (for `dump` and reflection).
        public var customMirror: Mirror {
            Mirror(self, children: [
                "ownerChannelID": ownerChannelID as Any, "allowedChannelIDs": allowedChannelIDs.sorted(), "botToken": "[redacted]",
            ])
        }
    }

    /// The configuration.
    public let configuration: Configuration
    let http: ChatHTTP
    let pacer: SendPacer
    let logger: Logger

    /// `discord`.
    public var channel: String { "discord" }
    /// `true` when an owner channel is configured.
    public var deliversChallenges: Bool { configuration.ownerChannelID != nil }

    /// Creates the gateway.
    /// - Parameters:
    ///   - configuration: Token, channels and limits.
    ///   - httpClient: The HTTP client; `HTTPClient.shared` by default.
    ///   - logger: Where failures are logged (never the token).
    /// - Throws: ``GatewayError/Code/configuration`` for a missing or malformed token, a channel id that is not
    ///   a snowflake, or a base URL that is not http(s).
    public init(configuration: Configuration, httpClient: HTTPClient = .shared, logger: Logger = Logger(label: "claw.gateway.discord")) throws(GatewayError) {
        let token = configuration.botToken.utf8
        guard (20...512).contains(token.count), token.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw GatewayError(.configuration, "the Discord bot token is missing or malformed")
        }
        guard (configuration.ownerChannelID.map { [$0] } ?? []).allSatisfy(DiscordInteraction.isSnowflake),
            configuration.allowedChannelIDs.allSatisfy(DiscordInteraction.isSnowflake)
        else { throw GatewayError(.configuration, "a Discord channel id is not a snowflake") }
        guard configuration.apiBaseURL.hasPrefix("https://") || configuration.apiBaseURL.hasPrefix("http://") else {
            throw GatewayError(.configuration, "the Discord API base URL must be http(s)")
        }
        var configuration = configuration
        while configuration.apiBaseURL.hasSuffix("/") { configuration.apiBaseURL.removeLast() }
        configuration.maximumMessageLength = min(max(configuration.maximumMessageLength, 16), 2000)
        configuration.maximumRateLimitRetries = max(configuration.maximumRateLimitRetries, 0)
        self.configuration = configuration
        self.http = ChatHTTP(client: httpClient, maximumResponseBytes: 1 << 20, service: "Discord")
        self.pacer = SendPacer(interval: configuration.minimumSendInterval)
        self.logger = logger
    }

    /// Sends text to a channel, split at ``Configuration/maximumMessageLength``, paced per channel, waiting
    /// out 429 answers as Discord asks (bounded).
    /// - Parameters:
    ///   - text: The message; empty text sends nothing.
    ///   - chatID: A channel id: the owner's or an allowed one; `nil` for the owner's.
    /// - Throws: ``GatewayError/Code/unknownChat`` for any other channel (or `nil` without an owner channel),
    ///   ``GatewayError/Code/unauthorized`` when Discord refuses the token, ``GatewayError/Code/unavailable``
    ///   otherwise.
    public func send(_ text: String, to chatID: String?) async throws(GatewayError) {
        guard let target = chatID ?? configuration.ownerChannelID else {
            throw GatewayError(.unknownChat, "no Discord owner channel is configured")
        }
        guard target == configuration.ownerChannelID || configuration.allowedChannelIDs.contains(target) else {
            throw GatewayError(.unknownChat, "Discord channel \(target.prefix(32)) is not one this gateway may write to")
        }
        let url = "\(configuration.apiBaseURL)/channels/\(target)/messages"
        let headers = [("Authorization", "Bot \(configuration.botToken)")]
        for part in ChatText.split(text, maximumUTF16Length: configuration.maximumMessageLength) {
            do {
                try await pacer.wait(for: target)
            } catch {
                throw GatewayError(.unavailable, "cancelled while sending to Discord")
            }
            try await DiscordREST.deliver(
                http: http, method: .POST, url: url, headers: headers, content: part,
                retries: configuration.maximumRateLimitRetries, maximumWait: configuration.maximumRetryWait)
        }
    }
}

/// Discord REST calls shared by the gateway and the interaction follow-ups.
enum DiscordREST {
    /// Sends one message body (`content`, no mentions), waiting out 429s.
    static func deliver(
        http: ChatHTTP, method: HTTPMethod, url: String, headers: [(String, String)], content: String, retries: Int, maximumWait: Duration
    ) async throws(GatewayError) {
        let body: JSONValue = ["content": .string(content), "allowed_mentions": ["parse": []]]
        try await deliverWithRetries(retries: retries, maximumWait: maximumWait, service: "Discord") { () async throws(GatewayError) -> DeliveryStep in
            let reply = try await http.call(method, url: url, headers: headers, json: body, timeout: .seconds(30))
            return try step(reply)
        }
    }

    /// What a reply means: done, wait and retry, or an error.
    static func step(_ reply: ChatHTTP.Reply) throws(GatewayError) -> DeliveryStep {
        switch reply.status {
        case 200..<300:
            return .done
        case 429:
            if let seconds = reply.json?["retry_after"] { return .retry(after: retryDuration(seconds)) }
            return .retry(after: retryDuration(reply.header("retry-after").flatMap(Double.init).map(JSONValue.double)))
        case 401:
            throw GatewayError(.unauthorized, "Discord refused the credentials")
        default:
            let message = reply.json?["message"]?.stringValue.map { ": " + String($0.prefix(200)) } ?? ""
            throw GatewayError(.unavailable, "Discord answered HTTP \(reply.status)\(message)")
        }
    }
}
