import Foundation

/// A message that arrived on a chat gateway from a sender the gateway has already authenticated
/// (configured chat id and sender id, or a verified signature).
public struct InboundMessage: Sendable, Hashable {
    /// The gateway's channel: `telegram`, `discord` or `console`.
    public var channel: String
    /// The chat (Telegram chat id, Discord channel id, `console`).
    public var chatID: String
    /// The sender (Telegram user id, Discord user id, `console`).
    public var senderID: String
    /// The text as typed.
    public var text: String
    /// When the gateway received it.
    public var receivedAt: Date

    /// Creates a message.
    public init(channel: String, chatID: String, senderID: String, text: String, receivedAt: Date = Date()) {
        self.channel = channel
        self.chatID = chatID
        self.senderID = senderID
        self.text = text
        self.receivedAt = receivedAt
    }

    /// The identity the policy engine and the audit log see: `channel:senderID`.
    public var identity: String { "\(channel):\(senderID)" }
}

/// What a gateway hands each authenticated message to (the ``CommandDispatcher``). Gateways call it
/// concurrently, one task per message, so that a command waiting for a 2FA answer never blocks the
/// message that carries the answer.
public protocol ChatMessageHandler: Sendable {
    /// Handles one message and returns the reply to send back to its chat.
    func handle(_ message: InboundMessage) async -> String
}
