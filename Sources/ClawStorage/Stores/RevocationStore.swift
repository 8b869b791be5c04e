import Foundation

/// Revoked capability-token ids (such as MCP bearer tokens). A revocation is announced on the
/// `claw_revocations` channel so every node's ``RevocationList`` drops the token at once.
public struct RevocationStore: Sendable {
    let driver: any SQLDriver
    let clock: WallClock

    static let channel = "claw_revocations"

    /// Revokes a token id.
    /// - Parameters:
    ///   - id: The token's identifier.
    ///   - note: Why (recorded; must hold no secret).
    /// - Returns: `false` when it was already revoked.
    @discardableResult
    public func revoke(_ id: String, note: String = "") async throws(StorageError) -> Bool {
        guard !id.isEmpty, id.utf8.count <= 256 else { throw StorageError(.invalidValue, "a token id is 1 to 256 bytes") }
        let rows = try await driver.query(
            "INSERT INTO claw_revoked_tokens (id, revoked_at, note) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING id",
            [.text(id), SQLValue(clock.now()), .text(String(note.prefix(256)))])
        try await driver.notify(Self.channel)
        return !rows.isEmpty
    }

    /// Whether a token id is revoked.
    public func isRevoked(_ id: String) async throws(StorageError) -> Bool {
        !(try await driver.query("SELECT id FROM claw_revoked_tokens WHERE id = ?", [.text(id)])).isEmpty
    }

    /// Every revoked id.
    public func all() async throws(StorageError) -> Set<String> {
        var ids = Set<String>()
        for row in try await driver.query("SELECT id FROM claw_revoked_tokens") { ids.insert(try row.text(0)) }
        return ids
    }
}
