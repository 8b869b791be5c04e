import ArgumentParser
import ClawStorage
import Foundation

/// `claw backup`: a consistent, compressed, owner-only snapshot of the state database, with rotation.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write a gzip-compressed snapshot of the state database (mode 0600) and keep the newest N.",
        discussion: """
            SQLite is copied through its online backup API; PostgreSQL through pg_dump (PostgreSQL's client \
            programs must be on PATH). A folder that other users can read or write is refused.
            """
    )

    @Option(name: .customLong("to"), help: "The backup folder (default: $CLAW_HOME/backups, ./.claw/backups).")
    var folder: String?

    @Option(help: "How many backups to keep, newest first.")
    var keep: Int = Backup.defaultKeep

    func run() async throws {
        guard keep >= 1 else { throw CommandFailure.fail("--keep must be at least 1") }
        let database = try await StateDatabase.open()
        let target = folder.map { URL(fileURLWithPath: $0) } ?? StateDatabase.home.appendingPathComponent("backups")
        let result = try await StateDatabase.guarding { () async throws(StorageError) in
            try await Backup.create(of: database, in: target, keep: keep)
        }
        await database.close()
        print("wrote \(result.file.path) (\(result.bytes) bytes)")
        for removed in result.removed { print("removed \(removed.lastPathComponent)") }
    }
}

/// `claw restore`: a backup into an empty state database.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup written by `claw backup` into an empty state database of the same kind."
    )

    @Argument(help: "The backup file (claw-….sqlite.gz or claw-….pgsql.gz).")
    var file: String

    func run() async throws {
        let database = try await StateDatabase.open()
        let counts = try await StateDatabase.guarding { () async throws(StorageError) in
            try await Backup.restore(URL(fileURLWithPath: file), into: database)
        }
        await database.close()
        print("restored \(counts.values.reduce(0, +)) rows")
        for (table, count) in counts.sorted(by: { $0.key < $1.key }) where count > 0 { print("  \(table): \(count)") }
    }
}

/// `claw rotate-key`: re-seal every secret under a new SECRET_KEY_BASE.
struct RotateKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-key",
        abstract: "Re-encrypt every sensitive setting and TOTP secret under a new SECRET_KEY_BASE, in one transaction.",
        discussion: """
            With SECRET_KEY_BASE set, it (and SECRET_KEY_BASE_PREVIOUS) open the values and the new secret is read \
            from the environment variable you name, never from the command line; afterwards set SECRET_KEY_BASE \
            to the new secret and SECRET_KEY_BASE_PREVIOUS to the old one: audit entries signed before the \
            rotation verify only with it. With the generated key file ($CLAW_HOME/secret_key_base), the new \
            secret is generated (or read from the variable you name), the file is replaced and the old key kept \
            in secret_key_base.previous; nothing else to do. Restart `claw serve` afterwards. MCP tokens made \
            before stop working.
            """
    )

    @Option(
        name: .customLong("new-secret-from-env"),
        help: "The environment variable holding the new secret (32 bytes or more); required when SECRET_KEY_BASE is set.")
    var variable: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var newSecret: String?
        if let variable {
            guard let value = environment[variable], !value.isEmpty else {
                throw CommandFailure.fail("the environment variable \(variable) is not set")
            }
            newSecret = value
        }
        // Opened first, so a database that cannot be reached stops the command before any key file changes.
        let database = try await StateDatabase.open()
        let ring: KeyRing
        var rotatedFile: SecretKeyBaseFile?
        var lock: SecretKeyBaseFile.RotationLock?
        defer { lock?.release() }
        let result: KeyRotation.Result
        do {
            if let current = environment[KeyRing.environmentVariable], !current.isEmpty {
                ring = try environmentKeyRing(current: current, newSecret: newSecret, environment: environment)
            } else {
                let file = SecretKeyBaseFile(environment: environment)
                let secret = newSecret ?? SecretKeyBaseFile.randomSecret()
                ring = try await StateDatabase.guarding { () async throws(StorageError) in
                    lock = try file.lockForRotation()
                    // Every value must open with the new ring before any file changes.
                    try await KeyRotation.checkOpens(database, with: try file.rotation(to: secret, environment: environment).keyRing)
                    return try file.rotate(to: secret, environment: environment)
                }
                rotatedFile = file
            }
        } catch {
            await database.close()
            throw error
        }
        do {
            result = try await KeyRotation.rotate(database, to: ring)
        } catch {
            await database.close()
            if let rotatedFile {
                CommandFailure.printError(
                    "\(rotatedFile.path) holds the new key and \(rotatedFile.previousPath) the old one, which still opens "
                        + "every value; run `claw rotate-key` again to re-seal them")
            }
            CommandFailure.printError(error.description)
            throw ExitCode(CommandFailure.status)
        }
        await database.close()
        print("re-sealed \(result.settings) settings and \(result.twoFactorSecrets) TOTP secrets under key id \(result.keyID)")
        if let rotatedFile {
            print("the new key is in \(rotatedFile.path); earlier keys are kept in \(rotatedFile.previousPath) (they verify older audit entries)")
            print("restart `claw serve`; MCP tokens made before no longer work (`claw mcp token create`)")
        } else {
            print("now set SECRET_KEY_BASE to the new secret and SECRET_KEY_BASE_PREVIOUS to the old one")
        }
    }

    /// The key ring to re-seal under when SECRET_KEY_BASE is set: the new secret, then the current and previous ones.
    func environmentKeyRing(current: String, newSecret: String?, environment: [String: String]) throws -> KeyRing {
        guard let newSecret else {
            throw CommandFailure.fail("SECRET_KEY_BASE is set: name the variable that holds the new secret with --new-secret-from-env")
        }
        guard newSecret != current else { throw CommandFailure.fail("the new secret is the current one") }
        let previous = [current] + (environment[KeyRing.previousEnvironmentVariable].flatMap { $0.isEmpty ? nil : [$0] } ?? [])
        return try CommandFailure.guarding { try KeyRing(secretKeyBase: newSecret, previous: previous) }
    }
}

/// `claw import-alexclaw`: settings, policies and workflows from an AlexClaw database.
struct ImportAlexClawCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-alexclaw",
        abstract: "Import settings (enc: values re-sealed), policies and workflows from an AlexClaw PostgreSQL database.",
        discussion: """
            AlexClaw's SECRET_KEY_BASE opens its enc: values; it is read from the environment variable named \
            by --secret-from-env (ALEXCLAW_SECRET_KEY_BASE by default). Claw's own SECRET_KEY_BASE seals them \
            again. What does not pass Claw's validation is listed and skipped.
            """
    )

    @Option(name: .customLong("database-url"), help: "AlexClaw's database: postgres://user:password@host:port/database")
    var databaseURL: String

    @Option(name: .customLong("secret-from-env"), help: "The environment variable holding AlexClaw's SECRET_KEY_BASE.")
    var secretVariable: String = "ALEXCLAW_SECRET_KEY_BASE"

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let alexSecret = environment[secretVariable], !alexSecret.isEmpty else {
            throw CommandFailure.fail("the environment variable \(secretVariable) (AlexClaw's SECRET_KEY_BASE) is not set")
        }
        let alexRing = try CommandFailure.guarding { try KeyRing(secretKeyBase: alexSecret) }
        let keyRing = try StateDatabase.keyRing()
        let source = try await StateDatabase.guarding { () async throws(StorageError) in try PostgresLocation(url: databaseURL) }
        let database = try await StateDatabase.open()
        let report = try await StateDatabase.guarding { () async throws(StorageError) in
            try await AlexClawImport.run(from: source, alexClawKeyRing: alexRing, into: database, keyRing: keyRing)
        }
        await database.close()
        print("imported \(report.settings) settings (\(report.sensitiveSettings) sealed), \(report.policies) policies, \(report.workflows) workflows")
        for skipped in report.skipped { print("skipped \(skipped.kind) \(skipped.name): \(skipped.reason)") }
    }
}
