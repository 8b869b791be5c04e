import Foundation

/// Where Claw keeps its state: an embedded SQLite file (the default) or a PostgreSQL server.
public enum DatabaseLocation: Sendable, Hashable, CustomStringConvertible {
    /// An SQLite file; its folder is created (mode 0700) when missing.
    case sqlite(path: String)
    /// A PostgreSQL server.
    case postgres(PostgresLocation)

    /// The environment variable naming a PostgreSQL server (`postgres://user:password@host:port/database`).
    public static let urlEnvironmentVariable = "CLAW_DATABASE_URL"
    /// The environment variable naming the state folder; `./.claw` by default.
    public static let homeEnvironmentVariable = "CLAW_HOME"
    /// The SQLite file's name inside the state folder.
    public static let sqliteFileName = "claw.sqlite"

    /// The location the environment selects: `CLAW_DATABASE_URL` when set, else
    /// `$CLAW_HOME/claw.sqlite` (`./.claw/claw.sqlite` by default).
    /// - Throws: ``StorageError/Code/invalidLocation`` when `CLAW_DATABASE_URL` cannot be understood.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws(StorageError) -> Self {
        if let url = environment[urlEnvironmentVariable], !url.isEmpty { return try parse(url) }
        let home = environment[homeEnvironmentVariable].flatMap { $0.isEmpty ? nil : $0 } ?? ".claw"
        return .sqlite(path: URL(fileURLWithPath: home).appendingPathComponent(sqliteFileName).path)
    }

    /// Parses a `postgres://` or `postgresql://` URL, or a `sqlite:PATH` / `file:PATH` one.
    /// - Throws: ``StorageError/Code/invalidLocation``; the reason never repeats the password.
    public static func parse(_ text: String) throws(StorageError) -> Self {
        for prefix in ["sqlite:", "file:"] where text.hasPrefix(prefix) {
            let path = String(text.dropFirst(prefix.count))
            guard !path.isEmpty else { throw StorageError(.invalidLocation, "the SQLite path is empty") }
            return .sqlite(path: path)
        }
        return .postgres(try PostgresLocation(url: text))
    }

    /// The location without its password.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let location): location.description
        }
    }
}

/// A PostgreSQL server's address and credentials, parsed from a URL.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// How the connection is protected.
    public enum TLSMode: String, Sendable, Hashable {
        /// Plain TCP; the default for loopback hosts only.
        case disable
        /// TLS with the server's certificate verified against the system's roots; the default elsewhere.
        case require
    }

    /// The host name or address.
    public var host: String
    /// The TCP port; 5432 by default.
    public var port: Int
    /// The user name.
    public var username: String
    /// The password, if any. Never printed.
    public var password: String?
    /// The database name.
    public var database: String
    /// Whether TLS is used.
    public var tls: TLSMode

    /// Parses `postgres://user:password@host:port/database?sslmode=disable|require|verify-full`.
    /// - Throws: ``StorageError/Code/invalidLocation`` naming what is wrong, never the password.
    public init(url text: String) throws(StorageError) {
        func fail(_ what: String) -> StorageError { StorageError(.invalidLocation, "CLAW_DATABASE_URL: \(what)") }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw fail("not a URL (expected postgres://user:password@host:port/database)")
        }
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw fail("unsupported scheme '\(scheme.prefix(20))' (postgres://, postgresql://, sqlite: or file:)")
        }
        guard let host = components.host, !host.isEmpty else { throw fail("no host") }
        guard let user = components.user, !user.isEmpty else { throw fail("no user name") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else { throw fail("no database name") }
        if let port = components.port, !(1...65535).contains(port) { throw fail("port out of range") }
        var tls: TLSMode = Self.isLoopback(host) ? .disable : .require
        for item in components.queryItems ?? [] {
            switch (item.name, item.value ?? "") {
            case ("sslmode", "disable"): tls = .disable
            case ("sslmode", "require"), ("sslmode", "verify-full"), ("sslmode", "verify-ca"): tls = .require
            case ("sslmode", let other): throw fail("sslmode '\(other.prefix(20))' is not supported (disable, require, verify-full)")
            default: throw fail("unknown parameter '\(item.name.prefix(40))'")
            }
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = components.user?.removingPercentEncoding ?? user
        self.password = components.password?.removingPercentEncoding
        self.database = database.removingPercentEncoding ?? database
        self.tls = tls
    }

    static func isLoopback(_ host: String) -> Bool { LoopbackHost.contains(host) }

    /// The URL without its password.
    public var description: String {
        "postgres://\(username)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)?sslmode=\(tls.rawValue)"
    }

    /// The URL without its password.
    public var debugDescription: String { description }
}
