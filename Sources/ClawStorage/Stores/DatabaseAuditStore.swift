/// The audit chain in the database: one row per entry (its JSON line), append-only.
///
/// A trigger refuses updates, and deletes of anything at or after the pruning anchor, so even a bug in
/// Claw cannot rewrite history through this store. Several processes may append to the same chain: the
/// sequence number is the primary key, so a lost race surfaces as ``ClawSecurityError/Code/auditConflict``
/// and ``AuditLog`` links its entry to the new tail.
public struct DatabaseAuditStore: TransactionalAuditStore {
    let driver: any SQLDriver
    let clock: WallClock

    /// Appends one entry in its own committed transaction.
    public func append(_ entry: AuditEntry) async throws(ClawSecurityError) {
        try await guarded { () async throws(StorageError) in
            try await driver.execute(
                "INSERT INTO claw_audit_entries (sequence, recorded_at, line) VALUES (?, ?, ?)",
                [.integer(Int64(entry.sequence)), SQLValue(entry.timestamp), .text(entry.jsonLine)])
        }
    }

    /// Appends an entry and its checkpoint in one transaction: one commit.
    public func append(_ entry: AuditEntry, checkpoint: AuditCheckpoint?) async throws(ClawSecurityError) {
        var statements = [SQLStatement(
            "INSERT INTO claw_audit_entries (sequence, recorded_at, line) VALUES (?, ?, ?)",
            [.integer(Int64(entry.sequence)), SQLValue(entry.timestamp), .text(entry.jsonLine)])]
        if let checkpoint { statements.append(Self.saveMarker("checkpoint", checkpoint)) }
        try await guarded { () async throws(StorageError) in _ = try await driver.transaction(statements) }
    }

    /// Every entry, oldest first.
    public func entries() async throws(ClawSecurityError) -> [AuditEntry] {
        let rows = try await guarded { () async throws(StorageError) -> [SQLRow] in try await driver.query("SELECT line FROM claw_audit_entries ORDER BY sequence") }
        return try Self.decode(rows)
    }

    /// The newest entry.
    public func lastEntry() async throws(ClawSecurityError) -> AuditEntry? {
        let rows = try await guarded { () async throws(StorageError) -> [SQLRow] in try await driver.query("SELECT line FROM claw_audit_entries ORDER BY sequence DESC LIMIT 1") }
        return try Self.decode(rows).first
    }

    /// Records the anchor, then deletes the entries before it, in one transaction.
    public func replace(with entries: [AuditEntry], anchor: AuditAnchor) async throws(ClawSecurityError) {
        try await guarded { () async throws(StorageError) in
            _ = try await driver.transaction([
                Self.saveMarker("anchor", anchor),
                SQLStatement("DELETE FROM claw_audit_entries WHERE sequence < ?", [.integer(Int64(anchor.sequence))]),
            ])
        }
    }

    /// The pruning anchor.
    public func anchor() async throws(ClawSecurityError) -> AuditAnchor? { try await marker("anchor") }

    /// Saves a checkpoint; an older one never replaces a newer one (several writers may race).
    public func saveCheckpoint(_ checkpoint: AuditCheckpoint) async throws(ClawSecurityError) {
        try await guarded { () async throws(StorageError) in _ = try await driver.query(Self.saveMarker("checkpoint", checkpoint)) }
    }

    /// The checkpoint.
    public func checkpoint() async throws(ClawSecurityError) -> AuditCheckpoint? { try await marker("checkpoint") }

    private func marker(_ kind: String) async throws(ClawSecurityError) -> AuditCheckpoint? {
        let rows = try await guarded { () async throws(StorageError) -> [SQLRow] in try await driver.query("SELECT line FROM claw_audit_markers WHERE kind = ?", [.text(kind)]) }
        guard let row = rows.first else { return nil }
        guard let line = row.optionalText(0) else { throw ClawSecurityError(.auditTampered, "the stored \(kind) is not text") }
        return try AuditCheckpoint(jsonLine: line)
    }

    static func saveMarker(_ kind: String, _ marker: AuditCheckpoint) -> SQLStatement {
        SQLStatement(
            """
            INSERT INTO claw_audit_markers (kind, sequence, line) VALUES (?, ?, ?)
            ON CONFLICT (kind) DO UPDATE SET sequence = excluded.sequence, line = excluded.line
            WHERE claw_audit_markers.sequence <= excluded.sequence
            """,
            [.text(kind), .integer(Int64(marker.sequence)), .text(marker.jsonLine)])
    }

    static func decode(_ rows: [SQLRow]) throws(ClawSecurityError) -> [AuditEntry] {
        var entries = [AuditEntry]()
        entries.reserveCapacity(rows.count)
        for (index, row) in rows.enumerated() {
            guard let line = row.optionalText(0) else { throw ClawSecurityError(.auditTampered, "row \(index + 1) is not text") }
            do {
                entries.append(try AuditEntry(jsonLine: line))
            } catch {
                throw ClawSecurityError(.auditTampered, "row \(index + 1): \(error.reason)")
            }
        }
        return entries
    }

    private func guarded<T>(_ body: () async throws(StorageError) -> T) async throws(ClawSecurityError) -> T {
        do {
            return try await body()
        } catch {
            throw ClawSecurityError(error.code == .conflict ? .auditConflict : .auditStorage, error.reason)
        }
    }
}
