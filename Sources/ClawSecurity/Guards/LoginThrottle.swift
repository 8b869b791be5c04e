import Foundation
import Synchronization

/// Blocks a client after repeated failed logins.
///
/// Per client key (an IP address, a chat user id), ``Configuration/maximumFailures`` failures within
/// ``Configuration/window`` block the key for ``Configuration/blockDuration``. Failures older than the
/// window expire. A success clears the key's failures. The throttle is safe to share between threads:
/// checks and records for one key are linearisable.
///
/// Memory is bounded by ``Configuration/maximumTrackedKeys``. When the table is full, expired entries go
/// first, then the quietest unblocked key; blocked keys are never forgotten before their block ends. If
/// every tracked key is blocked, a new key is refused (fail closed) until space frees up.
public final class LoginThrottle: Sendable {
    /// Limits; the defaults are 5 failures in 5 minutes block for 15 minutes.
    public struct Configuration: Sendable {
        /// Failures within the window that block a key.
        public var maximumFailures: Int
        /// How long a failure counts.
        public var window: TimeInterval
        /// How long a key stays blocked.
        public var blockDuration: TimeInterval
        /// Keys tracked at once.
        public var maximumTrackedKeys: Int

        /// Creates a configuration.
        public init(
            maximumFailures: Int = 5, window: TimeInterval = 300, blockDuration: TimeInterval = 900,
            maximumTrackedKeys: Int = 100_000
        ) {
            self.maximumFailures = max(1, maximumFailures)
            self.window = window
            self.blockDuration = blockDuration
            self.maximumTrackedKeys = max(1, maximumTrackedKeys)
        }
    }

    /// Whether a key may try to log in.
    public enum Decision: Sendable, Equatable {
        /// The key may try; `remaining` more failures will block it.
        case allowed(remaining: Int)
        /// The key is blocked until the given time.
        case blocked(until: Date)

        /// Whether the decision lets the attempt through.
        public var isAllowed: Bool {
            if case .allowed = self { return true }
            return false
        }
    }

    struct Entry {
        var failures: [Date] = []
        var blockedUntil: Date?
        var lastSeen: Date
    }

    private let state = Mutex([String: Entry]())
    private let clock: WallClock
    /// The limits in force.
    public let configuration: Configuration

    /// Creates a throttle.
    /// - Parameters:
    ///   - configuration: Limits.
    ///   - clock: The time source; the system clock by default.
    public init(configuration: Configuration = .init(), clock: WallClock = .system) {
        self.configuration = configuration
        self.clock = clock
    }

    /// Returns whether a key may try now, without recording anything.
    /// - Parameter key: The client key.
    /// - Returns: The decision.
    public func check(_ key: String) -> Decision {
        let now = clock.now()
        return state.withLock { table in
            guard var entry = table[key] else { return .allowed(remaining: configuration.maximumFailures) }
            return decide(&entry, now: now)
        }
    }

    /// Records a failed attempt and returns the decision that follows from it.
    /// - Parameter key: The client key.
    /// - Returns: `.blocked` once this failure reaches the limit, or when the key was blocked already.
    @discardableResult
    public func recordFailure(_ key: String) -> Decision {
        let now = clock.now()
        return state.withLock { table in
            if table[key] == nil, table.count >= configuration.maximumTrackedKeys {
                guard makeRoom(&table, now: now) else {
                    return .blocked(until: now.addingTimeInterval(configuration.blockDuration))
                }
            }
            var entry = table[key] ?? Entry(lastSeen: now)
            let before = decide(&entry, now: now)
            if case .blocked = before {
                table[key] = entry
                return before
            }
            entry.failures.append(now)
            entry.lastSeen = now
            if entry.failures.count >= configuration.maximumFailures {
                entry.blockedUntil = now.addingTimeInterval(configuration.blockDuration)
                entry.failures.removeAll()
            }
            let after = decide(&entry, now: now)
            table[key] = entry
            return after
        }
    }

    /// Records a successful login, which clears the key's failures (not an active block).
    /// - Parameter key: The client key.
    public func recordSuccess(_ key: String) {
        let now = clock.now()
        state.withLock { table in
            guard var entry = table[key] else { return }
            if case .blocked = decide(&entry, now: now) { return }
            table[key] = nil
        }
    }

    /// The number of keys tracked now.
    public var trackedKeys: Int { state.withLock { $0.count } }

    /// Drops expired failures and an expired block, then decides.
    private func decide(_ entry: inout Entry, now: Date) -> Decision {
        if let until = entry.blockedUntil {
            if until > now { return .blocked(until: until) }
            entry.blockedUntil = nil
        }
        let horizon = now.addingTimeInterval(-configuration.window)
        entry.failures.removeAll { $0 <= horizon }
        return .allowed(remaining: configuration.maximumFailures - entry.failures.count)
    }

    /// Frees one slot: expired entries first, then the quietest unblocked key.
    private func makeRoom(_ table: inout [String: Entry], now: Date) -> Bool {
        for (key, var entry) in table {
            _ = decide(&entry, now: now)
            if entry.blockedUntil == nil, entry.failures.isEmpty { table[key] = nil }
        }
        if table.count < configuration.maximumTrackedKeys { return true }
        let victim = table.filter { $0.value.blockedUntil == nil }.min { $0.value.lastSeen < $1.value.lastSeen }
        guard let victim else { return false }
        table[victim.key] = nil
        return true
    }
}
