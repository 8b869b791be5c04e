/// Workflow definitions in the database, validated on the way in and out. Every change is announced
/// (``changes()``), so MCP servers can tell their clients that the tool list changed.
public struct WorkflowStore: Sendable {
    let driver: any SQLDriver
    let clock: WallClock

    static let channel = "claw_workflows"

    /// Announcements of saved or deleted workflows (from any node on PostgreSQL), until cancelled.
    public func changes() -> AsyncStream<Void> { driver.changes(Self.channel) }

    /// Inserts or replaces a workflow (by name).
    public func save(_ workflow: Workflow) async throws(StorageError) {
        try await driver.execute(
            """
            INSERT INTO claw_workflows (name, enabled, definition, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (name) DO UPDATE SET enabled = excluded.enabled, definition = excluded.definition,
                updated_at = excluded.updated_at
            """,
            [.text(workflow.name), SQLValue(workflow.enabled), .text(workflow.json.canonicalText), SQLValue(clock.now())])
        try await driver.notify(Self.channel)
    }

    /// One workflow.
    public func workflow(named name: String) async throws(StorageError) -> Workflow? {
        try Self.decode(try await driver.query("SELECT definition FROM claw_workflows WHERE name = ?", [.text(name)])).first
    }

    /// Every workflow, by name.
    public func all() async throws(StorageError) -> [Workflow] {
        try Self.decode(try await driver.query("SELECT definition FROM claw_workflows ORDER BY name"))
    }

    /// The enabled workflows, by name.
    public func enabled() async throws(StorageError) -> [Workflow] {
        try Self.decode(try await driver.query("SELECT definition FROM claw_workflows WHERE enabled = 1 ORDER BY name"))
    }

    /// The enabled workflows that validate here (``Workflow/validate(registry:)`` without the skill checks), by
    /// name, and the names (with the first problem) of those that do not, such as a schedule in a time zone this
    /// machine's tz data lacks: one bad row does not hide the others.
    public func enabledValidating() async throws(StorageError) -> (workflows: [Workflow], invalid: [(name: String, reason: String)]) {
        let rows = try await driver.query("SELECT name, definition FROM claw_workflows WHERE enabled = 1 ORDER BY name")
        var workflows = [Workflow]()
        var invalid = [(name: String, reason: String)]()
        for row in rows {
            let name = try row.text(0)
            do {
                let workflow = try Workflow(json: try row.text(1))
                if let problem = workflow.validate(registry: nil).first {
                    invalid.append((name, problem))
                } else {
                    workflows.append(workflow)
                }
            } catch let error as WorkflowError {
                invalid.append((name, error.reason))
            } catch {
                invalid.append((name, "\(error)"))
            }
        }
        return (workflows, invalid)
    }

    /// Deletes a workflow.
    @discardableResult
    public func delete(named name: String) async throws(StorageError) -> Bool {
        let deleted = !(try await driver.query("DELETE FROM claw_workflows WHERE name = ? RETURNING name", [.text(name)])).isEmpty
        if deleted { try await driver.notify(Self.channel) }
        return deleted
    }

    static func decode(_ rows: [SQLRow]) throws(StorageError) -> [Workflow] {
        var result = [Workflow]()
        for row in rows {
            let text = try row.text(0)
            do {
                result.append(try Workflow(json: text))
            } catch {
                throw StorageError(.corrupt, "a stored workflow does not validate: \(error.reason)")
            }
        }
        return result
    }
}

/// Workflow run records in the database; the executor's ``RunStore``.
public struct DatabaseRunStore: RunStore {
    let driver: any SQLDriver

    /// Inserts or replaces a record.
    public func save(_ record: RunRecord) async throws {
        try await driver.execute(
            """
            INSERT INTO claw_runs (id, workflow, status, started_at, record) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, record = excluded.record
            """,
            [.text(record.id), .text(record.workflow), .text(record.status.rawValue), SQLValue(record.startedAt),
             .text(record.json.canonicalText)])
    }

    /// A record by id.
    public func run(id: String) async throws -> RunRecord? {
        try Self.decode(try await driver.query("SELECT record FROM claw_runs WHERE id = ?", [.text(id)])).first
    }

    /// A workflow's records, newest first.
    public func runs(workflow: String) async throws -> [RunRecord] {
        try Self.decode(try await driver.query(
            "SELECT record FROM claw_runs WHERE workflow = ? ORDER BY started_at DESC, id DESC", [.text(workflow)]))
    }

    /// The newest records of every workflow.
    public func recent(limit: Int = 50) async throws -> [RunRecord] {
        try Self.decode(try await driver.query(
            "SELECT record FROM claw_runs ORDER BY started_at DESC, id DESC LIMIT ?", [SQLValue(max(0, limit))]))
    }

    static func decode(_ rows: [SQLRow]) throws(StorageError) -> [RunRecord] {
        var result = [RunRecord]()
        for row in rows {
            let text = try row.text(0)
            do {
                result.append(try RunRecord(json: try JSONValue(parsing: text, limits: .init(maximumBytes: 64 << 20))))
            } catch let error as WorkflowError {
                throw StorageError(.corrupt, "a stored run record does not decode: \(error.reason)")
            } catch {
                throw StorageError(.corrupt, "a stored run record is not JSON")
            }
        }
        return result
    }
}
