import Synchronization

/// The running gateways, by channel: where replies, notifications and 2FA challenges go out.
public final class GatewayHub: Sendable {
    private let gateways = Mutex([String: any Gateway]())

    /// Creates an empty hub.
    public init() {}

    /// Adds (or replaces) the gateway of its channel.
    public func register(_ gateway: any Gateway) {
        gateways.withLock { $0[gateway.channel] = gateway }
    }

    /// The gateway of a channel.
    public func gateway(_ channel: String) -> (any Gateway)? { gateways.withLock { $0[channel] } }

    /// Every channel, sorted.
    public var channels: [String] { gateways.withLock { $0.keys.sorted() } }

    /// The gateways that can deliver 2FA challenges, by channel name.
    public var challengeGateways: [any Gateway] {
        gateways.withLock { all in all.keys.sorted().compactMap { all[$0] }.filter(\.deliversChallenges) }
    }

    /// Sends text through a channel's gateway.
    /// - Parameters:
    ///   - text: The message.
    ///   - channel: `telegram`, `discord`, `console`.
    ///   - chatID: The chat, or `nil` for the owner's.
    public func send(_ text: String, channel: String, to chatID: String? = nil) async throws(GatewayError) {
        guard let gateway = gateway(channel) else { throw GatewayError(.noGateway, "no \(channel) gateway is running") }
        try await gateway.send(text, to: chatID)
    }
}
