import Foundation
import Logging

/// Claw's persistent state on one database, SQLite or PostgreSQL, and the stores over it.
///
/// ```swift
/// let database = try await ClawDatabase.open(try DatabaseLocation.fromEnvironment())
/// let settings = database.settings(keyRing: try KeyRing.fromEnvironment())
/// try await settings.set("123:abc", for: .telegramBotToken)   // sealed, shown redacted
/// ```
///
/// Opening migrates the schema to the newest version this build knows (never destructively) and refuses a
/// database whose schema is newer. Every store works the same on both backends; one contract test suite
/// runs against each.
public final class ClawDatabase: Sendable {
    /// Where the state lives.
    public let location: DatabaseLocation
    /// The time source for timestamps, expiry and rate windows.
    public let clock: WallClock
    let driver: any SQLDriver

    init(location: DatabaseLocation, driver: any SQLDriver, clock: WallClock) {
        self.location = location
        self.driver = driver
        self.clock = clock
    }

    /// Opens (creating and migrating when needed) the database at a location.
    /// - Parameters:
    ///   - location: An SQLite file or a PostgreSQL server.
    ///   - clock: The time source.
    ///   - logger: Where the PostgreSQL pool logs (it never logs passwords).
    /// - Throws: ``StorageError/Code/unavailable`` when it cannot be reached or opened,
    ///   ``StorageError/Code/migration`` when its schema cannot be brought up to date.
    public static func open(
        _ location: DatabaseLocation, clock: WallClock = .system, logger: Logger = Logger(label: "claw.storage")
    ) async throws(StorageError) -> ClawDatabase {
        let driver: any SQLDriver
        switch location {
        case .sqlite(let path):
            try prepareFolder(for: path)
            driver = try SQLiteDriver(path: path)
            restrictFiles(of: path)
        case .postgres(let postgres):
            let postgresDriver = try PostgresDriver(location: postgres, logger: logger)
            do {
                try await postgresDriver.probe()
            } catch {
                await postgresDriver.close()
                throw error
            }
            driver = postgresDriver
        }
        do {
            try await Schema.migrate(driver, now: SQLValue(clock.now()).integer!)
        } catch {
            await driver.close()
            throw error
        }
        // The WAL and shared-memory files exist once the first write went through.
        if case .sqlite(let path) = location { restrictFiles(of: path) }
        return ClawDatabase(location: location, driver: driver, clock: clock)
    }

    /// The schema version applied.
    public func schemaVersion() async throws(StorageError) -> Int { try await Schema.version(driver) }

    /// The newest schema version this build knows.
    public static var latestSchemaVersion: Int { Schema.latestVersion }

    /// Closes the connections. Stores obtained from this database stop working.
    public func close() async { await driver.close() }

    /// How many rows each Claw table holds (for `claw restore`'s emptiness check and diagnostics).
    public func rowCounts() async throws(StorageError) -> [String: Int] {
        let statements = Schema.tables.map { SQLStatement("SELECT COUNT(*) FROM \($0)") }
        let results = try await driver.snapshot(statements)
        var counts = [String: Int]()
        for (table, rows) in zip(Schema.tables, results) { counts[table] = Int(try rows.first?.integer(0) ?? 0) }
        return counts
    }

    /// Whether every Claw table is empty.
    public func isEmpty() async throws(StorageError) -> Bool { try await rowCounts().values.allSatisfy { $0 == 0 } }

    // MARK: Stores

    /// The audit chain's store (append-only; pruning may only remove entries older than the anchor).
    public var audit: DatabaseAuditStore { DatabaseAuditStore(driver: driver, clock: clock) }
    /// Policy rules.
    public var policies: PolicyStore { PolicyStore(driver: driver, clock: clock) }
    /// Settings, with sensitive values sealed under the key ring.
    public func settings(keyRing: KeyRing) -> SettingsStore { SettingsStore(driver: driver, box: SecretBox(keyRing: keyRing), clock: clock) }
    /// Two-factor enrolment and replay state.
    public func twoFactor(keyRing: KeyRing) -> TwoFactorStore { TwoFactorStore(driver: driver, box: SecretBox(keyRing: keyRing), clock: clock) }
    /// Workflow definitions.
    public var workflows: WorkflowStore { WorkflowStore(driver: driver, clock: clock) }
    /// Workflow run records (the executor's `RunStore`).
    public var runs: DatabaseRunStore { DatabaseRunStore(driver: driver) }
    /// Skill registry metadata with checksums.
    public var skills: SkillMetadataStore { SkillMetadataStore(driver: driver, clock: clock) }
    /// Persistent rate-limit counters.
    public var rateCounters: RateCounterStore { RateCounterStore(driver: driver) }
    /// Revoked capability-token ids.
    public var revocations: RevocationStore { RevocationStore(driver: driver, clock: clock) }
    /// Key/value memory and notes for core skills.
    public var memory: MemoryStore { MemoryStore(driver: driver, clock: clock) }

    // MARK: Files

    static func prepareFolder(for path: String) throws(StorageError) {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw StorageError(.invalidLocation, "\(folder) is not a folder") }
            return
        }
        do {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StorageError(.unavailable, "cannot create the state folder \(folder)")
        }
    }

    /// The database and its WAL files hold sealed secrets and the audit chain: owner-only.
    static func restrictFiles(of path: String) {
        for suffix in ["", "-wal", "-shm"] { chmod(path + suffix, 0o600) }
    }
}
