import Foundation

/// Persistent rate-limit counters: fixed windows per counter name, incremented atomically in the database
/// so several processes or nodes share one exact count, and counts survive restarts.
public struct RateCounterStore: Sendable {
    let driver: any SQLDriver

    /// The start of the fixed window of `length` seconds that holds `date`.
    static func windowStart(_ date: Date, length: Int) -> Int64 {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let length = Int64(max(1, length))
        return seconds >= 0 ? seconds / length * length : (seconds - length + 1) / length * length
    }

    /// Adds to a counter's current window.
    /// - Parameters:
    ///   - counter: The counter, such as `rule:r1|caller:alice|permission:web_read`; at most 512 bytes.
    ///   - amount: How much to add; 1 by default.
    ///   - window: The window's length in seconds.
    ///   - now: The time of the event.
    /// - Returns: The window's count after adding.
    @discardableResult
    public func increment(_ counter: String, by amount: Int = 1, window: Int, now: Date) async throws(StorageError) -> Int {
        guard !counter.isEmpty, counter.utf8.count <= 512 else { throw StorageError(.invalidValue, "a counter name is 1 to 512 bytes") }
        let rows = try await driver.query(
            """
            INSERT INTO claw_rate_counters (counter, window_start, count) VALUES (?, ?, ?)
            ON CONFLICT (counter, window_start) DO UPDATE SET count = claw_rate_counters.count + excluded.count
            RETURNING count
            """,
            [.text(counter), .integer(Self.windowStart(now, length: window)), SQLValue(amount)])
        return Int(try rows.first?.integer(0) ?? 0)
    }

    /// Adds one if the window's count is below `limit`, atomically.
    /// - Returns: Whether the event was admitted (and counted).
    public func admit(_ counter: String, limit: Int, window: Int, now: Date) async throws(StorageError) -> Bool {
        guard !counter.isEmpty, counter.utf8.count <= 512 else { throw StorageError(.invalidValue, "a counter name is 1 to 512 bytes") }
        guard limit > 0 else { return false }
        let rows = try await driver.query(
            """
            INSERT INTO claw_rate_counters (counter, window_start, count) VALUES (?, ?, 1)
            ON CONFLICT (counter, window_start) DO UPDATE SET count = claw_rate_counters.count + 1
            WHERE claw_rate_counters.count < ?
            RETURNING count
            """,
            [.text(counter), .integer(Self.windowStart(now, length: window)), SQLValue(limit)])
        return !rows.isEmpty
    }

    /// The current window's count.
    public func count(_ counter: String, window: Int, now: Date) async throws(StorageError) -> Int {
        let rows = try await driver.query(
            "SELECT count FROM claw_rate_counters WHERE counter = ? AND window_start = ?",
            [.text(counter), .integer(Self.windowStart(now, length: window))])
        return Int(try rows.first?.integer(0) ?? 0)
    }

    /// Deletes windows that started before `date`.
    /// - Returns: How many were deleted.
    @discardableResult
    public func purge(before date: Date) async throws(StorageError) -> Int {
        try await driver.query(
            "DELETE FROM claw_rate_counters WHERE window_start < ? RETURNING counter",
            [.integer(Int64(date.timeIntervalSince1970.rounded(.down)))]).count
    }
}
