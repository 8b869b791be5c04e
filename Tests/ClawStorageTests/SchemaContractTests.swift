import Foundation
import Testing
import GRDB
@testable import ClawStorage

@Suite("Storage contract: schema and locations")
struct SchemaContractTests {
    @Test("Opening migrates to the latest version once; reopening changes nothing", arguments: Backend.allCases)
    func migrates(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database, test in
            #expect(try await database.schemaVersion() == ClawDatabase.latestSchemaVersion)
            #expect(try await database.isEmpty())
            let again = try await test.open()
            #expect(try await again.schemaVersion() == ClawDatabase.latestSchemaVersion)
            let versions = try await again.driver.query("SELECT COUNT(*) FROM claw_schema_migrations")
            #expect(try versions[0].integer(0) == Int64(ClawDatabase.latestSchemaVersion))
            await again.close()
        }
    }

    @Test("Processes opening a new database together migrate it once", arguments: Backend.allCases)
    func concurrentOpen(_ backend: Backend) async throws {
        try await TestDatabase.withLocation(backend) { test in
            let databases = try await withThrowingTaskGroup(of: ClawDatabase.self) { group in
                for _ in 0..<4 { group.addTask { try await test.open() } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for database in databases {
                #expect(try await database.schemaVersion() == ClawDatabase.latestSchemaVersion)
                await database.close()
            }
        }
    }

    @Test("A database whose schema is newer than this build is refused", arguments: Backend.allCases)
    func newerSchemaRefused(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database, test in
            try await database.driver.execute("INSERT INTO claw_schema_migrations (version, applied_at) VALUES (999, 0)")
            let error = await #expect(throws: StorageError.migration) { try await test.open() }
            #expect(error?.reason.contains("999") == true)
        }
    }

    @Test("Locations: CLAW_DATABASE_URL wins, CLAW_HOME places the SQLite file, bad URLs are named without the password")
    func locations() throws {
        #expect(try DatabaseLocation.fromEnvironment([:]) == .sqlite(path: URL(fileURLWithPath: ".claw/claw.sqlite").path))
        #expect(try DatabaseLocation.fromEnvironment(["CLAW_HOME": "/var/lib/claw"]) == .sqlite(path: "/var/lib/claw/claw.sqlite"))
        let parsed = try DatabaseLocation.fromEnvironment(["CLAW_DATABASE_URL": "postgres://u%40x:p%2Fw@db.example:6543/claw"])
        guard case .postgres(let location) = parsed else { Issue.record("not postgres"); return }
        #expect(location.username == "u@x")
        #expect(location.password == "p/w")
        #expect(location.port == 6543)
        #expect(location.tls == .require)
        #expect(!"\(location)".contains("p/w") && !"\(parsed)".contains("p%2Fw"))
        #expect(try PostgresLocation(url: "postgres://u:pw@127.0.0.1/claw").tls == .disable)
        for bad in ["mysql://u:secretpw@h/db", "postgres://u:secretpw@h/", "postgres://:secretpw@h/db", "postgres://u:secretpw@h/db?sslmode=allow", "nonsense"] {
            let error = #expect(throws: StorageError.invalidLocation) { try DatabaseLocation.parse(bad) }
            #expect(error?.reason.contains("secretpw") == false)
        }
    }

    @Test("The SQLite state folder is created owner-only and the file is 0600")
    func sqliteFileModes() async throws {
        try await TestDatabase.with(.sqlite) { _, test in
            guard case .sqlite(let path) = test.location else { return }
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            let folderMode = try FileManager.default.attributesOfItem(atPath: folder)[.posixPermissions] as? Int
            let fileMode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(folderMode == 0o700)
            #expect(fileMode == 0o600)
            for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
                #expect(try FileManager.default.attributesOfItem(atPath: path + suffix)[.posixPermissions] as? Int == 0o600, "\(suffix)")
            }
        }
    }

    @Test("An unreachable server is a clear error that does not repeat the password")
    func unreachable() async throws {
        // Port 1 on loopback: nothing listens there.
        let location = try DatabaseLocation.parse("postgres://claw:hunter2secret@127.0.0.1:1/claw")
        let error = await #expect(throws: StorageError.self) { try await ClawDatabase.open(location) }
        #expect(error?.code == .unavailable || error?.code == .migration)
        #expect(error.map { "\($0)" }?.contains("hunter2secret") == false)
    }
}

@Suite("SQLite durability")
struct SQLiteDurabilityTests {
    @Test("The writer commits with synchronous = FULL (GRDB's WAL set-up chooses NORMAL)")
    func synchronousFull() async throws {
        try await TestDatabase.with(.sqlite) { database, _ in
            let driver = try #require(database.driver as? SQLiteDriver)
            let level = try await driver.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
            #expect(level == 2, "2 is FULL")
        }
    }
}
