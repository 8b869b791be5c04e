import Foundation
import Synchronization
import Testing
@testable import ClawStorage

/// The two backends every contract test runs against.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }
}

/// A fresh, empty database for one test: a new SQLite file in a temporary folder, or a new database on the
/// PostgreSQL server `scripts/test` starts (named by `CLAW_TEST_DATABASE_URL`).
struct TestDatabase: Sendable {
    let backend: Backend
    let location: DatabaseLocation
    let folder: URL?
    let postgresName: String?

    static let secret = String(repeating: "k", count: 48)
    static var keyRing: KeyRing { try! KeyRing(secretKeyBase: secret) }

    /// The server's URL; a missing one fails the test rather than skipping it.
    static func serverURL() throws -> String {
        try #require(
            ProcessInfo.processInfo.environment["CLAW_TEST_DATABASE_URL"],
            "CLAW_TEST_DATABASE_URL is not set: run the tests with scripts/test, which starts a PostgreSQL server")
    }

    static func make(_ backend: Backend) async throws -> TestDatabase {
        switch backend {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("claw-storage-\(UUID().uuidString)")
            return TestDatabase(
                backend: backend, location: .sqlite(path: folder.appendingPathComponent("claw.sqlite").path), folder: folder,
                postgresName: nil)
        case .postgres:
            let base = try PostgresLocation(url: try serverURL())
            let name = "claw_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
            let admin = try PostgresDriver(location: base, maximumConnections: 1)
            try await admin.execute("CREATE DATABASE \(name)")
            await admin.close()
            var location = base
            location.database = String(name)
            return TestDatabase(backend: backend, location: .postgres(location), folder: nil, postgresName: String(name))
        }
    }

    func open(clock: WallClock = .system) async throws -> ClawDatabase {
        try await ClawDatabase.open(location, clock: clock)
    }

    func remove() async {
        if let folder { try? FileManager.default.removeItem(at: folder) }
        if let postgresName, let base = try? PostgresLocation(url: try Self.serverURL()), let admin = try? PostgresDriver(location: base, maximumConnections: 1) {
            try? await admin.execute("DROP DATABASE IF EXISTS \(postgresName) WITH (FORCE)")
            await admin.close()
        }
    }

    /// Runs `body` with a fresh, unopened database location, removed afterwards.
    static func withLocation<T>(_ backend: Backend, _ body: (TestDatabase) async throws -> T) async throws -> T {
        let test = try await make(backend)
        do {
            let result = try await body(test)
            await test.remove()
            return result
        } catch {
            await test.remove()
            throw error
        }
    }

    /// Runs `body` with a fresh database, closed and removed afterwards.
    static func with<T>(_ backend: Backend, clock: WallClock = .system, _ body: (ClawDatabase, TestDatabase) async throws -> T) async throws -> T {
        let test = try await make(backend)
        let database = try await test.open(clock: clock)
        do {
            let result = try await body(database, test)
            await database.close()
            await test.remove()
            return result
        } catch {
            await database.close()
            await test.remove()
            throw error
        }
    }
}

/// A wall clock the test moves.
final class TestClock: Sendable {
    private let current: Mutex<Date>
    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = Mutex(start) }
    var wallClock: WallClock { WallClock { [self] in current.withLock { $0 } } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
    var now: Date { current.withLock { $0 } }
}
