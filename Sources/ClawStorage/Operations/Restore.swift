import Foundation
import GRDB

extension Backup {
    /// Restores a backup into an empty database of the same kind (every Claw table empty), then brings the
    /// schema up to date.
    /// - Returns: The row count of every table after the restore.
    /// - Throws: ``StorageError/Code/restore`` when the database is not empty, the file is not a Claw backup
    ///   of this kind, its schema is newer than this build, or it is truncated or corrupt (nothing is kept
    ///   from a failed PostgreSQL restore; SQLite restores are checked before they touch the database).
    public static func restore(_ file: URL, into database: ClawDatabase) async throws(StorageError) -> [String: Int] {
        guard FileManager.default.isReadableFile(atPath: file.path) else { throw StorageError(.restore, "cannot read \(file.path)") }
        let counts = try await database.rowCounts()
        if let table = counts.first(where: { $0.value > 0 })?.key {
            throw StorageError(.restore, "the database is not empty (\(table) has \(counts[table]!) rows): restore into an empty database")
        }
        let fd = open(file.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StorageError(.restore, "cannot open \(file.lastPathComponent) (errno \(errno))") }
        defer { close(fd) }
        let gzip = try GzipReader(fd: fd)
        switch database.location {
        case .sqlite(let path):
            try await restoreSQLite(gzip, into: database, path: path)
        case .postgres(let location):
            try restorePostgres(gzip, into: location)
        }
        try await Schema.migrate(database.driver, now: SQLValue(database.clock.now()).integer!)
        return try await database.rowCounts()
    }

    static func restoreSQLite(_ gzip: GzipReader, into database: ClawDatabase, path: String) async throws(StorageError) {
        guard let driver = database.driver as? SQLiteDriver else { throw StorageError(.restore, "not an SQLite database") }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        let copy = folder.appendingPathComponent(".claw-restore-\(UUID().uuidString).sqlite")
        defer { for suffix in ["", "-wal", "-shm", "-journal"] { unlink(copy.path + suffix) } }
        let out = open(copy.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard out >= 0 else { throw StorageError(.restore, "cannot create a temporary file (errno \(errno))") }
        var first = true
        do throws(StorageError) {
            while let chunk = try gzip.read() {
                if first {
                    guard chunk.starts(with: Array("SQLite format 3\0".utf8)) else {
                        throw StorageError(.restore, "the file is not an SQLite backup (a PostgreSQL backup restores only into PostgreSQL)")
                    }
                    first = false
                }
                try FileIO.writeAll(out, chunk)
            }
        } catch {
            close(out)
            throw StorageError(.restore, error.reason)
        }
        guard fsync(out) == 0 else {
            close(out)
            throw StorageError(.restore, "cannot sync the temporary copy")
        }
        close(out)
        guard !first else { throw StorageError(.restore, "the backup is empty") }
        do {
            let source = try DatabaseQueue(path: copy.path)
            defer { try? source.close() }
            let check = try await source.read { db -> (String, Int) in
                let integrity = try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "?"
                let version = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(version), 0) FROM claw_schema_migrations") ?? 0
                return (integrity, version)
            }
            guard check.0 == "ok" else { throw StorageError(.restore, "the backup fails SQLite's integrity check") }
            guard check.1 >= 1 else { throw StorageError(.restore, "the file is not a Claw backup") }
            guard check.1 <= Schema.latestVersion else {
                throw StorageError(.restore, "the backup has schema version \(check.1), newer than this build's \(Schema.latestVersion): upgrade Claw")
            }
            try source.backup(to: driver.pool)
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError(.restore, "the SQLite restore failed: \(SQLiteDriver.describe(error))")
        }
        ClawDatabase.restrictFiles(of: path)
    }

    static func restorePostgres(_ gzip: GzipReader, into location: PostgresLocation) throws(StorageError) {
        // The header names the schema version the rows belong to.
        var pending = [UInt8]()
        while !pending.contains(0x0A) {
            guard let chunk = try gzip.read() else { throw StorageError(.restore, "the backup is empty") }
            pending += chunk
        }
        let newline = pending.firstIndex(of: 0x0A)!
        let header = String(decoding: pending[..<newline], as: UTF8.self)
        guard header.hasPrefix(headerPrefix), let version = Int(header.dropFirst(headerPrefix.count)) else {
            throw StorageError(.restore, "the file is not a PostgreSQL Claw backup (an SQLite backup restores only into SQLite)")
        }
        guard version <= Schema.latestVersion else {
            throw StorageError(.restore, "the backup has schema version \(version), newer than this build's \(Schema.latestVersion): upgrade Claw")
        }
        // Decompress the whole file first: psql must never see the clean end of a truncated stream, or
        // its --single-transaction would commit half a backup.
        let plain = FileManager.default.temporaryDirectory.appendingPathComponent("claw-restore-\(UUID().uuidString).sql")
        let out = open(plain.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard out >= 0 else { throw StorageError(.restore, "cannot create a temporary file (errno \(errno))") }
        defer { unlink(plain.path) }
        do throws(StorageError) {
            try FileIO.writeAll(out, Array(pending[(newline + 1)...]))
            while let chunk = try gzip.read() { try FileIO.writeAll(out, chunk) }
        } catch {
            close(out)
            throw StorageError(.restore, error.reason)
        }
        close(out)
        let tool = try ExternalTool.find("psql")
        let (connection, environment) = ExternalTool.connection(location)
        do {
            try tool.run(
                ["--no-psqlrc", "--quiet", "--single-transaction", "--set", "ON_ERROR_STOP=1", "--file", plain.path] + connection,
                environment: environment)
        } catch {
            throw StorageError(.restore, error.reason)
        }
    }
}
