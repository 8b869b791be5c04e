/// Policy rules in the database, validated on the way in and on the way out.
///
/// Every change is announced on the `claw_policies` channel (PostgreSQL NOTIFY, or in-process for SQLite)
/// so a ``PolicySynchronizer`` on every node reloads within a second.
public struct PolicyStore: Sendable {
    let driver: any SQLDriver
    let clock: WallClock

    /// The notification channel.
    static let channel = "claw_policies"

    /// Inserts or replaces a rule (by id).
    /// - Throws: ``StorageError/Code/unavailable`` when the store cannot be written.
    public func save(_ rule: PolicyRule) async throws(StorageError) {
        try await save([rule])
    }

    /// Inserts or replaces several rules in one transaction.
    public func save(_ rules: [PolicyRule]) async throws(StorageError) {
        let now = SQLValue(clock.now())
        _ = try await driver.transaction(rules.map { rule in
            SQLStatement(
                """
                INSERT INTO claw_policies (id, priority, enabled, rule, updated_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET priority = excluded.priority, enabled = excluded.enabled,
                    rule = excluded.rule, updated_at = excluded.updated_at
                """,
                [.text(rule.id), SQLValue(rule.priority), SQLValue(rule.enabled), .text(rule.json.canonicalText), now])
        })
        try await driver.notify(Self.channel)
    }

    /// Adds rules from a policy file's JSON text (validated strictly first: nothing is written if one is bad).
    /// - Throws: ``StorageError/Code/invalidValue`` naming the rule and field.
    public func save(json text: String) async throws(StorageError) {
        let rules: [PolicyRule]
        do {
            rules = try PolicyRule.parseFile(text)
        } catch {
            throw StorageError(.invalidValue, error.reason)
        }
        try await save(rules)
    }

    /// Deletes a rule.
    /// - Returns: Whether it existed.
    @discardableResult
    public func delete(id: String) async throws(StorageError) -> Bool {
        let rows = try await driver.query("DELETE FROM claw_policies WHERE id = ? RETURNING id", [.text(id)])
        if !rows.isEmpty { try await driver.notify(Self.channel) }
        return !rows.isEmpty
    }

    /// One rule.
    public func rule(id: String) async throws(StorageError) -> PolicyRule? {
        try Self.decode(try await driver.query("SELECT rule FROM claw_policies WHERE id = ?", [.text(id)])).first
    }

    /// Every rule, by id.
    /// - Throws: ``StorageError/Code/corrupt`` when a stored rule no longer validates.
    public func rules() async throws(StorageError) -> [PolicyRule] {
        try Self.decode(try await driver.query("SELECT rule FROM claw_policies ORDER BY id"))
    }

    static func decode(_ rows: [SQLRow]) throws(StorageError) -> [PolicyRule] {
        var rules = [PolicyRule]()
        for row in rows {
            let text = try row.text(0)
            do {
                rules.append(try PolicyRule(json: try JSONValue(parsing: text)))
            } catch {
                throw StorageError(.corrupt, "a stored policy rule does not validate: \(error.reason)")
            }
        }
        return rules
    }
}
