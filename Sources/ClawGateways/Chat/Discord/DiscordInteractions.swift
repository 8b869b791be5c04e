import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOHTTP1
import ServiceLifecycle
import Synchronization

/// `POST /discord/interactions`: Discord slash commands, authenticated by their Ed25519 signature, and
/// answered through the interaction's webhook. A ServiceLifecycle `Service`: ``run()`` handles the
/// accepted commands in the background.
///
/// A request is refused with 401 when `X-Signature-Ed25519` or `X-Signature-Timestamp` is missing or
/// malformed, when the signature over timestamp + raw body does not verify with the application's public
/// key, or when the timestamp is more than ``Configuration/maximumClockSkew`` from now; with 409 when its
/// interaction id was seen in the replay window (ids are remembered only after the signature verified);
/// with 400 when the body is not an interaction.
///
/// PING is answered `{"type":1}`. A command from a guild that is not configured, or from a user who is not
/// allowed (`member.user.id` in a guild, `user.id` in a DM), gets an ephemeral refusal and is audited as
/// `gateway.unknown_sender` (one entry per user a minute, with the count in between). An accepted
/// command is answered at once with `{"type":5}` (deferred); ``run()`` hands `/name option ...` to the
/// handler in a child task (at most ``Configuration/maximumConcurrentHandlers`` commands at once, past that
/// the command gets an ephemeral "busy" answer; approval answers such as `/approve` have as many slots of
/// their own) and edits the deferred answer with the reply (`PATCH .../messages/@original`), sending the
/// parts past 2000 characters as follow-ups. Interaction tokens never appear in a log or an error.
public final class DiscordInteractions: Service, Sendable {
    /// The application and whom it listens to.
    public struct Configuration: Sendable {
        /// The application's Ed25519 public key, hex (from the developer portal).
        public var publicKey: String
        /// The application's id (a snowflake).
        public var applicationID: String
        /// The guilds whose commands are accepted; commands from any other guild are refused.
        public var guildIDs: Set<String>
        /// The users whose commands are accepted; at least one.
        public var allowedUserIDs: Set<String>
        /// Whether allowed users may also use the commands in a direct message with the bot; `true`.
        public var allowsDirectMessages: Bool
        /// The REST API base URL; `https://discord.com/api/v10` (tests point it at a local server).
        public var apiBaseURL: String
        /// How far the signed timestamp may be from now, in seconds; 300.
        public var maximumClockSkew: TimeInterval
        /// How long interaction ids are remembered; 15 minutes (an interaction token's lifetime).
        public var replayWindow: TimeInterval
        /// The most ids remembered; 10,000 (the oldest are forgotten first).
        public var maximumRememberedInteractions: Int
        /// The longest message, in UTF-16 code units; 2000.
        public var maximumMessageLength: Int
        /// How many commands are handled at once; 8. Approval answers (`/approve`, `/deny`, a bare code)
        /// have as many slots again of their own.
        public var maximumConcurrentHandlers: Int
        /// How many times a follow-up is tried again after 429; 3.
        public var maximumRateLimitRetries: Int
        /// The longest wait honoured from `retry_after`; 60 s.
        public var maximumRetryWait: Duration

        /// Creates a configuration.
        public init(
            publicKey: String, applicationID: String, guildIDs: Set<String> = [], allowedUserIDs: Set<String>,
            allowsDirectMessages: Bool = true, apiBaseURL: String = "https://discord.com/api/v10", maximumClockSkew: TimeInterval = 300,
            replayWindow: TimeInterval = 900, maximumRememberedInteractions: Int = 10_000, maximumMessageLength: Int = 2000,
            maximumConcurrentHandlers: Int = 8, maximumRateLimitRetries: Int = 3, maximumRetryWait: Duration = .seconds(60)
        ) {
            self.publicKey = publicKey
            self.applicationID = applicationID
            self.guildIDs = guildIDs
            self.allowedUserIDs = allowedUserIDs
            self.allowsDirectMessages = allowsDirectMessages
            self.apiBaseURL = apiBaseURL
            self.maximumClockSkew = maximumClockSkew
            self.replayWindow = replayWindow
            self.maximumRememberedInteractions = maximumRememberedInteractions
            self.maximumMessageLength = maximumMessageLength
            self.maximumConcurrentHandlers = maximumConcurrentHandlers
            self.maximumRateLimitRetries = maximumRateLimitRetries
            self.maximumRetryWait = maximumRetryWait
        }
    }

    /// The ephemeral answer to a command from a guild or user that is not allowed.
    public static let refusal = "You are not allowed to use this bot here."
    /// The ephemeral answer when every handler slot is taken.
    public static let busy = "Too many commands are running; try again when one has finished."
    /// What the deferred answer is edited to when the handler's reply is empty.
    public static let emptyReply = "Done."

    /// One accepted command waiting for its handler.
    struct Job: Sendable {
        let message: InboundMessage
        let token: String
        let pool: HandlerSlots.Pool
    }

    struct Seen {
        var order: [(id: String, at: Date)] = []
        var head = 0
        var ids: Set<String> = []
    }

    /// The configuration.
    public let configuration: Configuration
    let key: Curve25519.Signing.PublicKey
    let handler: any ChatMessageHandler
    let audit: AuditLog
    let http: ChatHTTP
    let clock: WallClock
    let logger: Logger
    let jobs: AsyncStream<Job>
    let enqueue: AsyncStream<Job>.Continuation
    private let slots: HandlerSlots
    private let strangers: UnknownSenderAudit
    private let seen = Mutex(Seen())

    /// Creates the endpoint; nothing runs until ``run()``.
    /// - Parameters:
    ///   - configuration: Key, application, guilds, users and limits.
    ///   - handler: Where accepted commands go (the command dispatcher).
    ///   - audit: Where refused commands are recorded.
    ///   - httpClient: The HTTP client for follow-ups; `HTTPClient.shared` by default.
    ///   - clock: The time source for the timestamp check and the replay window.
    ///   - logger: Where failures are logged (never a token).
    /// - Throws: ``GatewayError/Code/configuration`` for a public key that is not 32 bytes of hex, an
    ///   application or guild id that is not a snowflake, no allowed user, or a base URL that is not http(s).
    public init(
        configuration: Configuration, handler: any ChatMessageHandler, audit: AuditLog, httpClient: HTTPClient = .shared,
        clock: WallClock = .system, logger: Logger = Logger(label: "claw.gateway.discord")
    ) throws(GatewayError) {
        guard let raw = try? Hex.decode(configuration.publicKey.trimmingCharacters(in: .whitespaces)), raw.count == 32,
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
        else { throw GatewayError(.configuration, "the Discord public key is not 64 hex digits") }
        guard DiscordInteraction.isSnowflake(configuration.applicationID), configuration.guildIDs.allSatisfy(DiscordInteraction.isSnowflake)
        else { throw GatewayError(.configuration, "a Discord application or guild id is not a snowflake") }
        guard !configuration.allowedUserIDs.isEmpty else {
            throw GatewayError(.configuration, "no Discord user is allowed: set discord.allowed_user_ids")
        }
        guard configuration.apiBaseURL.hasPrefix("https://") || configuration.apiBaseURL.hasPrefix("http://") else {
            throw GatewayError(.configuration, "the Discord API base URL must be http(s)")
        }
        var configuration = configuration
        while configuration.apiBaseURL.hasSuffix("/") { configuration.apiBaseURL.removeLast() }
        configuration.maximumMessageLength = min(max(configuration.maximumMessageLength, 16), 2000)
        configuration.maximumConcurrentHandlers = max(configuration.maximumConcurrentHandlers, 1)
        configuration.maximumRememberedInteractions = max(configuration.maximumRememberedInteractions, 1)
        self.configuration = configuration
        self.key = key
        self.handler = handler
        self.audit = audit
        self.http = ChatHTTP(client: httpClient, maximumResponseBytes: 1 << 20, service: "Discord")
        self.clock = clock
        self.logger = logger
        self.slots = HandlerSlots(limit: configuration.maximumConcurrentHandlers)
        self.strangers = UnknownSenderAudit(audit: audit, clock: clock, logger: logger)
        // Never more than two pools of maximumConcurrentHandlers jobs are pending (see `slots`), so this never drops.
        (jobs, enqueue) = AsyncStream.makeStream(of: Job.self, bufferingPolicy: .unbounded)
    }

    // MARK: The endpoint

    /// Handles one request to `POST /discord/interactions`.
    /// - Parameters:
    ///   - headers: Lower-cased header names.
    ///   - body: The raw body, exactly as received.
    /// - Returns: The answer.
    public func handle(headers: [String: String], body: [UInt8]) async -> MCPReply {
        guard verify(signature: headers["x-signature-ed25519"], timestamp: headers["x-signature-timestamp"], body: body) else {
            return Self.reply(401, ["error": "invalid request signature"])
        }
        let interaction: DiscordInteraction
        do {
            interaction = try DiscordInteraction.parse(body)
        } catch {
            return Self.reply(400, ["error": "the body is not an interaction"])
        }
        guard remember(interaction.id) else { return Self.reply(409, ["error": "this interaction was already received"]) }
        switch interaction.type {
        case DiscordInteraction.ping:
            return Self.reply(200, ["type": 1])
        case DiscordInteraction.applicationCommand:
            return await command(interaction)
        default:
            return Self.reply(400, ["error": "this interaction type is not supported"])
        }
    }

    /// Whether the signature headers are well-formed, fresh and verify over timestamp + body.
    func verify(signature: String?, timestamp: String?, body: [UInt8]) -> Bool {
        guard let signature, signature.utf8.count == 128, let bytes = try? Hex.decode(signature),
            let timestamp, (1...20).contains(timestamp.utf8.count), timestamp.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            let seconds = Double(timestamp)
        else { return false }
        guard key.isValidSignature(bytes, for: Array(timestamp.utf8) + body) else { return false }
        return abs(clock.now().timeIntervalSince1970 - seconds) <= configuration.maximumClockSkew
    }

    func command(_ interaction: DiscordInteraction) async -> MCPReply {
        let allowedPlace = interaction.guildID.map { configuration.guildIDs.contains($0) } ?? configuration.allowsDirectMessages
        guard allowedPlace, let user = interaction.userID, configuration.allowedUserIDs.contains(user), let text = interaction.commandText else {
            await strangers.record(
                context: [
                    "channel": "discord", "chat_id": .string(interaction.channelID ?? "unknown"),
                    "guild_id": .string(interaction.guildID ?? "dm"), "sender_id": .string(interaction.userID ?? "unknown"),
                ],
                reason: "a command from a guild or user that is not configured")
            return Self.ephemeral(Self.refusal)
        }
        guard let pool = slots.admit(text) else { return Self.ephemeral(Self.busy) }
        let message = InboundMessage(
            channel: "discord", chatID: interaction.channelID ?? interaction.guildID ?? "dm", senderID: user, text: text,
            receivedAt: clock.now())
        enqueue.yield(Job(message: message, token: interaction.token, pool: pool))
        return Self.reply(200, ["type": 5, "data": ["flags": 64]])  // ephemeral: replies may hold command output
    }

    /// Remembers an interaction id; `false` when it was already seen within the window.
    func remember(_ id: String) -> Bool {
        let now = clock.now()
        let window = configuration.replayWindow
        let limit = configuration.maximumRememberedInteractions
        return seen.withLock { seen in
            while seen.head < seen.order.count,
                now.timeIntervalSince(seen.order[seen.head].at) > window || seen.order.count - seen.head >= limit
            {
                seen.ids.remove(seen.order[seen.head].id)
                seen.head += 1
            }
            if seen.head > 1024, seen.head * 2 > seen.order.count {
                seen.order.removeFirst(seen.head)
                seen.head = 0
            }
            guard seen.ids.insert(id).inserted else { return false }
            seen.order.append((id, now))
            return true
        }
    }

    // MARK: The background work

    /// Handles accepted commands, each in a child task, until graceful shutdown or cancellation. Run it
    /// once, next to the HTTP server: without it, accepted commands wait and later ones are answered busy.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for await job in self.jobs {
                    group.addTask { await self.process(job) }
                }
            }
        }
        await strangers.flush()
    }

    func process(_ job: Job) async {
        defer { slots.release(job.pool) }
        let reply = await handler.handle(job.message)
        guard !Task.isCancelled else { return }
        var parts = ChatText.split(reply, maximumUTF16Length: configuration.maximumMessageLength)
        if parts.isEmpty { parts = [Self.emptyReply] }
        let webhook = "\(configuration.apiBaseURL)/webhooks/\(configuration.applicationID)/\(job.token)"
        for (index, part) in parts.enumerated() {
            do {
                try await DiscordREST.deliver(
                    http: http, method: index == 0 ? .PATCH : .POST, url: index == 0 ? webhook + "/messages/@original" : webhook,
                    headers: [], content: part, retries: configuration.maximumRateLimitRetries, maximumWait: configuration.maximumRetryWait)
            } catch {
                logger.warning("cannot deliver a Discord reply", metadata: ["error": "\(error)", "part": "\(index + 1)/\(parts.count)"])
                return
            }
        }
    }

    // MARK: Answers

    static func ephemeral(_ content: String) -> MCPReply {
        reply(200, ["type": 4, "data": ["content": .string(content), "flags": 64]])
    }

    static func reply(_ status: Int, _ body: JSONValue) -> MCPReply {
        var bytes = [UInt8]()
        body.write(into: &bytes)
        return MCPReply(status: status, headers: ["Content-Type": "application/json"], body: bytes)
    }
}
