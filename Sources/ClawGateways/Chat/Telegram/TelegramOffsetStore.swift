import Foundation
import Synchronization

/// Where the Telegram gateway keeps its `getUpdates` offset (the last handled update id + 1), so that a
/// restart never handles an update twice.
public protocol TelegramOffsetStore: Sendable {
    /// The saved offset, or `nil` when none was saved.
    func offset() async throws(GatewayError) -> Int64?
    /// Saves the offset.
    func setOffset(_ offset: Int64) async throws(GatewayError)
}

/// The offset as the non-sensitive setting `telegram.update_offset` (``SettingKey/telegramUpdateOffset``).
public struct SettingsTelegramOffsetStore: TelegramOffsetStore {
    let settings: SettingsStore

    /// Creates a store over the settings.
    public init(settings: SettingsStore) { self.settings = settings }

    /// The saved offset; a value that is not an integer counts as none.
    public func offset() async throws(GatewayError) -> Int64? {
        do {
            return try await settings.value(for: .telegramUpdateOffset).flatMap { Int64($0) }
        } catch {
            throw GatewayError(.unavailable, "cannot read the Telegram offset: \(error.code)")
        }
    }

    /// Saves the offset.
    public func setOffset(_ offset: Int64) async throws(GatewayError) {
        do {
            try await settings.set(String(offset), for: .telegramUpdateOffset)
        } catch {
            throw GatewayError(.unavailable, "cannot save the Telegram offset: \(error.code)")
        }
    }
}

/// An offset kept in memory only (tests, and embedders that persist nothing).
public final class InMemoryTelegramOffsetStore: TelegramOffsetStore {
    private let value: Mutex<Int64?>

    /// Creates a store, optionally with an offset already saved.
    public init(_ offset: Int64? = nil) { value = Mutex(offset) }

    /// The saved offset.
    public func offset() throws(GatewayError) -> Int64? { value.withLock { $0 } }

    /// Saves the offset.
    public func setOffset(_ offset: Int64) throws(GatewayError) { value.withLock { $0 = offset } }
}
