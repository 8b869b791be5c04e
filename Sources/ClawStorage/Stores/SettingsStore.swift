import Foundation

/// One setting as listed: sensitive values are never included.
public struct StoredSetting: Sendable, Hashable {
    /// The name.
    public let name: String
    /// The value, or `nil` when it is sensitive.
    public let value: String?
    /// Whether the value is sealed.
    public let isSensitive: Bool
    /// When it was last written.
    public let updatedAt: Date

    /// The value as shown to people: sensitive values as `[redacted]`.
    public var displayValue: String { value ?? "[redacted]" }
}

/// Settings in the database. Sensitive values are sealed with ``SecretBox`` under the setting's name, so a
/// value copied to another name does not open; reading one in plaintext is ``reveal(_:purpose:audit:)``,
/// which writes an audit entry first and refuses when it cannot.
public struct SettingsStore: Sendable {
    let driver: any SQLDriver
    let box: SecretBox
    let clock: WallClock

    /// Writes a value; a sensitive key's value is sealed first.
    /// - Throws: ``StorageError/Code/secret`` when sealing fails or when a setting stored as sensitive would
    ///   be overwritten by a non-sensitive key; ``StorageError/Code/unavailable``.
    public func set(_ value: String, for key: SettingKey) async throws(StorageError) {
        let stored: String
        if key.isSensitive {
            do {
                stored = try box.seal(value, name: key.name)
            } catch {
                throw StorageError(.secret, "cannot seal \(key.name): \(error.code)")
            }
        } else {
            stored = value
        }
        // A value stored as sensitive is never overwritten in the clear (fail closed on a downgrade).
        let written = try await driver.query(
            """
            INSERT INTO claw_settings (name, value, sensitive, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (name) DO UPDATE SET value = excluded.value, sensitive = excluded.sensitive,
                updated_at = excluded.updated_at
            WHERE claw_settings.sensitive <= excluded.sensitive
            RETURNING name
            """,
            [.text(key.name), .text(stored), SQLValue(key.isSensitive), SQLValue(clock.now())])
        guard !written.isEmpty else {
            throw StorageError(.secret, "\(key.name) is stored as sensitive: set it with a sensitive key, or delete it first")
        }
    }

    /// A setting as listed (redacted when sensitive), or `nil`.
    public func setting(_ name: String) async throws(StorageError) -> StoredSetting? {
        try Self.listed(try await driver.query(
            "SELECT name, value, sensitive, updated_at FROM claw_settings WHERE name = ?", [.text(name)])).first
    }

    /// Every setting, by name, sensitive values redacted.
    public func all() async throws(StorageError) -> [StoredSetting] {
        try Self.listed(try await driver.query("SELECT name, value, sensitive, updated_at FROM claw_settings ORDER BY name"))
    }

    /// A non-sensitive value.
    /// - Throws: ``StorageError/Code/secret`` when the setting is sensitive: use ``reveal(_:purpose:audit:)``.
    public func value(for key: SettingKey) async throws(StorageError) -> String? {
        guard let row = try await row(key.name) else { return nil }
        guard !key.isSensitive, try row.integer(2) == 0 else {
            throw StorageError(.secret, "\(key.name) is sensitive: read it with reveal, which is audited")
        }
        return try row.text(1)
    }

    /// Opens a sensitive value, after recording who asked and why in the audit log.
    /// - Parameters:
    ///   - key: The setting.
    ///   - purpose: Why it is needed (recorded; must hold no secret), such as `telegram gateway start`.
    ///   - audit: The log; when the entry cannot be written the value is not returned.
    /// - Returns: The plaintext, or `nil` when the setting is absent.
    /// - Throws: ``StorageError/Code/secret`` when the value does not open (wrong key, moved or altered).
    public func reveal(_ key: SettingKey, purpose: String, audit: AuditLog) async throws(StorageError) -> String? {
        guard let row = try await row(key.name) else { return nil }
        do {
            try await audit.record(
                event: "setting.revealed", outcome: "allow", reason: purpose,
                context: .object(["setting": .string(key.name)]))
        } catch {
            throw StorageError(.secret, "the audit log cannot be written, so \(key.name) stays sealed: \(error.code)")
        }
        let stored = try row.text(1)
        do {
            return try box.openString(stored, name: key.name)
        } catch {
            throw StorageError(.secret, "\(key.name) does not open: \(error.code)")
        }
    }

    /// Deletes a setting.
    /// - Returns: Whether it existed.
    @discardableResult
    public func delete(_ name: String) async throws(StorageError) -> Bool {
        !(try await driver.query("DELETE FROM claw_settings WHERE name = ? RETURNING name", [.text(name)])).isEmpty
    }

    private func row(_ name: String) async throws(StorageError) -> SQLRow? {
        try await driver.query("SELECT name, value, sensitive, updated_at FROM claw_settings WHERE name = ?", [.text(name)]).first
    }

    static func listed(_ rows: [SQLRow]) throws(StorageError) -> [StoredSetting] {
        var result = [StoredSetting]()
        for row in rows {
            let sensitive = try row.integer(2) != 0
            result.append(StoredSetting(
                name: try row.text(0), value: sensitive ? nil : try row.text(1), isSensitive: sensitive,
                updatedAt: try row.date(3)))
        }
        return result
    }
}
