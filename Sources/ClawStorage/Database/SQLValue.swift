import Foundation

/// One value bound to, or read from, a SQL statement; the types both backends share.
enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    var integer: Int64? {
        if case .integer(let v) = self { return v }
        return nil
    }

    var text: String? {
        if case .text(let v) = self { return v }
        return nil
    }

    var isNull: Bool { self == .null }
}

extension SQLValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    init(stringLiteral value: String) { self = .text(value) }
    init(integerLiteral value: Int64) { self = .integer(value) }
    init(_ value: Int) { self = .integer(Int64(value)) }
    init(_ value: Bool) { self = .integer(value ? 1 : 0) }
    init(_ value: String?) { self = value.map { .text($0) } ?? .null }
    /// A time as integer milliseconds since 1970, the portable form every table uses.
    init(_ date: Date) { self = .integer(Int64((date.timeIntervalSince1970 * 1000).rounded())) }
}

/// One result row, read by column position.
struct SQLRow: Sendable, Hashable {
    var values: [SQLValue]

    subscript(_ index: Int) -> SQLValue { index < values.count ? values[index] : .null }

    func text(_ index: Int) throws(StorageError) -> String {
        guard let v = self[index].text else { throw StorageError(.corrupt, "column \(index + 1) is not text") }
        return v
    }

    func integer(_ index: Int) throws(StorageError) -> Int64 {
        guard let v = self[index].integer else { throw StorageError(.corrupt, "column \(index + 1) is not an integer") }
        return v
    }

    func date(_ index: Int) throws(StorageError) -> Date {
        Date(timeIntervalSince1970: Double(try integer(index)) / 1000)
    }

    func optionalText(_ index: Int) -> String? { self[index].text }
}

/// A statement with its arguments, written with `?` placeholders (the PostgreSQL driver numbers them).
struct SQLStatement: Sendable {
    var sql: String
    var arguments: [SQLValue]
    /// When set, the statement must return exactly this many rows (use `RETURNING`), or the whole
    /// transaction is rolled back with ``StorageError/Code/conflict``.
    var expectedRows: Int?

    init(_ sql: String, _ arguments: [SQLValue] = [], expectedRows: Int? = nil) {
        self.sql = sql
        self.arguments = arguments
        self.expectedRows = expectedRows
    }
}

/// The SQL dialect a driver speaks; stores pick the few statements that differ.
enum SQLDialect: String, Sendable {
    case sqlite
    case postgres
}

/// What the stores need from a database: queries, atomic batches of statements and change notifications.
///
/// Transactions are batches rather than closures because SQLite (GRDB) runs a transaction synchronously on
/// its writer queue while PostgreSQL suspends: a batch is the one shape both can run atomically.
protocol SQLDriver: Sendable {
    var dialect: SQLDialect { get }
    /// Runs one statement outside any explicit transaction and returns its rows.
    func query(_ statement: SQLStatement) async throws(StorageError) -> [SQLRow]
    /// Runs statements in one transaction; returns each statement's rows. Any failure rolls back all.
    func transaction(_ statements: [SQLStatement]) async throws(StorageError) -> [[SQLRow]]
    /// Runs statements that must read a consistent snapshot (a read transaction).
    func snapshot(_ statements: [SQLStatement]) async throws(StorageError) -> [[SQLRow]]
    /// Announces a change on a channel to every listener, in this process and (PostgreSQL) on other nodes.
    func notify(_ channel: String) async throws(StorageError)
    /// Change announcements on a channel until the task is cancelled.
    func changes(_ channel: String) -> AsyncStream<Void>
    /// Closes connections.
    func close() async
}

extension SQLDriver {
    func query(_ sql: String, _ arguments: [SQLValue] = []) async throws(StorageError) -> [SQLRow] {
        try await query(SQLStatement(sql, arguments))
    }

    func execute(_ sql: String, _ arguments: [SQLValue] = []) async throws(StorageError) {
        _ = try await query(SQLStatement(sql, arguments))
    }
}
