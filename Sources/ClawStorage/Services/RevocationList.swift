import Foundation
import ServiceLifecycle
import Synchronization

/// The revoked token ids, cached in memory for the request path and refreshed when a revocation is
/// announced (PostgreSQL NOTIFY across nodes, in-process for SQLite) and every `ttl`.
///
/// Until the first successful read, and whenever the store cannot be read, ``isRevoked(_:)`` answers
/// `true` for every token: fail closed.
public final class RevocationList: Service, Sendable {
    private let store: RevocationStore
    private let driver: any SQLDriver
    private let state = Mutex<Set<String>?>(nil)
    /// The longest a cached copy is trusted without rereading.
    public let ttl: Duration

    /// Creates the list over a database.
    public init(database: ClawDatabase, ttl: Duration = .seconds(30)) {
        self.store = database.revocations
        self.driver = database.driver
        self.ttl = ttl
    }

    /// Whether the id is revoked, or the list is unknown (fail closed).
    public func isRevoked(_ id: String) -> Bool {
        state.withLock { $0?.contains(id) ?? true }
    }

    /// Rereads the store.
    /// - Returns: The failure that now makes every token count as revoked, if any.
    @discardableResult
    public func refresh() async -> StorageError? {
        do {
            let ids = try await store.all()
            state.withLock { $0 = ids }
            return nil
        } catch {
            state.withLock { $0 = nil }
            return error
        }
    }

    /// Revokes through the store and applies it here at once.
    public func revoke(_ id: String, note: String = "") async throws(StorageError) {
        try await store.revoke(id, note: note)
        state.withLock { _ = $0?.insert(id) }
    }

    /// Refreshes now, then on every announcement and every `ttl`, until cancelled or shut down.
    public func run() async throws {
        await RefreshLoop.run(changes: driver.changes(RevocationStore.channel), ttl: ttl) { [self] in await refresh() }
    }
}
