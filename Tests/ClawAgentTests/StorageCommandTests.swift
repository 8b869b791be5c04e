import ClawStorage
import Foundation
import Testing

@Suite("claw backup, restore, rotate-key, audit verify, import-alexclaw")
struct StorageCommandTests {
    static let secret = String(repeating: "s", count: 48)

    static func home() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("claw-home-\(UUID().uuidString)")
        return url
    }

    static func environment(_ home: URL, _ extra: [String: String] = [:]) -> [String: String] {
        ["CLAW_HOME": home.path, "SECRET_KEY_BASE": secret].merging(extra) { _, b in b }
    }

    @Test("backup, restore into a new home, audit verify of the stored chain, rotate-key")
    func lifecycle() async throws {
        let home = try Self.home(), restored = try Self.home()
        defer {
            try? FileManager.default.removeItem(at: home)
            try? FileManager.default.removeItem(at: restored)
        }
        let ring = try KeyRing(secretKeyBase: Self.secret)
        let database = try await ClawDatabase.open(.sqlite(path: home.appendingPathComponent("claw.sqlite").path))
        try await database.settings(keyRing: ring).set("sk-test-value", for: .openAIAPIKey)
        let log = AuditLog(store: database.audit, keyRing: ring)
        for i in 0..<4 { try await log.record(event: "e", outcome: "deny", reason: "r\(i)", context: .null) }
        await database.close()

        let verify = try ClawProcess.run(["audit", "verify"], environment: Self.environment(home))
        #expect(verify.status == 0 && verify.stdout.contains("intact: 4 entries"), "\(verify.stderr)")

        let backup = try ClawProcess.run(["backup", "--keep", "3"], environment: Self.environment(home))
        #expect(backup.status == 0, "\(backup.stderr)")
        let files = Backup.list(in: home.appendingPathComponent("backups"))
        #expect(files.count == 1 && backup.stdout.contains(files[0].path))

        let restore = try ClawProcess.run(["restore", files[0].path], environment: Self.environment(restored))
        #expect(restore.status == 0 && restore.stdout.contains("claw_audit_entries: 4"), "\(restore.stderr)")
        let again = try ClawProcess.run(["restore", files[0].path], environment: Self.environment(restored))
        #expect(again.status == 2 && again.stderr.hasPrefix("claw: error: storage.restore: the database is not empty"))
        #expect(again.stderr.split(separator: "\n").count == 1)

        let newSecret = String(repeating: "N", count: 48)
        let rotate = try ClawProcess.run(
            ["rotate-key", "--new-secret-from-env", "NEW_SECRET"], environment: Self.environment(restored, ["NEW_SECRET": newSecret]))
        #expect(rotate.status == 0 && rotate.stdout.contains("re-sealed 1 settings"), "\(rotate.stderr)")
        #expect(!rotate.stdout.contains(newSecret) && !rotate.stderr.contains(newSecret))
        let rotated = try await ClawDatabase.open(.sqlite(path: restored.appendingPathComponent("claw.sqlite").path))
        let newRing = try KeyRing(secretKeyBase: newSecret, previous: [Self.secret])
        let audit = AuditLog(store: rotated.audit, keyRing: newRing)
        #expect(try await rotated.settings(keyRing: try KeyRing(secretKeyBase: newSecret)).reveal(.openAIAPIKey, purpose: "t", audit: audit) == "sk-test-value")
        await rotated.close()
        // The old entries verify with the old secret kept as previous.
        let verifyRotated = try ClawProcess.run(
            ["audit", "verify"], environment: Self.environment(restored, ["SECRET_KEY_BASE": newSecret, "SECRET_KEY_BASE_PREVIOUS": Self.secret]))
        #expect(verifyRotated.status == 0 && verifyRotated.stdout.contains("intact: 5 entries"), "\(verifyRotated.stderr)")
    }

    @Test("rotate-key with the generated key file: the file gets a new key, earlier ones are kept, nothing else to set")
    func rotateKeyFile() async throws {
        let home = try Self.home()
        defer { try? FileManager.default.removeItem(at: home) }
        let file = SecretKeyBaseFile(home: home)
        let missing = try ClawProcess.run(["rotate-key"], environment: ["CLAW_HOME": home.path])
        #expect(missing.status == 2 && missing.stderr.contains("does not exist"), "\(missing.stderr)")
        let (ring, _) = try file.keyRing(environment: [:], create: true)
        let original = try String(contentsOfFile: file.path, encoding: .utf8)
        let database = try await ClawDatabase.open(.sqlite(path: home.appendingPathComponent("claw.sqlite").path))
        try await database.settings(keyRing: ring).set("sk-test-value", for: .openAIAPIKey)
        let log = AuditLog(store: database.audit, keyRing: ring)
        for i in 0..<3 { try await log.record(event: "e", outcome: "deny", reason: "r\(i)", context: .null) }
        await database.close()

        var keys = [original]
        for round in 1...2 {
            let rotate = try ClawProcess.run(["rotate-key"], environment: ["CLAW_HOME": home.path])
            #expect(rotate.status == 0 && rotate.stdout.contains("re-sealed 1 settings"), "\(rotate.stderr)")
            #expect(rotate.stdout.contains(file.previousPath))
            let current = try String(contentsOfFile: file.path, encoding: .utf8)
            #expect(!keys.contains(current) && current.count == 129, "round \(round): a new key")
            #expect(!rotate.stdout.contains(current.prefix(16)) && !rotate.stderr.contains(current.prefix(16)))
            keys.insert(current, at: 0)
            // Every earlier key, newest first, in a file only the user can read.
            #expect(try String(contentsOfFile: file.previousPath, encoding: .utf8) == keys.dropFirst().joined())
            var info = stat()
            #expect(stat(file.previousPath, &info) == 0 && info.st_mode & 0o777 == 0o600)
            #expect(stat(file.path, &info) == 0 && info.st_mode & 0o777 == 0o600)
            // Entries signed under every earlier key still verify, with no variable to set.
            let verify = try ClawProcess.run(["audit", "verify"], environment: ["CLAW_HOME": home.path])
            #expect(verify.status == 0 && verify.stdout.contains("intact"), "\(verify.stderr)")
        }
        // The value opens with the new key alone: it was re-sealed, not just still readable.
        let newKey = try #require(keys.first).trimmingCharacters(in: .whitespacesAndNewlines)
        let rotated = try await ClawDatabase.open(.sqlite(path: home.appendingPathComponent("claw.sqlite").path))
        let (fileRing, _) = try file.keyRing(environment: [:], create: false)
        let audit = AuditLog(store: rotated.audit, keyRing: fileRing)
        #expect(try await rotated.settings(keyRing: try KeyRing(secretKeyBase: newKey)).reveal(.openAIAPIKey, purpose: "t", audit: audit) == "sk-test-value")
        await rotated.close()
        #expect(fileRing.keyIDs.count == 3 && fileRing.keyIDs[1...].contains(ring.currentKeyID))
    }

    @Test("rotate-key with the key file changes no file when a stored value does not open with the keys it has")
    func rotateKeyFileRefusesFirst() async throws {
        let home = try Self.home()
        defer { try? FileManager.default.removeItem(at: home) }
        let file = SecretKeyBaseFile(home: home)
        _ = try file.keyRing(environment: [:], create: true)
        let original = try String(contentsOfFile: file.path, encoding: .utf8)
        let database = try await ClawDatabase.open(.sqlite(path: home.appendingPathComponent("claw.sqlite").path))
        try await database.settings(keyRing: try KeyRing(secretKeyBase: Self.secret)).set("sk-other-key", for: .openAIAPIKey)
        await database.close()
        let rotate = try ClawProcess.run(["rotate-key"], environment: ["CLAW_HOME": home.path])
        #expect(rotate.status == 2 && rotate.stderr.contains("does not open"), "\(rotate.stderr)")
        #expect(try String(contentsOfFile: file.path, encoding: .utf8) == original)
        #expect(!FileManager.default.fileExists(atPath: file.previousPath))
        // With the key that sealed it named as previous, it goes through and that key is kept.
        let again = try ClawProcess.run(["rotate-key"], environment: ["CLAW_HOME": home.path, "SECRET_KEY_BASE_PREVIOUS": Self.secret])
        #expect(again.status == 0 && again.stdout.contains("re-sealed 1 settings"), "\(again.stderr)")
        #expect(try String(contentsOfFile: file.previousPath, encoding: .utf8) == original + Self.secret + "\n")
    }

    @Test("Refusals are one line with status 2 and never echo a secret")
    func refusals() throws {
        let home = try Self.home()
        defer { try? FileManager.default.removeItem(at: home) }
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        let open = home.appendingPathComponent("open-backups")
        try FileManager.default.createDirectory(at: open, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let cases: [([String], [String: String], String)] = [
            (["backup", "--to", open.path], [:], "readable or writable by every user"),
            (["backup", "--keep", "0"], [:], "--keep must be at least 1"),
            (["restore", home.appendingPathComponent("missing.gz").path], [:], "cannot read"),
            (["rotate-key", "--new-secret-from-env", "NOPE"], [:], "NOPE is not set"),
            (["rotate-key", "--new-secret-from-env", "NEW"], ["NEW": "short"], "key_ring.weak_secret_key_base"),
            (["rotate-key"], [:], "name the variable that holds the new secret"),
            (["import-alexclaw", "--database-url", "postgres://u:hunter2@127.0.0.1:1/alex"], [:], "ALEXCLAW_SECRET_KEY_BASE"),
            (["import-alexclaw", "--database-url", "mysql://u:hunter2@h/alex"], ["ALEXCLAW_SECRET_KEY_BASE": String(repeating: "a", count: 40)], "unsupported scheme"),
            (["audit", "verify"], ["CLAW_DATABASE_URL": "postgres://claw:hunter2@127.0.0.1:1/claw"], "storage.unavailable"),
        ]
        for (arguments, extra, message) in cases {
            let result = try ClawProcess.run(arguments, environment: Self.environment(home, extra))
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
            #expect(!result.stderr.contains("hunter2"), "\(arguments)")
        }
    }
}

@Suite("claw mcp token")
struct MCPTokenCommandTests {
    @Test("create prints a token whose caveats say what was asked; revoke records the id; bad input is one line")
    func createAndRevoke() async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("claw-mcp-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        let environment = ["CLAW_HOME": home.path, "SECRET_KEY_BASE": StorageCommandTests.secret]
        let created = try ClawProcess.run(["mcp", "token", "create", "--expires", "30d", "--tools", "skill:echo,claw_sanitize", "--read-only"], environment: environment)
        #expect(created.status == 0, "\(created.stderr)")
        let token = try CapabilityToken(decoding: created.stdout)
        let caveats = token.macaroon.caveats.map { String(decoding: $0.identifier, as: UTF8.self) }
        #expect(caveats.count == 3 && caveats[0] == "permissions = mcp.read" && caveats[1] == "tools = skill:echo,claw_sanitize")
        #expect(caveats[2].hasPrefix("expires < "))
        let id = String(decoding: token.macaroon.identifier, as: UTF8.self)
        #expect(created.stderr == "token id: \(id)\n" && id.hasPrefix("mcp:"))
        let revoked = try ClawProcess.run(["mcp", "token", "revoke", id], environment: environment)
        #expect(revoked.status == 0 && revoked.stdout == "revoked \(id)\n", "\(revoked.stderr)")
        let database = try await ClawDatabase.open(.sqlite(path: home.appendingPathComponent("claw.sqlite").path))
        #expect(try await database.revocations.isRevoked(id))
        await database.close()
        for (arguments, message) in [
            (["mcp", "token", "create", "--expires", "soon"], "--expires takes a number and a unit"),
            (["mcp", "token", "create", "--tools", "a b"], "token.invalid_caveat"),
            (["mcp", "token", "revoke", "x"], "an MCP token id looks like"),
            (["mcp", "serve", "--port", "70000"], "--port must be 0 to 65535"),
        ] {
            let result = try ClawProcess.run(arguments, environment: environment)
            #expect(result.status == 2 && result.stderr.contains(message) && result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
        }
    }
}

@Suite("claw settings")
struct SettingsCommandTests {
    @Test("set reads the value from standard input and seals secrets; list shows them redacted; delete removes")
    func settings() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("claw-settings-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        let environment = ["CLAW_HOME": home.path, "SECRET_KEY_BASE": StorageCommandTests.secret]
        #expect(try ClawProcess.run(["settings", "set", "github.webhook_secret"], stdin: "whsec-value\n", environment: environment).stdout == "github.webhook_secret set (sealed)\n")
        #expect(try ClawProcess.run(["settings", "set", "github.events.push"], stdin: "nightly,triage\n", environment: environment).stdout == "github.events.push set\n")
        let list = try ClawProcess.run(["settings", "list"], environment: environment)
        #expect(list.stdout == "github.events.push = nightly,triage\ngithub.webhook_secret = [redacted]\n")
        #expect(!list.stdout.contains("whsec-value"))
        #expect(try ClawProcess.run(["settings", "delete", "github.events.push"], environment: environment).stdout == "github.events.push deleted\n")
        let bad = try ClawProcess.run(["settings", "set", "Bad Name"], stdin: "x", environment: environment)
        #expect(bad.status == 2 && bad.stderr.contains("storage.invalid_value"))
    }
}
