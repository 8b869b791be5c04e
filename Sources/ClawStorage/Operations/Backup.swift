import Foundation
import GRDB

/// Consistent, compressed, owner-only backups of a Claw database, with rotation, and restores into an
/// empty database.
///
/// - SQLite: a snapshot through SQLite's online backup API (writers keep writing), then gzip.
/// - PostgreSQL: `pg_dump` of Claw's tables (their rows, in one repeatable-read snapshot), then gzip; the
///   schema comes from Claw's migrations when restoring, so a backup restores into any schema version at
///   or above its own.
///
/// Files are named `claw-<UTC time>-v<schema>.<sqlite|pgsql>.gz`, created with mode 0600, written to a
/// temporary name, synced and renamed, so a crash never leaves a truncated file under a backup's name.
public enum Backup {
    /// What ``create(of:in:keep:now:)`` wrote and removed.
    public struct Result: Sendable, Hashable {
        /// The new backup.
        public let file: URL
        /// Its size in bytes.
        public let bytes: Int
        /// Older backups removed by rotation.
        public let removed: [URL]
    }

    /// The default number of backups kept.
    public static let defaultKeep = 7

    /// Writes a backup into a folder (created 0700 when missing) and keeps the newest `keep`.
    /// - Throws: ``StorageError/Code/backup`` when the folder is readable or writable by others, or a write
    ///   fails (nothing partial is left under a backup's name).
    public static func create(of database: ClawDatabase, in folder: URL, keep: Int = defaultKeep, now: Date = Date()) async throws(StorageError) -> Result {
        guard keep >= 1 else { throw StorageError(.backup, "--keep must be at least 1") }
        try prepare(folder)
        let version = try await database.schemaVersion()
        let kind: String
        switch database.location {
        case .sqlite: kind = "sqlite"
        case .postgres: kind = "pgsql"
        }
        let name = "claw-\(timestamp(now))-v\(version).\(kind).gz"
        let target = folder.appendingPathComponent(name)
        let partial = folder.appendingPathComponent(".\(name).partial")
        let fd = open(partial.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StorageError(.backup, "cannot create \(partial.lastPathComponent) (errno \(errno))") }
        var closed = false
        defer {
            if !closed { close(fd) }
            unlink(partial.path)
        }
        let gzip = try GzipWriter(fd: fd)
        switch database.location {
        case .sqlite:
            try await sqliteSnapshot(database, into: gzip, folder: folder)
        case .postgres(let location):
            try postgresDump(location, into: gzip, version: version)
        }
        try gzip.finish()
        guard fsync(fd) == 0 else { throw StorageError(.backup, "cannot sync the backup (errno \(errno))") }
        close(fd)
        closed = true
        guard rename(partial.path, target.path) == 0 else { throw StorageError(.backup, "cannot rename the backup into place (errno \(errno))") }
        syncFolder(folder)
        let bytes = ((try? FileManager.default.attributesOfItem(atPath: target.path))?[.size] as? Int) ?? 0
        let removed = try rotate(folder, keep: keep)
        return Result(file: target, bytes: bytes, removed: removed)
    }

    /// The backups in a folder, oldest first.
    public static func list(in folder: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter(isBackupName).sorted().map { folder.appendingPathComponent($0) }
    }

    static func isBackupName(_ name: String) -> Bool {
        name.hasPrefix("claw-") && (name.hasSuffix(".sqlite.gz") || name.hasSuffix(".pgsql.gz")) && !name.hasPrefix(".")
    }

    static func timestamp(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let seconds = ms / 1000
        let text = RFC3339.format(Date(timeIntervalSince1970: TimeInterval(seconds)))  // YYYY-MM-DDTHH:MM:SSZ
        let digits = text.filter { $0.isNumber }
        let millis = String(ms % 1000)
        return String(digits.prefix(8)) + "T" + String(digits.dropFirst(8)) + String(repeating: "0", count: 3 - millis.count) + millis + "Z"
    }

    static func prepare(_ folder: URL) throws(StorageError) {
        var info = stat()
        if stat(folder.path, &info) != 0 {
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw StorageError(.backup, "cannot create the backup folder \(folder.path)")
            }
            return
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { throw StorageError(.backup, "\(folder.path) is not a folder") }
        guard info.st_mode & 0o006 == 0 else {
            throw StorageError(
                .backup,
                "refusing \(folder.path): it is readable or writable by every user (mode \(String(info.st_mode & 0o777, radix: 8))); chmod 700 it")
        }
    }

    static func rotate(_ folder: URL, keep: Int) throws(StorageError) -> [URL] {
        let backups = list(in: folder)
        guard backups.count > keep else { return [] }
        let old = Array(backups.prefix(backups.count - keep))
        for file in old where unlink(file.path) != 0 {
            throw StorageError(.backup, "cannot remove the old backup \(file.lastPathComponent) (errno \(errno))")
        }
        return old
    }

    static func syncFolder(_ folder: URL) {
        let fd = open(folder.path, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }

    // MARK: SQLite

    static func sqliteSnapshot(_ database: ClawDatabase, into gzip: GzipWriter, folder: URL) async throws(StorageError) {
        guard let driver = database.driver as? SQLiteDriver else { throw StorageError(.backup, "not an SQLite database") }
        let copy = folder.appendingPathComponent(".claw-snapshot-\(UUID().uuidString).sqlite")
        defer { for suffix in ["", "-wal", "-shm", "-journal"] { unlink(copy.path + suffix) } }
        do {
            let fd = open(copy.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw StorageError(.backup, "cannot create a snapshot file (errno \(errno))") }
            close(fd)
            let destination = try DatabaseQueue(path: copy.path)
            try driver.pool.backup(to: destination)
            try destination.close()
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError(.backup, "the SQLite backup failed: \(SQLiteDriver.describe(error))")
        }
        let fd = open(copy.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StorageError(.backup, "cannot read the snapshot (errno \(errno))") }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 256 << 10)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n >= 0 else { throw StorageError(.backup, "cannot read the snapshot (errno \(errno))") }
            if n == 0 { break }
            try FileIO.gzipWrite(gzip, Array(buffer[..<n]))
        }
    }

    // MARK: PostgreSQL

    static let headerPrefix = "-- claw backup: postgres schema "

    static func postgresDump(_ location: PostgresLocation, into gzip: GzipWriter, version: Int) throws(StorageError) {
        let tool = try ExternalTool.find("pg_dump")
        let (connection, environment) = ExternalTool.connection(location)
        try FileIO.gzipWrite(gzip, Array("\(headerPrefix)\(version)\n".utf8))
        var arguments = ["--data-only", "--no-owner", "--no-privileges", "--table=public.claw_*", "--exclude-table=public.claw_schema_migrations"]
        arguments += connection
        try tool.run(arguments, environment: environment, consume: { (chunk: Data) throws(StorageError) in
            try FileIO.gzipWrite(gzip, Array(chunk))
        })
    }
}

extension FileIO {
    static func gzipWrite(_ gzip: GzipWriter, _ bytes: [UInt8]) throws(StorageError) {
        let result: Swift.Result<Void, StorageError> = bytes.withUnsafeBytes { raw in
            do throws(StorageError) {
                try gzip.write(raw)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }
}
