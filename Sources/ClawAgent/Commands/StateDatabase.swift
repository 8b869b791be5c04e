import ArgumentParser
import ClawStorage
import Foundation

/// Opening the state database the environment names, for the commands that use it.
enum StateDatabase {
    /// Opens `CLAW_DATABASE_URL`, or `$CLAW_HOME/claw.sqlite` (`./.claw/claw.sqlite`), migrating it.
    static func open() async throws -> ClawDatabase {
        try await guarding { () async throws(StorageError) in
            try await ClawDatabase.open(try DatabaseLocation.fromEnvironment())
        }
    }

    /// The state folder: `$CLAW_HOME` or `./.claw`.
    static var home: URL {
        let environment = ProcessInfo.processInfo.environment
        return URL(fileURLWithPath: environment[DatabaseLocation.homeEnvironmentVariable].flatMap { $0.isEmpty ? nil : $0 } ?? ".claw")
    }

    /// The key ring every command uses: SECRET_KEY_BASE from the environment, else the state folder's
    /// `secret_key_base` file (which only `claw serve` creates).
    static func keyRing(create: Bool = false) throws -> KeyRing {
        try keyRingWithSource(create: create).0
    }

    /// The key ring and where it came from.
    static func keyRingWithSource(create: Bool) throws -> (KeyRing, SecretKeyBaseFile.Source) {
        do {
            return try SecretKeyBaseFile().keyRing(create: create)
        } catch {
            CommandFailure.printError(error.description)
            throw ExitCode(CommandFailure.status)
        }
    }

    /// The key ring for a command that may create the key (`claw serve`, `claw totp setup`): generated only
    /// when the database holds nothing sealed or signed yet, so a forgotten SECRET_KEY_BASE is an error rather
    /// than a silent second key.
    static func keyRingCreatingIfNew(database: ClawDatabase) async throws -> (KeyRing, SecretKeyBaseFile.Source) {
        let environment = ProcessInfo.processInfo.environment
        let file = SecretKeyBaseFile(environment: environment)
        if (environment[KeyRing.environmentVariable] ?? "").isEmpty, !FileManager.default.fileExists(atPath: file.path) {
            let counts = try await guarding { () async throws(StorageError) in try await database.rowCounts() }
            if ["claw_settings", "claw_audit_entries", "claw_two_factor"].contains(where: { (counts[$0] ?? 0) > 0 }) {
                await database.close()
                throw CommandFailure.fail(
                    "the state database already holds settings or an audit chain, but SECRET_KEY_BASE is not set and \(file.path) "
                        + "does not exist: set the key it was made with instead of generating a new one")
            }
        }
        return try keyRingWithSource(create: true)
    }

    /// Runs a storage operation, turning a ``StorageError`` into one line and exit status 2.
    static func guarding<R>(_ body: () async throws(StorageError) -> R) async throws -> R {
        do {
            return try await body()
        } catch {
            CommandFailure.printError(error.description)
            throw ExitCode(CommandFailure.status)
        }
    }
}
