import Foundation
import Logging
import NIOSSL
import PostgresNIO

/// The server backend: a PostgresNIO connection pool. Notifications use LISTEN/NOTIFY, so a change made
/// on one node reaches every node.
final class PostgresDriver: SQLDriver {
    let dialect = SQLDialect.postgres
    let client: PostgresClient
    let location: PostgresLocation
    private let runner: Task<Void, Never>
    private let logger: Logger

    init(location: PostgresLocation, maximumConnections: Int = 20, logger: Logger = Logger(label: "claw.storage.postgres")) throws(StorageError) {
        self.location = location
        self.logger = logger
        let tls: PostgresClient.Configuration.TLS
        switch location.tls {
        case .disable: tls = .disable
        case .require: tls = .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.username, password: location.password,
            database: location.database, tls: tls)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(10)
        // The pool retries failed connections forever and logs each retry; ``probe()`` reports the cause once.
        var backgroundLogger = logger
        backgroundLogger.logLevel = max(logger.logLevel, .error)
        let client = PostgresClient(configuration: configuration, backgroundLogger: backgroundLogger)
        self.client = client
        runner = Task { await client.run() }
    }

    deinit { runner.cancel() }

    /// Connects once, outside the pool, so an unreachable server or a refused login is reported at once
    /// with its cause instead of a pool waiting forever.
    func probe() async throws(StorageError) {
        let location = self.location
        do {
            let tls: PostgresConnection.Configuration.TLS
            switch location.tls {
            case .disable: tls = .disable
            case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
            var configuration = PostgresConnection.Configuration(
                host: location.host, port: location.port, username: location.username, password: location.password,
                database: location.database, tls: tls)
            configuration.options.connectTimeout = .seconds(10)
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            try await connection.close()
        } catch {
            let mapped = Self.map(error)
            throw StorageError(.unavailable, "cannot reach \(location): \(mapped.reason)")
        }
    }

    func query(_ statement: SQLStatement) async throws(StorageError) -> [SQLRow] {
        do {
            let rows = try await client.query(Self.postgresQuery(statement), logger: logger)
            let result = try await Self.collect(rows)
            if let expected = statement.expectedRows, result.count != expected {
                throw StorageError(.conflict, "a precondition failed (\(result.count) rows where \(expected) were expected); nothing was written")
            }
            return result
        } catch {
            throw Self.map(error)
        }
    }

    func transaction(_ statements: [SQLStatement]) async throws(StorageError) -> [[SQLRow]] {
        try await inTransaction(statements, begin: "BEGIN")
    }

    func snapshot(_ statements: [SQLStatement]) async throws(StorageError) -> [[SQLRow]] {
        try await inTransaction(statements, begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    }

    private func inTransaction(_ statements: [SQLStatement], begin: String) async throws(StorageError) -> [[SQLRow]] {
        let logger = self.logger
        do {
            return try await client.withConnection { connection in
                try await connection.query(PostgresQuery(unsafeSQL: begin), logger: logger)
                do {
                    var results = [[SQLRow]]()
                    for statement in statements {
                        let rows = try await Self.collect(try await connection.query(Self.postgresQuery(statement), logger: logger))
                        if let expected = statement.expectedRows, rows.count != expected {
                            throw StorageError(.conflict, "a precondition failed (\(rows.count) rows where \(expected) were expected); nothing was written")
                        }
                        results.append(rows)
                    }
                    try await connection.query("COMMIT", logger: logger)
                    return results
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        } catch {
            throw Self.map(error)
        }
    }

    func notify(_ channel: String) async throws(StorageError) {
        try await execute("SELECT pg_notify(?, '')", [.text(channel)])
    }

    func changes(_ channel: String) -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let client = self.client
        let logger = self.logger
        let task = Task {
            while !Task.isCancelled {
                do {
                    try await client.withConnection { connection in
                        try await connection.listen(on: channel) { notifications in
                            // Whatever changed while we were not listening is picked up by the first event.
                            continuation.yield()
                            for try await _ in notifications { continuation.yield() }
                        }
                    }
                } catch {
                    logger.debug("LISTEN interrupted; retrying", metadata: ["channel": "\(channel)"])
                }
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    func close() async {
        runner.cancel()
    }

    /// Numbers the `?` placeholders (`$1`, `$2`, …); statements hold no `?` inside literals.
    static func numberedPlaceholders(_ text: String) -> String {
        var sql = ""
        sql.reserveCapacity(text.utf8.count + 8)
        var index = 0
        for character in text {
            if character == "?" {
                index += 1
                sql += "$\(index)"
            } else {
                sql.append(character)
            }
        }
        return sql
    }

    /// The statement as a PostgresNIO query with its arguments bound.
    static func postgresQuery(_ statement: SQLStatement) throws -> PostgresQuery {
        let sql = numberedPlaceholders(statement.sql)
        var bindings = PostgresBindings(capacity: statement.arguments.count)
        for argument in statement.arguments {
            switch argument {
            case .null: bindings.appendNull()
            case .integer(let v): bindings.append(v)
            case .real(let v): bindings.append(v)
            case .text(let v): bindings.append(v)
            }
        }
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    static func collect(_ rows: PostgresRowSequence) async throws -> [SQLRow] {
        var result = [SQLRow]()
        for try await row in rows {
            var values = [SQLValue]()
            for cell in row {
                values.append(try value(cell))
            }
            result.append(SQLRow(values: values))
        }
        return result
    }

    static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int8: return .integer(try cell.decode(Int64.self))
        case .int4: return .integer(Int64(try cell.decode(Int32.self)))
        case .int2: return .integer(Int64(try cell.decode(Int16.self)))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .float8, .float4: return .real(try cell.decode(Double.self))
        default: return .text(try cell.decode(String.self))
        }
    }

    static func map(_ error: any Error) -> StorageError {
        if let error = error as? StorageError { return error }
        if let error = error as? PSQLError {
            if let state = error.serverInfo?[.sqlState] {
                let message = error.serverInfo?[.message] ?? ""
                // 23xxx: integrity constraint violations; 40001: serialization failure; 42P07/42710: a table or
                // type created concurrently by another session (CREATE ... IF NOT EXISTS races in the catalog).
                if state.hasPrefix("23") || state == "40001" || state == "42P07" || state == "42710" {
                    return StorageError(.conflict, "a constraint refused the write (SQLSTATE \(state)): \(message)")
                }
                return StorageError(.unavailable, "PostgreSQL: SQLSTATE \(state): \(message)")
            }
            if let underlying = error.underlying {
                return StorageError(.unavailable, "PostgreSQL: \(error.code): \(Self.describe(underlying))")
            }
            return StorageError(.unavailable, "PostgreSQL: \(error.code)")
        }
        return StorageError(.unavailable, "PostgreSQL: \(describe(error))")
    }

    /// An error's description, cut to 300 characters (connection errors name the address; the password is never in them).
    static func describe(_ error: any Error) -> String {
        String(String(describing: error).prefix(300))
    }
}
