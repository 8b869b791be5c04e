import Foundation

/// A note kept by the memory skill.
public struct MemoryNote: Sendable, Hashable {
    /// Its id, increasing.
    public let id: Int64
    /// The text.
    public let text: String
    /// Tags, for lookup.
    public let tags: [String]
    /// When it was written.
    public let createdAt: Date
}

/// A small memory for core skills: key/value pairs and timestamped notes. Values are untrusted text (the
/// skills that read them sanitize); sizes are bounded.
public struct MemoryStore: Sendable {
    let driver: any SQLDriver
    let clock: WallClock

    /// The largest value or note, in bytes: 64 KiB.
    public static let maximumValueBytes = 64 << 10

    /// Writes a value.
    public func set(_ value: String, for key: String) async throws(StorageError) {
        try Self.check(key: key)
        try Self.check(text: value)
        try await driver.execute(
            """
            INSERT INTO claw_memory_values (key, value, updated_at) VALUES (?, ?, ?)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
            """,
            [.text(key), .text(value), SQLValue(clock.now())])
    }

    /// Reads a value.
    public func value(for key: String) async throws(StorageError) -> String? {
        try await driver.query("SELECT value FROM claw_memory_values WHERE key = ?", [.text(key)]).first?.text(0)
    }

    /// Every key, sorted.
    public func keys() async throws(StorageError) -> [String] {
        var keys = [String]()
        for row in try await driver.query("SELECT key FROM claw_memory_values ORDER BY key") { keys.append(try row.text(0)) }
        return keys
    }

    /// Deletes a value.
    @discardableResult
    public func delete(key: String) async throws(StorageError) -> Bool {
        !(try await driver.query("DELETE FROM claw_memory_values WHERE key = ? RETURNING key", [.text(key)])).isEmpty
    }

    /// Adds a note.
    /// - Returns: The stored note.
    @discardableResult
    public func addNote(_ text: String, tags: [String] = []) async throws(StorageError) -> MemoryNote {
        try Self.check(text: text)
        for tag in tags { try Self.check(key: tag) }
        let now = clock.now()
        let rows = try await driver.query(
            "INSERT INTO claw_memory_notes (text, tags, created_at) VALUES (?, ?, ?) RETURNING id",
            [.text(text), .text(tags.joined(separator: ",")), SQLValue(now)])
        return MemoryNote(id: try rows.first?.integer(0) ?? 0, text: text, tags: tags, createdAt: Date(timeIntervalSince1970: Double(SQLValue(now).integer!) / 1000))
    }

    /// The newest notes first, optionally only those with a tag.
    public func notes(tag: String? = nil, limit: Int = 50) async throws(StorageError) -> [MemoryNote] {
        let rows = try await driver.query(
            "SELECT id, text, tags, created_at FROM claw_memory_notes ORDER BY id DESC", [])
        var notes = [MemoryNote]()
        for row in rows {
            let tags = try row.text(2).split(separator: ",").map(String.init)
            if let tag, !tags.contains(tag) { continue }
            notes.append(MemoryNote(id: try row.integer(0), text: try row.text(1), tags: tags, createdAt: try row.date(3)))
            if notes.count >= max(0, limit) { break }
        }
        return notes
    }

    /// Deletes a note.
    @discardableResult
    public func deleteNote(id: Int64) async throws(StorageError) -> Bool {
        !(try await driver.query("DELETE FROM claw_memory_notes WHERE id = ? RETURNING id", [.integer(id)])).isEmpty
    }

    static func check(key: String) throws(StorageError) {
        guard SettingKey.isValidName(key) else { throw StorageError(.invalidValue, "a memory key or tag is 1 to 128 of a-z, 0-9, '.', '_', '-'") }
    }

    static func check(text: String) throws(StorageError) {
        guard text.utf8.count <= maximumValueBytes else { throw StorageError(.invalidValue, "a memory value is at most 64 KiB") }
    }
}
