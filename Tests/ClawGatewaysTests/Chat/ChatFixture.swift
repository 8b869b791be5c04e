import ClawGateways
import Foundation
import Synchronization

/// A gateway that records what it was asked to send and lets a test wait for it.
final class RecordingGateway: Gateway {
    let channel: String
    let deliversChallenges: Bool
    let failing: Bool
    private let sent = Mutex([String]())

    init(_ channel: String, deliversChallenges: Bool = true, failing: Bool = false) {
        self.channel = channel
        self.deliversChallenges = deliversChallenges
        self.failing = failing
    }

    func send(_ text: String, to chatID: String?) async throws(GatewayError) {
        if failing { throw GatewayError(.unavailable, "down") }
        sent.withLock { $0.append(text) }
    }

    var messages: [String] { sent.withLock { $0 } }

    /// Waits (a bounded number of yields) until a sent message satisfies the predicate.
    func waitFor(_ predicate: (String) -> Bool) async -> String? {
        for _ in 0..<2_000 {
            if let found = messages.first(where: predicate) { return found }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }
}

/// A clock the test moves.
final class TestClock: Sendable {
    private let current: Mutex<Date>
    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = Mutex(start) }
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
    var wallClock: WallClock { WallClock { [self] in now } }
}

/// A fresh SQLite state database, an audit log over it, an enrolled 2FA account and a hub of gateways.
struct ChatFixture {
    static let secret = String(repeating: "c", count: 48)
    let folder: URL
    let database: ClawDatabase
    let keyRing: KeyRing
    let audit: AuditLog
    let clock: TestClock
    let totp: TOTP
    let hub: GatewayHub
    let telegram = RecordingGateway("telegram")
    let discord = RecordingGateway("discord")
    let webhookOnly = RecordingGateway("webhook", deliversChallenges: false)

    static func make(enroll: Bool = true) async throws -> ChatFixture {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("claw-chat-\(UUID().uuidString)")
        let clock = TestClock()
        let database = try await ClawDatabase.open(.sqlite(path: folder.appendingPathComponent("claw.sqlite").path), clock: clock.wallClock)
        let keyRing = try KeyRing(secretKeyBase: secret)
        let audit = AuditLog(store: database.audit, keyRing: keyRing, clock: clock.wallClock)
        let totp = try TOTP(base32Secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        if enroll { try await database.twoFactor(keyRing: keyRing).enroll(account: "owner", totp: totp) }
        let fixture = ChatFixture(
            folder: folder, database: database, keyRing: keyRing, audit: audit, clock: clock, totp: totp, hub: GatewayHub())
        for gateway in [fixture.telegram, fixture.discord, fixture.webhookOnly] { fixture.hub.register(gateway) }
        return fixture
    }

    func broker(_ configuration: TwoFactorBroker.Configuration = .init()) -> TwoFactorBroker {
        TwoFactorBroker(
            store: database.twoFactor(keyRing: keyRing), hub: hub, audit: audit, configuration: configuration, clock: clock.wallClock)
    }

    /// The code for now, or for a later step.
    func code(stepsAhead: Int = 0) -> String { totp.code(at: clock.now.addingTimeInterval(Double(30 * stepsAhead))) }

    func message(_ text: String, channel: String = "telegram", sender: String = "42") -> InboundMessage {
        InboundMessage(channel: channel, chatID: sender, senderID: sender, text: text, receivedAt: clock.now)
    }

    func auditEvents() async throws -> [String] {
        try await database.audit.entries().map(\.event)
    }

    func close() async {
        await database.close()
        try? FileManager.default.removeItem(at: folder)
    }
}
