import ClawSkills
import ClawStorage
import Foundation
import Synchronization
import Testing

@Suite("memory, notify and CoreServices")
struct MemoryAndNotifyTests {
    struct Setup {
        let folder: URL
        let database: ClawDatabase
        let runtime: SkillRuntime
        let audit: InMemoryAuditStore
        let sent: Outbox
    }

    final class Outbox: Sendable {
        let messages = Mutex([(String, String)]())
        func withLock<R>(_ body: (inout [(String, String)]) -> R) -> R { messages.withLock { body(&$0) } }
    }

    static func setup(rules: String = "[]") async throws -> Setup {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("claw-mem-\(UUID().uuidString)")
        let database = try await ClawDatabase.open(.sqlite(path: folder.appendingPathComponent("claw.sqlite").path))
        let keyRing = try KeyRing(secretKeyBase: String(repeating: "m", count: 40))
        let registry = SkillRegistry()
        try registry.register(MemorySkill(store: database.memory), isCore: true)
        try registry.register(NotifySkill(), isCore: true)
        try registry.register(ClosureSkill(SkillDescriptor(name: "recaller", permissions: ["memory"])) { input, context in
            try await context.remember(key: "k", value: input["input"]?.stringValue ?? "")
            return .string(try await context.recall(key: "k") ?? "nothing")
        })
        let sent = Outbox()
        let services = CoreServices(llm: nil, fetcher: nil, memory: database.memory) { text, recipient in
            sent.withLock { $0.append((text, recipient)) }
        }
        let store = InMemoryAuditStore()
        let runtime = SkillRuntime(
            registry: registry, keyRing: keyRing, policy: PolicyEngine(rules: try PolicyRule.parseFile(rules)),
            audit: AuditLog(store: store, keyRing: keyRing), services: services)
        return Setup(folder: folder, database: database, runtime: runtime, audit: store, sent: sent)
    }

    static let trigger = Trigger(callerType: .chat, identity: "telegram:42")

    @Test("memory sets, gets, deletes and keeps tagged notes in the state database")
    func memory() async throws {
        let setup = try await Self.setup()
        defer { Task { await setup.database.close(); try? FileManager.default.removeItem(at: setup.folder) } }
        let run = { (input: JSONValue) in try await setup.runtime.run(skill: "memory", input: ["input": input], trigger: Self.trigger) }
        #expect(try await run(["op": "set", "key": "city", "value": "Lisbon"]) == ["stored": true])
        #expect(try await run(["op": "get", "key": "city"]) == "Lisbon")
        #expect(try await setup.database.memory.value(for: "city") == "Lisbon")
        #expect(try await run(["op": "delete", "key": "city"]) == ["deleted": true])
        #expect(try await run(["op": "get", "key": "city"]) == .null)
        _ = try await run(["op": "note", "text": "buy milk", "tags": ["shopping"]])
        _ = try await run("plain note")
        let shopping = try await run(["op": "notes", "tag": "shopping"])
        #expect(shopping.arrayValue?.count == 1 && shopping.arrayValue?.first?["text"] == "buy milk")
        #expect(try await run(["op": "notes"]).arrayValue?.count == 2)
        await #expect(throws: WorkflowError.self) { _ = try await run(["op": "drop"]) }
        await #expect(throws: WorkflowError.self) { _ = try await run(["op": "set", "key": "x"]) }
        // Through SkillContext.recall/remember, CoreServices reaches the same store.
        #expect(try await setup.runtime.run(skill: "recaller", input: ["input": "remembered"], trigger: Self.trigger) == "remembered")
    }

    @Test("memory is refused, and audited, when a policy denies the permission")
    func memoryDenied() async throws {
        let setup = try await Self.setup(rules: #"""
            [{"id": "no-memory", "type": "permission_override", "priority": 10, "enabled": true,
              "config": {"permission": "memory", "action": "deny"}}]
            """#)
        defer { Task { await setup.database.close(); try? FileManager.default.removeItem(at: setup.folder) } }
        await #expect(throws: AuthorizationDenied.self) {
            _ = try await setup.runtime.run(skill: "memory", input: ["input": ["op": "get", "key": "k"]], trigger: Self.trigger)
        }
        #expect(try await setup.audit.entries().contains { $0.ruleID == "no-memory" })
    }

    @Test("notify sends through the services to the configured recipient, and JSON as its canonical text")
    func notify() async throws {
        let setup = try await Self.setup()
        defer { Task { await setup.database.close(); try? FileManager.default.removeItem(at: setup.folder) } }
        let first = try await setup.runtime.run(
            skill: "notify", input: ["input": "hello", "config": ["to": "telegram"]], trigger: Self.trigger)
        #expect(first == ["sent": true, "to": "telegram"])
        _ = try await setup.runtime.run(skill: "notify", input: ["input": ["a": 1]], trigger: Self.trigger)
        let sent = setup.sent.withLock { $0.map { "\($0.1)|\($0.0)" } }
        #expect(sent == ["telegram|hello", #"|{"a":1}"#])
        await #expect(throws: WorkflowError.self) { _ = try await setup.runtime.run(skill: "notify", input: [:], trigger: Self.trigger) }
    }

    @Test("services that are not configured fail with a clear error")
    func unconfigured() async throws {
        let services = CoreServices(llm: nil, fetcher: nil, memory: nil, sender: nil)
        for call in [
            { _ = try await services.complete(prompt: "x") }, { _ = try await services.fetch(url: "https://example.com") },
            { _ = try await services.recall(key: "k") }, { try await services.send(message: "m", to: "") },
        ] as [@Sendable () async throws -> Void] {
            await #expect(throws: UnavailableServices.NotConfigured.self) { try await call() }
        }
    }
}
