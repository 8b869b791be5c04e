import Foundation
import ServiceLifecycle
import Synchronization

/// Keeps a ``PolicyEngine`` in step with the policy store on every node.
///
/// The engine reads a cached copy of the stored rules. The cache is refreshed when a change is announced
/// (PostgreSQL LISTEN/NOTIFY across nodes; in-process for SQLite) and at least every `ttl` (30 s by
/// default), so a change applies within a second wherever notifications arrive and within the TTL when
/// they do not. When the store cannot be read, or a stored rule no longer validates, the engine denies
/// every call until a refresh succeeds: fail closed.
///
/// Run it as a `Service` (in a `ServiceGroup`), or call ``refresh()`` yourself.
public final class PolicySynchronizer: Service, Sendable {
    /// The engine whose rules follow the store.
    public let engine: PolicyEngine
    /// The longest a cached rule set is used without rereading the store.
    public let ttl: Duration
    private let store: PolicyStore
    private let driver: any SQLDriver
    private let cache: RuleCache

    final class RuleCache: Sendable {
        let rules = Mutex<Result<[PolicyRule], ClawSecurityError>>(
            .failure(ClawSecurityError(.policyUnavailable, "the policy store has not been read yet")))
    }

    /// Creates a synchronizer; the engine denies everything until the first ``refresh()``.
    /// - Parameters:
    ///   - database: The database holding the rules.
    ///   - ttl: The longest a cached copy is trusted; 30 s by default.
    ///   - limiter: The engine's rate-limit counters.
    public init(database: ClawDatabase, ttl: Duration = .seconds(30), limiter: RateLimiter = RateLimiter()) {
        let cache = RuleCache()
        self.cache = cache
        self.store = database.policies
        self.driver = database.driver
        self.ttl = ttl
        self.engine = PolicyEngine(source: { try cache.rules.withLock { $0 }.get() }, limiter: limiter)
    }

    /// Rereads the store and reloads the engine.
    /// - Returns: The failure that now makes the engine deny, if any.
    @discardableResult
    public func refresh() async -> StorageError? {
        let loaded: Result<[PolicyRule], ClawSecurityError>
        var failure: StorageError?
        do {
            loaded = .success(try await store.rules())
        } catch {
            failure = error
            loaded = .failure(ClawSecurityError(.policyUnavailable, "the policy store cannot be read: \(error.code)"))
        }
        cache.rules.withLock { $0 = loaded }
        if let error = engine.reload(), failure == nil {
            failure = StorageError(.corrupt, error.reason)
        }
        return failure
    }

    /// Refreshes now, then on every announced change and every `ttl`, until cancelled or shut down.
    public func run() async throws {
        await RefreshLoop.run(changes: driver.changes(PolicyStore.channel), ttl: ttl) { [self] in await refresh() }
    }
}
