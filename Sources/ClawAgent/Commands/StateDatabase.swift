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
