import Foundation
import GRDB

/// The embedded backend: one SQLite file in WAL mode through a GRDB `DatabasePool` (one writer, concurrent
/// readers). Several processes may open the same file; writers wait for each other up to `busyTimeout`.
final class SQLiteDriver: SQLDriver {
    let dialect = SQLDialect.sqlite
    let pool: DatabasePool
    let path: String

    init(path: String, busyTimeout: TimeInterval = 10) throws(StorageError) {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "claw"
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            // Committed means on disk: a power cut loses nothing that returned. GRDB sets NORMAL on the writer
            // when it enables WAL (which survives a crashed process, not a crashed machine), so this comes after.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        } catch {
            throw StorageError(.unavailable, "cannot open the SQLite database \(URL(fileURLWithPath: path).lastPathComponent): \(Self.describe(error))")
        }
    }

    func query(_ statement: SQLStatement) async throws(StorageError) -> [SQLRow] {
        // A plain SELECT runs on a reader connection, so reads never queue behind writes (WAL).
        if Self.isRead(statement.sql) { return try await snapshot([statement])[0] }
        return try await transaction([statement])[0]
    }

    static func isRead(_ sql: String) -> Bool {
        let head = sql.utf8.drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x09 }.prefix(7)
        return head.count == 7 && String(decoding: head, as: UTF8.self).uppercased() == "SELECT "
    }

    func transaction(_ statements: [SQLStatement]) async throws(StorageError) -> [[SQLRow]] {
        do {
            return try await pool.write { db in try Self.run(statements, in: db) }
        } catch {
            throw Self.map(error)
        }
    }

    func snapshot(_ statements: [SQLStatement]) async throws(StorageError) -> [[SQLRow]] {
        do {
            return try await pool.read { db in try Self.run(statements, in: db) }
        } catch {
            throw Self.map(error)
        }
    }

    func notify(_ channel: String) async throws(StorageError) {
        ChangeBroadcaster.shared.announce(path + "#" + channel)
    }

    func changes(_ channel: String) -> AsyncStream<Void> {
        ChangeBroadcaster.shared.stream(path + "#" + channel)
    }

    func close() async {
        try? pool.close()
    }

    static func run(_ statements: [SQLStatement], in db: Database) throws -> [[SQLRow]] {
        var results = [[SQLRow]]()
        results.reserveCapacity(statements.count)
        for statement in statements {
            let arguments = StatementArguments(statement.arguments.map(Self.databaseValue))
            // Claw's statements are a small fixed set: compile each once per connection.
            let compiled = try db.cachedStatement(sql: statement.sql)
            let cursor = try Row.fetchCursor(compiled, arguments: arguments)
            var rows = [SQLRow]()
            while let row = try cursor.next() {
                rows.append(SQLRow(values: row.databaseValues.map(Self.sqlValue)))
            }
            if let expected = statement.expectedRows, rows.count != expected {
                throw ExpectationFailed(expected: expected, actual: rows.count)
            }
            results.append(rows)
        }
        return results
    }

    struct ExpectationFailed: Error {
        let expected: Int
        let actual: Int
    }

    static func databaseValue(_ value: SQLValue) -> DatabaseValue {
        switch value {
        case .null: .null
        case .integer(let v): v.databaseValue
        case .real(let v): v.databaseValue
        case .text(let v): v.databaseValue
        }
    }

    static func sqlValue(_ value: DatabaseValue) -> SQLValue {
        switch value.storage {
        case .null: .null
        case .int64(let v): .integer(v)
        case .double(let v): .real(v)
        case .string(let v): .text(v)
        case .blob: .text(value.description)
        }
    }

    static func map(_ error: any Error) -> StorageError {
        if let error = error as? StorageError { return error }
        if let failed = error as? ExpectationFailed {
            return StorageError(.conflict, "a precondition failed (\(failed.actual) rows where \(failed.expected) were expected); nothing was written")
        }
        if let error = error as? DatabaseError, error.resultCode == .SQLITE_CONSTRAINT {
            return StorageError(.conflict, "a constraint refused the write: \(error.message ?? "constraint")")
        }
        return StorageError(.unavailable, "SQLite: \(describe(error))")
    }

    /// An SQLite error without the statement's arguments (which may hold sealed values).
    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            return "\(error.resultCode) \(error.message ?? "")"
        }
        return String(describing: type(of: error))
    }
}
