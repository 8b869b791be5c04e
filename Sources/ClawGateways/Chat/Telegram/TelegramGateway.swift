import AsyncHTTPClient
import Foundation
import Logging
import NIOHTTP1
import ServiceLifecycle
import Synchronization

/// The Telegram gateway: long-polls the Bot API for messages and sends replies, as a ServiceLifecycle
/// `Service`.
///
/// Only text messages from the configured chat whose sender is one of the allowed user ids reach the
/// handler. Everything else (other chats, unknown senders, bots) gets no reply and is audited as
/// `gateway.unknown_sender` (outcome `deny`, with the chat and sender ids, never the text; one entry per
/// sender a minute, with the count of messages in between). The first
/// contact is never trusted by itself: there is no pairing, the ids come from configuration.
///
/// Each accepted message is handled in its own child task of ``run()`` (at most
/// ``Configuration/maximumConcurrentHandlers`` commands at once, and as many approval answers), so a command
/// waiting for a 2FA code never blocks the message that carries it. The `getUpdates` offset is saved through a ``TelegramOffsetStore`` before
/// the batch's messages are handled, so a restart never handles an update twice.
///
/// The bot token is part of every Bot API URL: neither the token nor a URL ever appears in an error,
/// a log line or a description.
public final class TelegramGateway: Gateway, Service {
    /// What the gateway talks to and whom it listens to.
    public struct Configuration: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
        /// The bot token from @BotFather (`123456:ABC-...`). Never shown.
        public var botToken: String
        /// The Bot API base URL; `https://api.telegram.org` (tests point it at a local server).
        public var apiBaseURL: String
        /// The chat the agent answers (a private chat's id is its user's id).
        public var chatID: Int64
        /// The users whose messages are accepted; at least one.
        public var allowedSenderIDs: Set<Int64>
        /// How long one `getUpdates` call waits for messages, in seconds; 25.
        public var longPollSeconds: Int
        /// The longest message Telegram takes, in UTF-16 code units; 4096. Longer text is split.
        public var maximumMessageLength: Int
        /// The least time between two messages to one chat; 1 s.
        public var minimumSendInterval: Duration
        /// How many commands are handled at once; 8. A command past that gets a short "busy" answer.
        /// Approval answers (a bare code, `/approve`, `/deny`) have as many slots again of their own, so
        /// commands waiting for approval never crowd out the code.
        public var maximumConcurrentHandlers: Int
        /// How many times a send is tried again after 429 (Too Many Requests); 3.
        public var maximumRateLimitRetries: Int
        /// The longest wait honoured from `retry_after`; 60 s.
        public var maximumRetryWait: Duration
        /// The first wait after a failed `getUpdates`; 1 s, doubling up to ``maximumBackoff``.
        public var initialBackoff: Duration
        /// The longest wait between failed `getUpdates` calls; 30 s.
        public var maximumBackoff: Duration
        /// Messages older than this (by their Telegram date) are ignored, so commands queued while the agent
        /// was down do not run when it starts; `nil` (the default) keeps them. `claw serve` sets 10 minutes.
        public var maximumMessageAge: TimeInterval? = nil

        /// Creates a configuration.
        public init(
            botToken: String, chatID: Int64, allowedSenderIDs: Set<Int64>, apiBaseURL: String = "https://api.telegram.org",
            longPollSeconds: Int = 25, maximumMessageLength: Int = 4096, minimumSendInterval: Duration = .seconds(1),
            maximumConcurrentHandlers: Int = 8, maximumRateLimitRetries: Int = 3, maximumRetryWait: Duration = .seconds(60),
            initialBackoff: Duration = .seconds(1), maximumBackoff: Duration = .seconds(30)
        ) {
            self.botToken = botToken
            self.chatID = chatID
            self.allowedSenderIDs = allowedSenderIDs
            self.apiBaseURL = apiBaseURL
            self.longPollSeconds = longPollSeconds
            self.maximumMessageLength = maximumMessageLength
            self.minimumSendInterval = minimumSendInterval
            self.maximumConcurrentHandlers = maximumConcurrentHandlers
            self.maximumRateLimitRetries = maximumRateLimitRetries
            self.maximumRetryWait = maximumRetryWait
            self.initialBackoff = initialBackoff
            self.maximumBackoff = maximumBackoff
        }

        /// A private chat with one user: the chat id is the user's id, and only that user is accepted.
        public static func privateChat(botToken: String, userID: Int64, apiBaseURL: String = "https://api.telegram.org") -> Configuration {
            Configuration(botToken: botToken, chatID: userID, allowedSenderIDs: [userID], apiBaseURL: apiBaseURL)
        }

        /// The settings without the token.
        public var description: String {
            "TelegramGateway.Configuration(chatID: \(chatID), allowedSenderIDs: \(allowedSenderIDs.sorted()), botToken: [redacted])"
        }

        /// The settings without the token.
        public var debugDescription: String { description }

        /// The settings without the token (for `dump` and reflection).
        public var customMirror: Mirror {
            Mirror(self, children: ["chatID": chatID, "allowedSenderIDs": allowedSenderIDs.sorted(), "botToken": "[redacted]"])
        }
    }

    /// The reply to a message that arrives while every handler slot is taken.
    public static let busyReply = "Too many commands are running; send this again when one has finished."

    /// The configuration.
    public let configuration: Configuration
    let handler: any ChatMessageHandler
    let offsets: any TelegramOffsetStore
    let audit: AuditLog
    let http: ChatHTTP
    let pacer: SendPacer
    let logger: Logger
    let clock: WallClock
    private let slots: HandlerSlots
    private let strangers: UnknownSenderAudit
    private let notices = Mutex(0)

    /// `telegram`.
    public var channel: String { "telegram" }
    /// `true`: it writes to the owner's configured chat.
    public var deliversChallenges: Bool { true }

    /// Creates the gateway; nothing runs until ``run()``.
    /// - Parameters:
    ///   - configuration: Token, chat, senders and limits.
    ///   - handler: Where accepted messages go (the command dispatcher).
    ///   - offsets: Where the `getUpdates` offset is kept (``SettingsTelegramOffsetStore`` in the agent).
    ///   - audit: Where refused messages are recorded.
    ///   - httpClient: The HTTP client; `HTTPClient.shared` by default.
    ///   - logger: Where failures are logged (never a token, a URL or a message's text).
    /// - Throws: ``GatewayError/Code/configuration`` for a missing or malformed token, a base URL that is not
    ///   http(s), or no allowed sender.
    public init(
        configuration: Configuration, handler: any ChatMessageHandler, offsets: any TelegramOffsetStore, audit: AuditLog,
        httpClient: HTTPClient = .shared, logger: Logger = Logger(label: "claw.gateway.telegram"), clock: WallClock = .system
    ) throws(GatewayError) {
        guard Self.isWellFormed(token: configuration.botToken) else {
            throw GatewayError(.configuration, "the Telegram bot token is missing or malformed")
        }
        guard configuration.apiBaseURL.hasPrefix("https://") || configuration.apiBaseURL.hasPrefix("http://") else {
            throw GatewayError(.configuration, "the Telegram API base URL must be http(s)")
        }
        guard !configuration.allowedSenderIDs.isEmpty else {
            throw GatewayError(.configuration, "no Telegram user is allowed: set telegram.allowed_user_ids (a private chat's id is its user's id)")
        }
        var configuration = configuration
        while configuration.apiBaseURL.hasSuffix("/") { configuration.apiBaseURL.removeLast() }
        configuration.longPollSeconds = min(max(configuration.longPollSeconds, 0), 50)
        configuration.maximumMessageLength = min(max(configuration.maximumMessageLength, 16), 4096)
        configuration.maximumConcurrentHandlers = max(configuration.maximumConcurrentHandlers, 1)
        configuration.maximumRateLimitRetries = max(configuration.maximumRateLimitRetries, 0)
        self.configuration = configuration
        self.handler = handler
        self.clock = clock
        self.offsets = offsets
        self.audit = audit
        self.http = ChatHTTP(client: httpClient, maximumResponseBytes: TelegramUpdate.maximumResponseBytes, service: "Telegram")
        self.pacer = SendPacer(interval: configuration.minimumSendInterval)
        self.slots = HandlerSlots(limit: configuration.maximumConcurrentHandlers)
        self.strangers = UnknownSenderAudit(audit: audit, clock: clock, logger: logger)
        self.logger = logger
    }

    /// Token characters: digits, a colon, letters, `_` and `-` (it goes into a URL path).
    static func isWellFormed(token: String) -> Bool {
        let bytes = Array(token.utf8)
        guard (8...256).contains(bytes.count), bytes.contains(UInt8(ascii: ":")) else { return false }
        return bytes.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }

    func url(_ method: String) -> String { "\(configuration.apiBaseURL)/bot\(configuration.botToken)/\(method)" }

    // MARK: Receiving

    /// Polls for messages until graceful shutdown or cancellation, then returns; handlers still running
    /// are cancelled. Failed polls are retried after a bounded backoff.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.serve() }
        await strangers.flush()
    }

    func serve() async {
        guard var offset = await loadOffset() else { return }
        await withDiscardingTaskGroup { group in
            var backoff = Backoff(initial: configuration.initialBackoff, maximum: configuration.maximumBackoff)
            while !Task.isCancelled {
                let updates: [TelegramUpdate]
                do throws(PollFailure) {
                    updates = try await poll(offset: offset)
                    backoff.reset()
                } catch {
                    if Task.isCancelled { break }
                    let wait = max(backoff.next(), error.retryAfter ?? .zero)
                    logger.warning("getUpdates failed", metadata: ["error": "\(error.error)", "retry_in": "\(wait)"])
                    try? await Task.sleep(for: wait)
                    continue
                }
                let fresh = updates.filter { offset == nil || $0.updateID >= offset! }
                guard let last = fresh.map(\.updateID).max() else { continue }
                // The batch is handled only once its offset is saved, so a restart never handles it again; when
                // the save fails, the same updates are fetched again after a pause.
                do {
                    try await offsets.setOffset(last + 1)
                } catch {
                    logger.error("cannot save the Telegram offset; the batch waits", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: backoff.next())
                    continue
                }
                offset = last + 1
                for update in fresh { await accept(update, group: &group) }
            }
        }
    }

    /// The saved offset, retried with backoff while the store fails; `nil` when cancelled meanwhile.
    func loadOffset() async -> Int64?? {
        var backoff = Backoff(initial: configuration.initialBackoff, maximum: configuration.maximumBackoff)
        while !Task.isCancelled {
            do {
                return .some(try await offsets.offset())
            } catch {
                logger.error("cannot read the Telegram offset", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: backoff.next())
            }
        }
        return nil
    }

    struct PollFailure: Error {
        let error: GatewayError
        let retryAfter: Duration?
    }

    func poll(offset: Int64?) async throws(PollFailure) -> [TelegramUpdate] {
        var body: [String: JSONValue] = ["timeout": .int(Int64(configuration.longPollSeconds)), "allowed_updates": ["message"]]
        if let offset { body["offset"] = .int(offset) }
        let reply: ChatHTTP.Reply
        do {
            reply = try await http.call(.POST, url: url("getUpdates"), json: .object(body), timeout: .seconds(configuration.longPollSeconds + 15))
        } catch {
            throw PollFailure(error: error, retryAfter: nil)
        }
        switch reply.status {
        case 200:
            do {
                return try TelegramUpdate.parseUpdates(reply.body)
            } catch {
                throw PollFailure(error: error, retryAfter: nil)
            }
        case 401, 404:
            throw PollFailure(error: GatewayError(.unauthorized, "Telegram refused the bot token"), retryAfter: nil)
        case 429:
            let wait = min(retryDuration(reply.json?["parameters"]?["retry_after"]), configuration.maximumRetryWait)
            throw PollFailure(error: GatewayError(.unavailable, "Telegram answered 429 (too many requests)"), retryAfter: wait)
        default:
            throw PollFailure(
                error: GatewayError(.unavailable, "Telegram answered HTTP \(reply.status): \(TelegramUpdate.describeError(reply.json))"),
                retryAfter: nil)
        }
    }

    /// What to do with one update.
    enum Verdict: Equatable {
        case accept(InboundMessage)
        case refuse(chatID: Int64, senderID: Int64?)
        case ignore
    }

    func verdict(_ update: TelegramUpdate) -> Verdict {
        guard let message = update.message else { return .ignore }
        guard message.chatID == configuration.chatID, let sender = message.senderID, !message.senderIsBot,
            configuration.allowedSenderIDs.contains(sender)
        else { return .refuse(chatID: message.chatID, senderID: message.senderID) }
        guard let text = message.text else { return .ignore }
        if let limit = configuration.maximumMessageAge, clock.now().timeIntervalSince1970 - Double(message.date) > limit {
            logger.notice("an old Telegram message was ignored", metadata: ["message_id": "\(message.messageID)"])
            return .ignore
        }
        return .accept(InboundMessage(channel: channel, chatID: String(message.chatID), senderID: String(sender), text: text))
    }

    func accept(_ update: TelegramUpdate, group: inout DiscardingTaskGroup) async {
        switch verdict(update) {
        case .ignore:
            return
        case .refuse(let chatID, let senderID):
            await strangers.record(
                context: [
                    "channel": .string(channel), "chat_id": .string(String(chatID)),
                    "sender_id": .string(senderID.map { String($0) } ?? "unknown"),
                ],
                reason: "a message from a chat or sender that is not configured")
        case .accept(let message):
            if let pool = slots.admit(message.text) {
                group.addTask {
                    defer { self.slots.release(pool) }
                    let reply = await self.handler.handle(message)
                    await self.reply(reply, to: message.chatID)
                }
                return
            }
            let limit = slots.limit
            let notify = notices.withLock { notices -> Bool in
                guard notices < limit else { return false }
                notices += 1
                return true
            }
            guard notify else {
                logger.warning("a Telegram message was dropped: every handler is busy")
                return
            }
            group.addTask {
                defer { self.notices.withLock { $0 -= 1 } }
                await self.reply(Self.busyReply, to: message.chatID)
            }
        }
    }

    func reply(_ text: String, to chatID: String) async {
        guard !Task.isCancelled else { return }
        do {
            try await send(text, to: chatID)
        } catch {
            logger.warning("cannot send a Telegram reply", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Sending

    /// Sends text to the configured chat, split at ``Configuration/maximumMessageLength`` (on line breaks
    /// where possible), paced per chat, waiting out 429 answers as Telegram asks (bounded).
    /// - Parameters:
    ///   - text: The message; empty text sends nothing.
    ///   - chatID: `nil` or the configured chat id.
    /// - Throws: ``GatewayError/Code/unknownChat`` for another chat, ``GatewayError/Code/unauthorized`` when
    ///   Telegram refuses the token, ``GatewayError/Code/unavailable`` otherwise.
    public func send(_ text: String, to chatID: String?) async throws(GatewayError) {
        let target = String(configuration.chatID)
        if let chatID, chatID != target {
            throw GatewayError(.unknownChat, "Telegram chat \(chatID.prefix(32)) is not the configured chat")
        }
        for part in ChatText.split(text, maximumUTF16Length: configuration.maximumMessageLength) {
            do {
                try await pacer.wait(for: target)
            } catch {
                throw GatewayError(.unavailable, "cancelled while sending to Telegram")
            }
            let body: JSONValue = ["chat_id": .int(configuration.chatID), "text": .string(part)]
            try await deliverWithRetries(
                retries: configuration.maximumRateLimitRetries, maximumWait: configuration.maximumRetryWait, service: "Telegram"
            ) { () async throws(GatewayError) -> DeliveryStep in
                let reply = try await http.call(.POST, url: url("sendMessage"), json: body, timeout: .seconds(30))
                switch reply.status {
                case 200..<300:
                    return .done
                case 429:
                    return .retry(after: retryDuration(reply.json?["parameters"]?["retry_after"]))
                case 401, 404:
                    throw GatewayError(.unauthorized, "Telegram refused the bot token")
                default:
                    throw GatewayError(.unavailable, "Telegram answered HTTP \(reply.status): \(TelegramUpdate.describeError(reply.json))")
                }
            }
        }
    }
}
