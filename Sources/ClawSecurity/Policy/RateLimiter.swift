import Foundation
import Synchronization

/// Exact sliding-window counters for `rate_limit` rules, safe under concurrent callers.
///
/// A key (rule, caller, permission) holds the times of the calls it admitted within the window, at most
/// `maxCalls` of them: a call is admitted only while fewer than `maxCalls` admitted calls lie in
/// `(now - window, now]`, and the check and the record happen under one lock, so no schedule of concurrent
/// callers ever gets more than `maxCalls` into any window. Memory is bounded by ``maximumKeys``; when full
/// of live keys, new keys are refused (fail closed).
public final class RateLimiter: Sendable {
    /// One counter, for persisting and restoring.
    public struct Counter: Sendable, Hashable {
        /// The rule's id.
        public var ruleID: String
        /// The caller.
        public var caller: String
        /// The permission.
        public var permission: String
        /// The window length.
        public var window: TimeInterval
        /// Times of admitted calls, oldest first.
        public var admitted: [Date]

        /// Creates a counter.
        public init(ruleID: String, caller: String, permission: String, window: TimeInterval, admitted: [Date]) {
            self.ruleID = ruleID
            self.caller = caller
            self.permission = permission
            self.window = window
            self.admitted = admitted
        }
    }

    struct Key: Hashable {
        let rule: String
        let caller: String
        let permission: String
    }

    struct Entry {
        var window: TimeInterval
        var admitted: [Date]  // ascending
    }

    private let table = Mutex([Key: Entry]())
    /// The most keys held at once.
    public let maximumKeys: Int

    /// Creates a limiter.
    /// - Parameter maximumKeys: The most keys held; 100,000 by default.
    public init(maximumKeys: Int = 100_000) { self.maximumKeys = max(1, maximumKeys) }

    /// The outcome of ``acquire(rule:caller:permission:maxCalls:window:now:)``.
    enum Outcome { case admitted, limited, full }

    /// Admits and records a call if the window has room.
    func acquire(rule: String, caller: String, permission: String, maxCalls: Int, window: TimeInterval, now: Date) -> Outcome {
        let key = Key(rule: rule, caller: caller, permission: permission)
        return table.withLock { table in
            if table[key] == nil, table.count >= maximumKeys {
                Self.purge(&table, now: now)
                if table.count >= maximumKeys { return .full }
            }
            var entry = table[key] ?? Entry(window: window, admitted: [])
            entry.window = window
            let horizon = now.addingTimeInterval(-window)
            if let firstLive = entry.admitted.firstIndex(where: { $0 > horizon }) {
                entry.admitted.removeFirst(firstLive)
            } else {
                entry.admitted.removeAll(keepingCapacity: true)
            }
            guard entry.admitted.count < maxCalls else {
                table[key] = entry
                return .limited
            }
            // Keep times ascending even if the clock stepped back.
            entry.admitted.append(max(now, entry.admitted.last ?? now))
            table[key] = entry
            return .admitted
        }
    }

    /// Takes back a call admitted by ``acquire(rule:caller:permission:maxCalls:window:now:)`` that was then
    /// denied by another rule.
    func release(rule: String, caller: String, permission: String, at time: Date) {
        let key = Key(rule: rule, caller: caller, permission: permission)
        table.withLock { table in
            guard var entry = table[key], let index = entry.admitted.lastIndex(where: { $0 >= time }) else { return }
            entry.admitted.remove(at: index)
            table[key] = entry
        }
    }

    /// Returns how many calls a key has admitted in the window ending at `now`.
    public func count(rule: String, caller: String, permission: String, now: Date) -> Int {
        table.withLock { table in
            guard let entry = table[Key(rule: rule, caller: caller, permission: permission)] else { return 0 }
            let horizon = now.addingTimeInterval(-entry.window)
            return entry.admitted.filter { $0 > horizon }.count
        }
    }

    /// The number of keys held.
    public var keyCount: Int { table.withLock { $0.count } }

    /// Every live counter, for persisting.
    public func snapshot() -> [Counter] {
        table.withLock { table in
            table.map { key, entry in
                Counter(ruleID: key.rule, caller: key.caller, permission: key.permission, window: entry.window, admitted: entry.admitted)
            }
        }
    }

    /// Replaces the counters with persisted ones.
    public func restore(_ counters: [Counter]) {
        table.withLock { table in
            table.removeAll()
            for counter in counters.prefix(maximumKeys) {
                table[Key(rule: counter.ruleID, caller: counter.caller, permission: counter.permission)] =
                    Entry(window: counter.window, admitted: counter.admitted.sorted())
            }
        }
    }

    private static func purge(_ table: inout [Key: Entry], now: Date) {
        table = table.filter { _, entry in
            guard let last = entry.admitted.last else { return false }
            return last > now.addingTimeInterval(-entry.window)
        }
    }
}
