/// The versioned schema. Migrations only add (tables, columns, indexes, triggers); none drops or rewrites
/// data. Each runs once, in one transaction with its version row, so two processes starting together
/// cannot both apply it.
enum Schema {
    /// One version's statements for each dialect.
    struct Migration: Sendable {
        let version: Int
        let sqlite: [String]
        let postgres: [String]

        func statements(for dialect: SQLDialect) -> [String] { dialect == .sqlite ? sqlite : postgres }
    }

    /// The newest version this build knows.
    static var latestVersion: Int { migrations.last!.version }

    /// Every table Claw owns, in an order that restores cleanly.
    static let tables = [
        "claw_settings", "claw_policies", "claw_audit_markers", "claw_audit_entries", "claw_two_factor", "claw_workflows",
        "claw_runs", "claw_skills", "claw_rate_counters", "claw_memory_values", "claw_memory_notes", "claw_revoked_tokens",
    ]

    static let versionTable = "CREATE TABLE IF NOT EXISTS claw_schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)"

    static let migrations: [Migration] = [
        Migration(
            version: 1,
            sqlite: common(integer: "INTEGER", serial: "INTEGER PRIMARY KEY AUTOINCREMENT") + [
                """
                CREATE TRIGGER IF NOT EXISTS claw_audit_no_update BEFORE UPDATE ON claw_audit_entries
                BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END
                """,
                """
                CREATE TRIGGER IF NOT EXISTS claw_audit_no_delete BEFORE DELETE ON claw_audit_entries
                WHEN OLD.sequence >= COALESCE((SELECT sequence FROM claw_audit_markers WHERE kind = 'anchor'), 0)
                BEGIN SELECT RAISE(ABORT, 'only audit entries older than the pruning anchor can be deleted'); END
                """,
            ],
            postgres: common(integer: "BIGINT", serial: "BIGSERIAL PRIMARY KEY") + [
                """
                CREATE OR REPLACE FUNCTION claw_audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'UPDATE' THEN
                        RAISE EXCEPTION 'audit entries are append-only';
                    END IF;
                    IF OLD.sequence >= COALESCE((SELECT sequence FROM claw_audit_markers WHERE kind = 'anchor'), 0) THEN
                        RAISE EXCEPTION 'only audit entries older than the pruning anchor can be deleted';
                    END IF;
                    RETURN OLD;
                END
                $$
                """,
                """
                CREATE OR REPLACE TRIGGER claw_audit_guard BEFORE UPDATE OR DELETE ON claw_audit_entries
                FOR EACH ROW EXECUTE FUNCTION claw_audit_guard()
                """,
            ]),
        Migration(
            version: 2,
            sqlite: [
                "CREATE TABLE IF NOT EXISTS claw_revoked_tokens (id TEXT PRIMARY KEY, revoked_at INTEGER NOT NULL, note TEXT NOT NULL)"
            ],
            postgres: [
                "CREATE TABLE IF NOT EXISTS claw_revoked_tokens (id TEXT PRIMARY KEY, revoked_at BIGINT NOT NULL, note TEXT NOT NULL)"
            ]),
    ]

    private static func common(integer: String, serial: String) -> [String] {
        [
            """
            CREATE TABLE IF NOT EXISTS claw_settings (
                name TEXT PRIMARY KEY, value TEXT NOT NULL, sensitive \(integer) NOT NULL, updated_at \(integer) NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS claw_policies (
                id TEXT PRIMARY KEY, priority \(integer) NOT NULL, enabled \(integer) NOT NULL, rule TEXT NOT NULL,
                updated_at \(integer) NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS claw_audit_entries (
                sequence \(integer) PRIMARY KEY, recorded_at \(integer) NOT NULL, line TEXT NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS claw_audit_markers (
                kind TEXT PRIMARY KEY, sequence \(integer) NOT NULL, line TEXT NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS claw_two_factor (
                account TEXT PRIMARY KEY, secret TEXT NOT NULL, last_step \(integer) NOT NULL,
                failed_attempts \(integer) NOT NULL, enrolled_at \(integer) NOT NULL, updated_at \(integer) NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS claw_workflows (
                name TEXT PRIMARY KEY, enabled \(integer) NOT NULL, definition TEXT NOT NULL, updated_at \(integer) NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS claw_runs (
                id TEXT PRIMARY KEY, workflow TEXT NOT NULL, status TEXT NOT NULL, started_at \(integer) NOT NULL,
                record TEXT NOT NULL)
            """,
            "CREATE INDEX IF NOT EXISTS claw_runs_by_workflow ON claw_runs (workflow, started_at)",
            """
            CREATE TABLE IF NOT EXISTS claw_skills (
                name TEXT PRIMARY KEY, version TEXT NOT NULL, sha256 TEXT NOT NULL, source TEXT,
                registered_at \(integer) NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS claw_rate_counters (
                counter TEXT NOT NULL, window_start \(integer) NOT NULL, count \(integer) NOT NULL,
                PRIMARY KEY (counter, window_start))
            """,
            """
            CREATE TABLE IF NOT EXISTS claw_memory_values (
                key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at \(integer) NOT NULL)
            """,
            """
            CREATE TABLE IF NOT EXISTS claw_memory_notes (
                id \(serial), text TEXT NOT NULL, tags TEXT NOT NULL, created_at \(integer) NOT NULL)
            """,
        ]
    }

    /// Brings a database to ``latestVersion``.
    /// - Throws: ``StorageError/Code/migration`` when the database is newer than this build, or a step fails.
    static func migrate(_ driver: any SQLDriver, now: Int64) async throws(StorageError) {
        for attempt in 0..<3 {
            do {
                try await driver.execute(versionTable)
                break
            } catch where error.code == .conflict && attempt < 2 {
                continue  // Another process created it at the same moment.
            } catch {
                throw StorageError(.migration, "cannot create the migrations table: \(error.reason)")
            }
        }
        for attempt in 0..<3 {
            let current = try await version(driver)
            guard current <= latestVersion else {
                throw StorageError(
                    .migration, "the database is at schema version \(current), newer than this build's \(latestVersion): upgrade Claw")
            }
            let pending = migrations.filter { $0.version > current }
            if pending.isEmpty { return }
            for migration in pending {
                // The version row goes first: a second process applying the same version conflicts on it
                // and rolls back before touching anything.
                var statements = [SQLStatement("INSERT INTO claw_schema_migrations (version, applied_at) VALUES (?, ?)", [SQLValue(migration.version), .integer(now)])]
                statements += migration.statements(for: driver.dialect).map { SQLStatement($0) }
                do {
                    _ = try await driver.transaction(statements)
                } catch where error.code == .conflict && attempt < 2 {
                    break  // Someone else migrated: read the version again.
                } catch {
                    throw StorageError(.migration, "schema version \(migration.version) failed: \(error.reason)")
                }
            }
        }
    }

    /// The applied version, 0 for a new database.
    static func version(_ driver: any SQLDriver) async throws(StorageError) -> Int {
        let rows = try await driver.query("SELECT COALESCE(MAX(version), 0) FROM claw_schema_migrations")
        return Int(try rows.first?.integer(0) ?? 0)
    }
}
