import Foundation
import Testing
@testable import ClawStorage

@Suite("Storage operations: backup, restore, key rotation")
struct OperationsContractTests {
    static func populate(_ database: ClawDatabase) async throws -> TOTP {
        let settings = database.settings(keyRing: TestDatabase.keyRing)
        try await settings.set("sk-ant-secret-value", for: .anthropicAPIKey)
        try await settings.set("whsec-123", for: .githubWebhookSecret)
        try await settings.set("eu-west", for: try SettingKey("llm.region"))
        try await database.policies.save(json: "[\(StoreContractTests.rule1), \(StoreContractTests.rule2)]")
        let log = AuditLog(store: database.audit, keyRing: TestDatabase.keyRing)
        for i in 0..<10 { try await log.record(event: "e", outcome: "deny", reason: "r\(i)", context: .null) }
        let totp = try TOTP.random()
        try await database.twoFactor(keyRing: TestDatabase.keyRing).enroll(account: "owner", totp: totp)
        try await database.workflows.save(try Workflow(json: #"{"name": "w", "steps": [{"name": "e", "skill": "echo"}]}"#))
        try await database.memory.addNote("remember the milk")
        try await database.rateCounters.increment("c", by: 5, window: 60, now: Date(timeIntervalSince1970: 1_800_000_000))
        return totp
    }

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("claw-backups-\(UUID().uuidString)")
        return url
    }

    @Test("Backup then restore into an empty database gives back everything; restore refuses a non-empty one", arguments: Backend.allCases)
    func roundTrip(_ backend: Backend) async throws {
        let backups = try Self.folder()
        defer { try? FileManager.default.removeItem(at: backups) }
        let (file, before, totp) = try await TestDatabase.with(backend) { database, _ in
            let totp = try await Self.populate(database)
            let result = try await Backup.create(of: database, in: backups, now: Date(timeIntervalSince1970: 1_800_000_000.25))
            #expect(result.file.lastPathComponent == "claw-20270115T080000250Z-v\(ClawDatabase.latestSchemaVersion).\(backend == .sqlite ? "sqlite" : "pgsql").gz")
            let attributes = try FileManager.default.attributesOfItem(atPath: result.file.path)
            #expect(attributes[.posixPermissions] as? Int == 0o600)
            #expect(try FileManager.default.attributesOfItem(atPath: backups.path)[.posixPermissions] as? Int == 0o700)
            let head = try FileHandle(forReadingFrom: result.file).read(upToCount: 2)
            #expect(head == Data([0x1F, 0x8B]), "gzip magic")
            let raw = try Data(contentsOf: result.file)
            #expect(raw.range(of: Data("sk-ant-secret-value".utf8)) == nil)
            // A restore into this (non-empty) database is refused.
            await #expect(throws: StorageError.restore) { try await Backup.restore(result.file, into: database) }
            return (result.file, try await database.rowCounts(), totp)
        }
        try await TestDatabase.with(backend) { (fresh: ClawDatabase, _: TestDatabase) async throws in
            let counts = try await Backup.restore(file, into: fresh)
            #expect(counts == before)
            let settings = fresh.settings(keyRing: TestDatabase.keyRing)
            let audit = AuditLog(store: fresh.audit, keyRing: TestDatabase.keyRing)
            #expect(try await audit.verify().count == 10)
            #expect(try await settings.reveal(.anthropicAPIKey, purpose: "test", audit: audit) == "sk-ant-secret-value")
            #expect(try await fresh.policies.rules().count == 2)
            #expect(try await fresh.twoFactor(keyRing: TestDatabase.keyRing).state(account: "owner")?.totp.base32Secret == totp.base32Secret)
            #expect(try await fresh.memory.notes().map(\.text) == ["remember the milk"])
            // The chain goes on after a restore; a new note does not collide with restored ids.
            try await audit.record(event: "after-restore", outcome: nil, reason: "x", context: .null)
            #expect(try await fresh.memory.addNote("new").id > 1)
        }
    }

    @Test("Rotation keeps the newest N; a folder others can read is refused; a broken backup changes nothing", arguments: Backend.allCases)
    func rotationAndRefusals(_ backend: Backend) async throws {
        let backups = try Self.folder()
        defer { try? FileManager.default.removeItem(at: backups) }
        try await TestDatabase.with(backend) { database, _ in
            _ = try await Self.populate(database)
            var files = [URL]()
            for i in 0..<3 {
                let result = try await Backup.create(of: database, in: backups, keep: 2, now: Date(timeIntervalSince1970: 1_800_000_000 + Double(i)))
                files.append(result.file)
                if i == 2 { #expect(result.removed == [files[0]]) }
            }
            #expect(Backup.list(in: backups) == Array(files.suffix(2)))
            chmod(backups.path, 0o755)
            let error = await #expect(throws: StorageError.backup) { try await Backup.create(of: database, in: backups) }
            #expect(error?.reason.contains("chmod 700") == true)
            chmod(backups.path, 0o700)
            // Truncated and foreign files are refused and leave the target empty.
            let data = try Data(contentsOf: files[2])
            let truncated = backups.appendingPathComponent("truncated.gz")
            try data.prefix(data.count / 2).write(to: truncated)
            let garbage = backups.appendingPathComponent("garbage.gz")
            try Data("not a backup".utf8).write(to: garbage)
            try await TestDatabase.with(backend) { (fresh: ClawDatabase, _: TestDatabase) async throws in
                await #expect(throws: StorageError.restore) { try await Backup.restore(truncated, into: fresh) }
                await #expect(throws: StorageError.restore) { try await Backup.restore(garbage, into: fresh) }
                #expect(try await fresh.isEmpty())
            }
            // A backup of the other kind is refused.
            let other: Backend = backend == .sqlite ? .postgres : .sqlite
            try await TestDatabase.with(other) { (fresh: ClawDatabase, _: TestDatabase) async throws in
                let error = await #expect(throws: StorageError.restore) { try await Backup.restore(files[2], into: fresh) }
                #expect(error?.reason.contains("only into") == true)
                #expect(try await fresh.isEmpty())
            }
        }
    }

    @Test("rotate-key re-seals every secret under the new key in one transaction; an interrupted one changes nothing", arguments: Backend.allCases)
    func keyRotation(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database, _ in
            let totp = try await Self.populate(database)
            let oldRing = TestDatabase.keyRing
            let newSecret = String(repeating: "n", count: 48)
            let rotating = try KeyRing(secretKeyBase: newSecret, previous: [TestDatabase.secret])
            func sealedValues() async throws -> [String] {
                let rows = try await database.driver.query("SELECT value FROM claw_settings WHERE sensitive = 1 UNION ALL SELECT secret FROM claw_two_factor")
                return try rows.map { try $0.text(0) }
            }
            let before = try await sealedValues()
            #expect(before.count == 3 && before.allSatisfy { $0.hasPrefix("claw:v1:\(oldRing.currentKeyID.rawValue):") })
            // Interrupted after the first update: nothing changed, everything still opens with the old secret.
            await #expect(throws: StorageError.conflict) { try await KeyRotation.rotate(database, to: rotating, interruptAfter: 1) }
            #expect(try await sealedValues() == before)
            // A value that no longer opens stops the rotation before anything is written.
            try await database.driver.execute("INSERT INTO claw_settings (name, value, sensitive, updated_at) VALUES ('x.token', 'claw:v1:deadbeef:AAAA', 1, 0)")
            let error = await #expect(throws: StorageError.secret) { try await KeyRotation.rotate(database, to: rotating) }
            #expect(error?.reason.contains("x.token") == true)
            #expect(try await sealedValues().filter { !$0.contains("deadbeef") } == before)
            #expect(try await database.settings(keyRing: oldRing).delete("x.token"))
            // The real rotation.
            let result = try await KeyRotation.rotate(database, to: rotating)
            #expect(result.settings == 2 && result.twoFactorSecrets == 1 && result.keyID == rotating.currentKeyID.rawValue)
            let after = try await sealedValues()
            #expect(after.allSatisfy { $0.hasPrefix("claw:v1:\(rotating.currentKeyID.rawValue):") })
            // Only the new secret is needed for settings and 2FA now.
            let onlyNew = try KeyRing(secretKeyBase: newSecret)
            let audit = AuditLog(store: InMemoryAuditStore(), keyRing: onlyNew)
            #expect(try await database.settings(keyRing: onlyNew).reveal(.githubWebhookSecret, purpose: "t", audit: audit) == "whsec-123")
            #expect(try await database.twoFactor(keyRing: onlyNew).state(account: "owner")?.totp.base32Secret == totp.base32Secret)
        }
    }
}
