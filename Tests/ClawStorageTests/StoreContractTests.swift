import Crypto
import Foundation
import Testing
@testable import ClawStorage

@Suite("Storage contract: stores")
struct StoreContractTests {
    static let rule1 = #"{"id": "limit-web", "type": "rate_limit", "priority": 10, "enabled": true, "config": {"permission": "web_read", "max_calls": 2, "window_seconds": 60}}"#
    static let rule2 = #"{"id": "no-shell", "type": "permission_override", "priority": 20, "enabled": true, "config": {"permission": "shell", "action": "deny"}}"#

    @Test("Settings: sensitive values are sealed under their name, listed redacted, revealed only with an audit entry", arguments: Backend.allCases)
    func settings(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database, _ in
            let settings = database.settings(keyRing: TestDatabase.keyRing)
            try await settings.set("123456:AAE-bot-token-value", for: .telegramBotToken)
            try await settings.set("-100200300", for: .telegramChatID)
            // Stored sealed, bound to the name.
            let raw = try await database.driver.query("SELECT value FROM claw_settings WHERE name = 'telegram.bot_token'")
            let stored = try raw[0].text(0)
            #expect(stored.hasPrefix("claw:v1:") && !stored.contains("bot-token"))
            // Listed redacted; the plain one shown.
            let listed = try await settings.all()
            #expect(listed.map(\.name) == ["telegram.bot_token", "telegram.chat_id"])
            #expect(listed[0].value == nil && listed[0].displayValue == "[redacted]" && listed[0].isSensitive)
            #expect(listed[1].value == "-100200300")
            #expect(try await settings.value(for: .telegramChatID) == "-100200300")
            await #expect(throws: StorageError.secret) { try await settings.value(for: .telegramBotToken) }
            // Reveal writes an audit entry first.
            let auditStore = InMemoryAuditStore()
            let audit = AuditLog(store: auditStore, keyRing: TestDatabase.keyRing)
            #expect(try await settings.reveal(.telegramBotToken, purpose: "telegram gateway start", audit: audit) == "123456:AAE-bot-token-value")
            let entries = try auditStore.entries()
            #expect(entries.count == 1 && entries[0].event == "setting.revealed" && entries[0].reason == "telegram gateway start")
            #expect(!entries[0].jsonLine.contains("AAE-bot-token"))
            // No audit, no secret.
            let broken = AuditLog(store: FailingAuditStore(), keyRing: TestDatabase.keyRing)
            await #expect(throws: StorageError.secret) { try await settings.reveal(.telegramBotToken, purpose: "x", audit: broken) }
            // A sealed value moved to another setting does not open.
            try await database.driver.execute("INSERT INTO claw_settings (name, value, sensitive, updated_at) VALUES ('discord.bot_token', ?, 1, 0)", [.text(stored)])
            await #expect(throws: StorageError.secret) { try await settings.reveal(.discordBotToken, purpose: "x", audit: audit) }
            // Names that look secret are sensitive whatever the caller says; malformed names are refused.
            #expect(try SettingKey("acme.api_key").isSensitive)
            #expect(try SettingKey("acme.webhook_secret", sensitive: false).isSensitive)
            #expect(try !SettingKey("acme.region").isSensitive)
            #expect(throws: StorageError.invalidValue) { try SettingKey("Bad Name") }
            // A secret is never overwritten in the clear.
            try await settings.set("s3cr3t", for: try SettingKey("acme.region", sensitive: true))
            await #expect(throws: StorageError.secret) { try await settings.set("eu", for: try SettingKey("acme.region")) }
            #expect(try await settings.setting("acme.region")?.isSensitive == true)
            #expect(try await settings.delete("telegram.chat_id"))
            #expect(try await settings.setting("telegram.chat_id") == nil)
        }
    }

    @Test("Policies: validated round trip, bad rules write nothing, deletes", arguments: Backend.allCases)
    func policies(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database, _ in
            let store = database.policies
            try await store.save(json: "[\(Self.rule1), \(Self.rule2)]")
            let rules = try await store.rules()
            #expect(rules == (try PolicyRule.parseFile("[\(Self.rule1), \(Self.rule2)]")).sorted { $0.id < $1.id })
            let bad = #"[{"id": "ok", "type": "mcp_restriction", "priority": 1, "enabled": true, "config": {"tool_pattern": "*", "action": "deny"}}, {"id": "bad", "type": "rate_limit", "priority": 1, "enabled": true, "config": {}}]"#
            let error = await #expect(throws: StorageError.invalidValue) { try await store.save(json: bad) }
            #expect(error?.reason.contains("'bad'") == true)
            #expect(try await store.rules().count == 2)
            #expect(try await store.delete(id: "no-shell"))
            #expect(try await !store.delete(id: "no-shell"))
            #expect(try await store.rule(id: "limit-web")?.priority == 10)
            // A row altered outside Claw is reported, not trusted.
            try await database.driver.execute("UPDATE claw_policies SET rule = '{\"id\": \"limit-web\"}'")
            await #expect(throws: StorageError.corrupt) { try await store.rules() }
        }
    }

    @Test("Policy synchronizer: a change reaches another handle through its notification; an unreadable store denies", arguments: Backend.allCases)
    func policySync(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database, test in
            let node = try await test.open()
            // A TTL of an hour: within this test only the change notification can deliver the new rule.
            let sync = PolicySynchronizer(database: node, ttl: .seconds(3600))
            let context = AuthContext(caller: "alice", callerType: .chat, permission: "shell", timestamp: Date())
            #expect(!sync.engine.evaluate(context).isAllowed, "denies before the first read")
            let task = Task { try await sync.run() }
            defer { task.cancel() }
            var allowed = false
            for _ in 0..<3000 where !allowed {
                allowed = sync.engine.evaluate(context).isAllowed
                if !allowed { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(allowed, "no rules: allowed once loaded")
            // Another node adds a deny rule.
            try await database.policies.save(json: "[\(Self.rule2)]")
            var denied = false
            for _ in 0..<3000 where !denied {
                denied = !sync.engine.evaluate(context).isAllowed
                if !denied { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(denied, "the change reached the other node through its notification")
            task.cancel()
            // The store becomes unreadable: fail closed.
            await node.close()
            let failure = await sync.refresh()
            #expect(failure?.code == .unavailable)
            let decision = sync.engine.evaluate(AuthContext(caller: "alice", callerType: .chat, permission: "web_read", timestamp: Date()))
            #expect(!decision.isAllowed && decision.reason.contains("policy store"))
        }
    }

    @Test("Schedule synchronizer: a workflow saved or deleted on another handle is (un)scheduled through the notification", arguments: Backend.allCases)
    func scheduleSync(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database, test in
            let node = try await test.open()
            let registry = SkillRegistry()
            try registry.register(ClosureSkill(SkillDescriptor(name: "echo")) { input, _ in input })
            let executor = WorkflowExecutor(
                runtime: SkillRuntime(registry: registry, keyRing: TestDatabase.keyRing, policy: PolicyEngine(rules: []), audit: nil))
            let scheduler = try Scheduler(executor: executor, workflows: [], clock: ContinuousClock())
            // A TTL of an hour: within this test only the change notification can deliver the change.
            let sync = ScheduleSynchronizer(database: node, scheduler: scheduler, ttl: .seconds(3600))
            let task = Task { try await sync.run() }
            defer { task.cancel() }
            func until(_ names: [String]) async throws -> Bool {
                for _ in 0..<3000 {
                    if scheduler.scheduled == names { return true }
                    try await Task.sleep(for: .milliseconds(10))
                }
                return false
            }
            let nightly = try Workflow(json: #"{"name": "nightly", "schedule": "0 3 * * *", "steps": [{"name": "e", "skill": "echo"}]}"#)
            let manual = try Workflow(json: #"{"name": "manual", "steps": [{"name": "e", "skill": "echo"}]}"#)
            try await database.workflows.save(manual)
            try await database.workflows.save(nightly)
            #expect(try await until(["nightly"]), "saved on another handle: scheduled (the unscheduled one is not)")
            var disabled = nightly
            disabled.enabled = false
            try await database.workflows.save(disabled)
            #expect(try await until([]), "disabled: no longer scheduled")
            try await database.workflows.save(nightly)
            #expect(try await until(["nightly"]))
            #expect(try await database.workflows.delete(named: "nightly"))
            #expect(try await until([]), "deleted: no longer scheduled")
            task.cancel()
            // A row that no longer validates here (a time zone this machine lacks) is left out; the rest still apply.
            let hourly = try Workflow(json: #"{"name": "hourly", "schedule": "0 * * * *", "steps": [{"name": "e", "skill": "echo"}]}"#)
            try await database.workflows.save(hourly)
            try await database.workflows.save(nightly)
            #expect(await sync.refresh() == nil && scheduler.scheduled == ["hourly", "nightly"])
            try await database.driver.execute(
                "UPDATE claw_workflows SET definition = ? WHERE name = 'hourly'",
                [.text(#"{"name": "hourly", "schedule": "0 * * * *", "time_zone": "Mars/Olympus", "steps": [{"name": "e", "skill": "echo"}]}"#)])
            let failure = await sync.refresh()
            #expect(failure?.code == .corrupt && failure?.reason.contains("hourly") == true)
            #expect(scheduler.scheduled == ["nightly"])
            try await database.workflows.save(hourly)
            #expect(await sync.refresh() == nil && scheduler.scheduled == ["hourly", "nightly"])
            #expect(try await database.workflows.delete(named: "hourly"))
            // An unreadable store keeps the schedules in force.
            #expect(await sync.refresh() == nil && scheduler.scheduled == ["nightly"])
            await node.close()
            #expect(await sync.refresh()?.code == .unavailable)
            #expect(scheduler.scheduled == ["nightly"])
        }
    }

    @Test("Two-factor: a code is accepted once, across restarts; wrong codes lock", arguments: Backend.allCases)
    func twoFactor(_ backend: Backend) async throws {
        let clock = TestClock()
        try await TestDatabase.with(backend, clock: clock.wallClock) { database, test in
            let totp = try TOTP.random()
            let store = database.twoFactor(keyRing: TestDatabase.keyRing)
            #expect(try await store.verify("000000", account: "owner") == .notEnrolled)
            try await store.enroll(account: "owner", totp: totp)
            let raw = try await database.driver.query("SELECT secret FROM claw_two_factor")
            #expect(try !raw[0].text(0).contains(totp.base32Secret))
            let code = totp.code(at: clock.now)
            #expect(try await store.verify(code, account: "owner") == .accepted(step: totp.step(at: clock.now)))
            #expect(try await store.verify(code, account: "owner") == .replayed)
            // After a restart (a new handle), still a replay.
            let restarted = try await test.open(clock: clock.wallClock)
            let again = restarted.twoFactor(keyRing: TestDatabase.keyRing)
            #expect(try await again.verify(code, account: "owner") == .replayed)
            #expect(try await again.state(account: "owner")?.lastAcceptedStep == totp.step(at: clock.now))
            await restarted.close()
            // Wrong codes count; the fifth locks, and a right code no longer passes.
            clock.advance(60)
            let wrong = String(format: "%06d", (Int(totp.code(at: clock.now))! + 1) % 1_000_000)
            for _ in 0..<4 { #expect(try await store.verify(wrong, account: "owner") == .wrong) }
            #expect(try await store.verify(wrong, account: "owner") == .locked)
            #expect(try await store.verify(totp.code(at: clock.now), account: "owner") == .locked)
            // Re-enrolment resets; a different key ring cannot open the secret.
            try await store.enroll(account: "owner", totp: totp)
            #expect(try await store.verify(totp.code(at: clock.now), account: "owner") == .accepted(step: totp.step(at: clock.now)))
            // Many wrong codes at once: the count stops at the limit, and a locked account accepts no step.
            try await store.enroll(account: "owner", totp: totp)
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<20 { group.addTask { _ = try? await store.verify(wrong, account: "owner") } }
            }
            #expect(try await store.state(account: "owner")?.failedAttempts == TwoFactorStore.maximumFailedAttempts)
            clock.advance(30)
            #expect(try await store.accept(account: "owner", step: totp.step(at: clock.now)) == false)
            #expect(try await store.verify(totp.code(at: clock.now), account: "owner") == .locked)
            try await store.enroll(account: "owner", totp: totp)
            let other = database.twoFactor(keyRing: try KeyRing(secretKeyBase: String(repeating: "z", count: 40)))
            await #expect(throws: StorageError.secret) { try await other.state(account: "owner") }
        }
    }

    @Test("Workflows, runs and skill metadata round-trip", arguments: Backend.allCases)
    func workflowsRunsSkills(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database, _ in
            let workflow = try Workflow(json: #"{"name": "digest", "schedule": "0 8 * * *", "steps": [{"name": "fetch", "skill": "web_fetch", "config": {"url": "https://example.com"}}]}"#)
            let disabled = try Workflow(json: #"{"name": "off", "enabled": false, "steps": [{"name": "e", "skill": "echo"}]}"#)
            try await database.workflows.save(workflow)
            try await database.workflows.save(disabled)
            #expect(try await database.workflows.workflow(named: "digest") == workflow)
            #expect(try await database.workflows.enabled().map(\.name) == ["digest"])
            #expect(try await database.workflows.all().count == 2)
            #expect(try await database.workflows.delete(named: "off"))

            let start = Date(timeIntervalSince1970: 1_800_000_000)
            let registry = SkillRegistry()
            try registry.register(ClosureSkill(SkillDescriptor(name: "echo")) { input, _ in input })
            let executor = WorkflowExecutor(
                runtime: SkillRuntime(registry: registry, keyRing: TestDatabase.keyRing, policy: PolicyEngine(rules: []), audit: nil),
                store: database.runs)
            let echo = try Workflow(json: #"{"name": "echo-flow", "steps": [{"name": "e", "skill": "echo", "config": {"x": 1}}]}"#)
            let record = try await executor.run(echo, input: .object(["x": .int(1)]), trigger: .scheduler)
            let loaded = try #require(try await database.runs.run(id: record.id))
            #expect(loaded.id == record.id && loaded.status == .succeeded && loaded.steps.count == 1)
            #expect(loaded.json.canonicalText == record.json.canonicalText)
            #expect(try await database.runs.runs(workflow: "echo-flow").map(\.id) == [record.id])

            let code = Array("print('hi')".utf8)
            let digest = "a6e5a3a1b0d1e5e3e8a8b7f6a2a4a7d6d8e1c4a3b2b1a0f9e8d7c6b5a4f3e2d1"
            try await database.skills.save(try SkillMetadata(name: "hello", version: "1.0.0", sha256: digest, registeredAt: start))
            #expect(try await database.skills.skill(named: "hello")?.sha256 == digest)
            #expect(try await !database.skills.matches("hello", bytes: code))
            let real = Hex.encode(SHA256.hash(data: code))
            try await database.skills.save(try SkillMetadata(name: "hello", version: "1.0.1", sha256: real.uppercased(), registeredAt: start))
            #expect(try await database.skills.matches("hello", bytes: code))
            #expect(throws: StorageError.invalidValue) { try SkillMetadata(name: "x", version: "1", sha256: "abc", registeredAt: start) }
        }
    }

    @Test("Memory: values and notes", arguments: Backend.allCases)
    func memory(_ backend: Backend) async throws {
        let clock = TestClock()
        try await TestDatabase.with(backend, clock: clock.wallClock) { database, _ in
            let memory = database.memory
            try await memory.set("espresso", for: "coffee")
            #expect(try await memory.value(for: "coffee") == "espresso")
            try await memory.set("flat white", for: "coffee")
            #expect(try await memory.keys() == ["coffee"])
            #expect(try await memory.value(for: "coffee") == "flat white")
            let first = try await memory.addNote("Buy beans", tags: ["shopping"])
            clock.advance(5)
            let second = try await memory.addNote("Call Bob")
            #expect(second.id > first.id)
            #expect(try await memory.notes().map(\.text) == ["Call Bob", "Buy beans"])
            #expect(try await memory.notes(tag: "shopping").map(\.id) == [first.id])
            #expect(try await memory.deleteNote(id: first.id))
            await #expect(throws: StorageError.invalidValue) { try await memory.set(String(repeating: "x", count: 70_000), for: "big") }
            #expect(try await memory.delete(key: "coffee"))
        }
    }
}

/// An audit store that cannot be written.
struct FailingAuditStore: AuditStore {
    func fail() -> ClawSecurityError { ClawSecurityError(.auditStorage, "disk full") }
    func append(_ entry: AuditEntry) throws(ClawSecurityError) { throw fail() }
    func entries() throws(ClawSecurityError) -> [AuditEntry] { [] }
    func replace(with entries: [AuditEntry], anchor: AuditAnchor) throws(ClawSecurityError) { throw fail() }
    func anchor() throws(ClawSecurityError) -> AuditAnchor? { nil }
    func saveCheckpoint(_ checkpoint: AuditCheckpoint) throws(ClawSecurityError) { throw fail() }
    func checkpoint() throws(ClawSecurityError) -> AuditCheckpoint? { nil }
}
