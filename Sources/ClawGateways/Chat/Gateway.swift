/// A chat channel Claw talks through: Telegram, Discord, the console.
///
/// A gateway authenticates inbound messages itself (only configured chats and senders reach the
/// handler; the rest are dropped and audited) and hands each one to a ``ChatMessageHandler``. Outbound,
/// it sends text to a chat, splitting and pacing as its API requires.
public protocol Gateway: Sendable {
    /// The channel's name: `telegram`, `discord`, `console`.
    var channel: String { get }
    /// Whether it can deliver 2FA challenges: it reaches the owner privately (their configured chat).
    var deliversChallenges: Bool { get }
    /// Sends text.
    /// - Parameters:
    ///   - text: The message; the gateway splits it at its API's limit.
    ///   - chatID: The chat, or `nil` for the owner's configured chat.
    /// - Throws: ``GatewayError`` when it cannot be delivered.
    func send(_ text: String, to chatID: String?) async throws(GatewayError)
}

/// Why a gateway could not do something; the reason never holds a token or a message body.
public struct GatewayError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable code.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The code's text, such as `gateway.unavailable`.
        public let rawValue: String
        init(_ rawValue: String) { self.rawValue = rawValue }
        /// The code's text.
        public var description: String { rawValue }

        /// The remote API could not be reached or answered with an error.
        public static let unavailable = Code("gateway.unavailable")
        /// The remote API refused the credentials.
        public static let unauthorized = Code("gateway.unauthorized")
        /// The chat is not one this gateway may write to.
        public static let unknownChat = Code("gateway.unknown_chat")
        /// The configuration is incomplete or malformed.
        public static let configuration = Code("gateway.configuration")
        /// No gateway of that channel is running.
        public static let noGateway = Code("gateway.none")
    }

    /// The code.
    public let code: Code
    /// A short reason for people.
    public let reason: String

    /// Creates an error.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// `code: reason`.
    public var description: String { "\(code): \(reason)" }

    /// Errors are equal when their codes are.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    /// Hashes the code.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
