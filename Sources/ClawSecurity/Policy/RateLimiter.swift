import Foundation
import Synchronization

/// Exact sliding-window counters for `rate_limit` rules, safe under concurrent callers.
///
/// A key (rule, caller, permission) holds the times of the calls it admitted recently (at most `2 × maxCalls`):
/// a call is admitted only while fewer than `maxCalls` admitted calls lie in any window that would contain it,
/// and the check and the record happen under one lock, so no schedule of concurrent callers ever gets more
/// than `maxCalls` into any window `(t - window, t]`. Memory is bounded by ``maximumKeys``; when full
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

    /// Admits and records a call if every window that contains it has room.
    ///
    /// Calls may arrive slightly out of order (concurrent callers read the clock before the lock). A call at
    /// `t` lies in windows `(e - w, e]` with `t <= e < t + w`, all inside `(t - w, t + w)`: it is admitted only
    /// while fewer than `maxCalls` admitted calls lie there. In order, that is exactly the sliding window.
    /// Times up to `2w` behind the newest call are kept; a call more than `w` behind it is refused, since the
    /// calls it would have to be counted against may have been forgotten (fail closed).
    func acquire(rule: String, caller: String, permission: String, maxCalls: Int, window: TimeInterval, now: Date) -> Outcome {
        let key = Key(rule: rule, caller: caller, permission: permission)
        return table.withLock { table in
            if table[key] == nil, table.count >= maximumKeys {
                Self.purge(&table, now: now)
                if table.count >= maximumKeys { return .full }
            }
            var entry = table[key] ?? Entry(window: window, admitted: [])
            entry.window = window
            if let newest = entry.admitted.last {
                let keepAfter = max(newest, now).addingTimeInterval(-2 * window)
                let dropped = entry.admitted.prefix { $0 <= keepAfter }.count
                if dropped > 0 { entry.admitted.removeFirst(dropped) }
                if now <= newest.addingTimeInterval(-window) {
                    table[key] = entry
                    return .limited
                }
            }
            guard Self.count(entry.admitted, around: now, window: window) < maxCalls else {
                table[key] = entry
                return .limited
            }
            let position = entry.admitted.firstIndex { $0 > now } ?? entry.admitted.endIndex
            entry.admitted.insert(now, at: position)
            table[key] = entry
            return .admitted
        }
    }

    /// Admitted calls in `(t - w, t + w)`.
    static func count(_ admitted: [Date], around t: Date, window: TimeInterval) -> Int {
        let low = t.addingTimeInterval(-window)
        let high = t.addingTimeInterval(window)
        var n = 0
        for time in admitted.reversed() {
            if time <= low { break }
            if time < high { n += 1 }
        }
        return n
    }

    /// Takes back a call admitted by ``acquire(rule:caller:permission:maxCalls:window:now:)`` that was then
    /// denied by another rule.
    func release(rule: String, caller: String, permission: String, at time: Date) {
        let key = Key(rule: rule, caller: caller, permission: permission)
        table.withLock { table in
            guard var entry = table[key], let index = entry.admitted.lastIndex(of: time) else { return }
            entry.admitted.remove(at: index)
            table[key] = entry
        }
    }

    /// Returns how many admitted calls a new call at `now` would be counted against.
    public func count(rule: String, caller: String, permission: String, now: Date) -> Int {
        table.withLock { table in
            guard let entry = table[Key(rule: rule, caller: caller, permission: permission)] else { return 0 }
            return Self.count(entry.admitted, around: now, window: entry.window)
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
            return last > now.addingTimeInterval(-2 * entry.window)
        }
    }
}
