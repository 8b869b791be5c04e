import Foundation

/// One update from the Telegram Bot API's `getUpdates`, reduced to what the gateway looks at.
public struct TelegramUpdate: Sendable, Hashable {
    /// A message in an update.
    public struct Message: Sendable, Hashable {
        /// The message id within its chat.
        public var messageID: Int64
        /// The chat's id (a private chat's id is its user's id; groups are negative).
        public var chatID: Int64
        /// The chat's type: `private`, `group`, `supergroup` or `channel`.
        public var chatType: String
        /// The sender's user id; `nil` for channel posts and anonymous admins.
        public var senderID: Int64?
        /// Whether the sender is a bot.
        public var senderIsBot: Bool
        /// The text; `nil` for photos, stickers and other non-text messages.
        public var text: String?
        /// When it was sent (Unix time, seconds).
        public var date: Int64

        /// Creates a message.
        public init(messageID: Int64, chatID: Int64, chatType: String, senderID: Int64?, senderIsBot: Bool, text: String?, date: Int64) {
            self.messageID = messageID
            self.chatID = chatID
            self.chatType = chatType
            self.senderID = senderID
            self.senderIsBot = senderIsBot
            self.text = text
            self.date = date
        }
    }

    /// The update's id; the next `offset` is the largest id + 1.
    public var updateID: Int64
    /// The message, when the update is a well-formed `message`; `nil` for other kinds (or a malformed one).
    public var message: Message?

    /// Creates an update.
    public init(updateID: Int64, message: Message?) {
        self.updateID = updateID
        self.message = message
    }

    /// The largest answer accepted from `getUpdates` (100 updates of 4096-character messages fit easily).
    public static let maximumResponseBytes = 4 << 20

    /// Parses a `getUpdates` answer: `{"ok": true, "result": [update, ...]}`.
    ///
    /// Updates without an integer `update_id` are skipped; an update whose message is malformed is kept
    /// with `message == nil`, so its id still advances the offset and it is never fetched again.
    /// - Parameter body: The raw answer.
    /// - Returns: The updates, in the order given.
    /// - Throws: ``GatewayError/Code/unavailable`` when the answer is not JSON, is larger than
    ///   ``maximumResponseBytes``, or says `"ok": false`.
    public static func parseUpdates(_ body: [UInt8]) throws(GatewayError) -> [TelegramUpdate] {
        let json: JSONValue
        do {
            json = try JSONValue(parsing: body, limits: .init(maximumBytes: maximumResponseBytes, maximumDepth: 64))
        } catch {
            throw GatewayError(.unavailable, "the Telegram answer is not JSON")
        }
        guard json["ok"]?.boolValue == true else {
            throw GatewayError(.unavailable, "Telegram refused getUpdates: \(describeError(json))")
        }
        guard let result = json["result"]?.arrayValue else {
            throw GatewayError(.unavailable, "the Telegram answer has no result list")
        }
        return result.compactMap { item in
            guard let id = item["update_id"]?.intValue else { return nil }
            return TelegramUpdate(updateID: id, message: item["message"].flatMap(Message.init(json:)))
        }
    }

    /// Telegram's `description` of a failure, shortened (it never holds the token).
    static func describeError(_ json: JSONValue?) -> String {
        guard let description = json?["description"]?.stringValue else { return "no description" }
        return String(description.prefix(200))
    }
}

extension TelegramUpdate.Message {
    init?(json: JSONValue) {
        guard let messageID = json["message_id"]?.intValue, let chat = json["chat"], let chatID = chat["id"]?.intValue else { return nil }
        self.init(
            messageID: messageID, chatID: chatID, chatType: chat["type"]?.stringValue ?? "",
            senderID: json["from"]?["id"]?.intValue, senderIsBot: json["from"]?["is_bot"]?.boolValue ?? false,
            text: json["text"]?.stringValue, date: json["date"]?.intValue ?? 0)
    }
}
