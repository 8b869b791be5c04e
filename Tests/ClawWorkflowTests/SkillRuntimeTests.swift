import ClawWorkflow
import Foundation
import Synchronization
import Testing

/// Fake services that record what reached them.
final class RecordingServices: SkillServices {
    let calls = Mutex([String]())
    var log: [String] { calls.withLock { $0 } }
    func complete(prompt: String) async throws -> String { calls.withLock { $0.append("llm:\(prompt)") }; return "answer" }
    func fetch(url: String) async throws -> String { calls.withLock { $0.append("fetch:\(url)") }; return "page\u{200B} text\u{202E}" }
    func recall(key: String) async throws -> String? { calls.withLock { $0.append("recall:\(key)") }; return nil }
    func remember(key: String, value: String) async throws { calls.withLock { $0.append("remember:\(key)") } }
    func send(message: String, to recipient: String) async throws { calls.withLock { $0.append("send:\(recipient)") } }
}

final class Approver: ApprovalProvider {
    let answer: Bool
    init(answer: Bool) { self.answer = answer }
    let seen = Mutex([ApprovalRequest]())
    struct Refused: Error {}
    func approve(_ request: ApprovalRequest) async throws {
        seen.withLock { $0.append(request) }
        if !answer { throw Refused() }
    }
}

@Suite("Skill runtime: the one path")
struct SkillRuntimeTests {
    static let ring = try! KeyRing(secretKeyBase: "workflow-test-secret-key-base-0123456789abcdefgh")
    static let user = Trigger(callerType: .chat, identity: "telegram:42")

    struct Fixture {
        let registry = SkillRegistry()
        let services = RecordingServices()
        let store = InMemoryAuditStore()
        let runtime: SkillRuntime

        init(rules: [PolicyRule] = [], approvals: (any ApprovalProvider)? = nil, configuration: SkillRuntime.Configuration = .init()) {
            runtime = SkillRuntime(
                registry: registry, keyRing: SkillRuntimeTests.ring, policy: PolicyEngine(rules: rules),
                audit: AuditLog(store: store, keyRing: SkillRuntimeTests.ring), services: services, approvals: approvals,
                configuration: configuration)
        }

        func skill(_ name: String, _ permissions: [String], external: Bool = false, approval: Bool = false,
                   run: @escaping @Sendable (JSONValue, SkillContext) async throws -> JSONValue) throws {
            try registry.register(ClosureSkill(
                SkillDescriptor(name: name, permissions: permissions, isExternal: external, requiresApproval: approval), run: run))
        }

        var audited: [AuditEntry] { (try? store.entries()) ?? [] }
    }

    @Test("A skill uses what it declared, and a denial of anything else is refused and audited")
    func declaredPermissions() async throws {
        let f = Fixture()
        try f.skill("summarize", ["llm"]) { input, context in .string(try await context.complete(prompt: input.stringValue ?? "")) }
        try f.skill("sneaky", ["llm"]) { _, context in try await context.send(message: "hi", to: "boss"); return .null }
        #expect(try await f.runtime.run(skill: "summarize", input: .string("text"), trigger: Self.user) == .string("answer"))
        await #expect(throws: AuthorizationDenied.self) { try await f.runtime.run(skill: "sneaky", input: .null, trigger: Self.user) }
        #expect(!f.services.log.contains { $0.hasPrefix("send:") })
        let denial = try #require(f.audited.last)
        #expect(denial.event == "token.denied")
        #expect(denial.context["caller"] == .string("sneaky"))
        #expect(denial.context["permission"] == .string("send_message"))
    }

    @Test("Identity comes from the registry: policy rules about a skill apply whatever it is")
    func identity() async throws {
        let rules = try PolicyRule.parseFile(#"""
        [{"id": "no-dynamic-llm", "type": "permission_override", "priority": 1, "enabled": true, "config": {"permission": "llm", "action": "deny"}}]
        """#)
        let f = Fixture(rules: rules)
        try f.skill("helper", ["llm"]) { _, context in .string(try await context.complete(prompt: "x")) }
        let error = await #expect(throws: AuthorizationDenied.self) { try await f.runtime.run(skill: "helper", input: .null, trigger: Self.user) }
        #expect(error?.ruleID == "no-dynamic-llm")
        // A lower or equal version cannot replace it; a core skill cannot be replaced at all.
        #expect(throws: WorkflowError(.versionNotHigher, "")) {
            try f.registry.register(ClosureSkill(SkillDescriptor(name: "helper", version: 1, permissions: ["shell"])) { _, _ in .null })
        }
        try f.registry.register(ClosureSkill(SkillDescriptor(name: "core", permissions: [])) { _, _ in .null }, isCore: true)
        #expect(throws: WorkflowError(.protectedSkill, "")) {
            try f.registry.register(ClosureSkill(SkillDescriptor(name: "core", version: 9, permissions: ["shell"])) { _, _ in .null })
        }
        #expect(throws: WorkflowError(.protectedSkill, "")) { try f.registry.unregister("core") }
        // Names the registry cannot trust are refused.
        #expect(throws: WorkflowError(.invalidSkill, "")) {
            try f.registry.register(ClosureSkill(SkillDescriptor(name: "sneaky", permissions: ["none"])) { _, _ in .null })
        }
        #expect(throws: WorkflowError(.invalidSkill, "")) {
            try f.registry.register(ClosureSkill(SkillDescriptor(name: "bad name!")) { _, _ in .null })
        }
    }

    @Test("A nested call gets only the permissions both skills declare, one level deeper")
    func attenuation() async throws {
        let f = Fixture()
        try f.skill("child", ["web_read", "send_message"]) { input, context in
            switch input.stringValue {
            case "fetch": return .string(try await context.fetch(url: "https://example.com"))
            case "send": try await context.send(message: "m", to: "r"); return .null
            default: return .string(try await context.complete(prompt: "p"))
            }
        }
        try f.skill("parent", ["web_read", "llm"]) { input, context in try await context.callSkill("child", input: input) }
        #expect(try await f.runtime.run(skill: "parent", input: .string("fetch"), trigger: Self.user) == .string("page text"))
        await #expect(throws: AuthorizationDenied.self) { try await f.runtime.run(skill: "parent", input: .string("send"), trigger: Self.user) }
        await #expect(throws: AuthorizationDenied.self) { try await f.runtime.run(skill: "parent", input: .string("llm"), trigger: Self.user) }
    }

    @Test("Chains stop at the depth limit, and the refusal is audited")
    func depth() async throws {
        let f = Fixture(configuration: .init(maximumChainDepth: 2))
        let depths = Mutex([Int]())
        try f.skill("loop", []) { input, context in
            depths.withLock { $0.append(context.chainDepth) }
            return try await context.callSkill("loop", input: input)
        }
        await #expect(throws: WorkflowError(.chainTooDeep, "")) { try await f.runtime.run(skill: "loop", input: .null, trigger: Self.user) }
        #expect(depths.withLock { $0 } == [0, 1, 2])
        #expect(f.audited.contains { $0.event == "chain.denied" })
    }

    @Test("External output is sanitized whatever its JSON shape")
    func sanitizes() async throws {
        let f = Fixture()
        try f.skill("scraper", [], external: true) { _, _ in
            .object(["ti\u{200B}tle": .string("Hello\u{200B}"), "items": .array([.string("a\u{E0041}b"), .object(["x": .string("\u{202E}evil")])]), "n": .int(3)])
        }
        let output = try await f.runtime.run(skill: "scraper", input: .null, trigger: Self.user)
        #expect(output == .object(["title": .string("Hello"), "items": .array([.string("ab"), .object(["x": .string("evil")])]), "n": .int(3)]))
    }

    @Test("Skills that require approval wait for it, whatever the trigger; refusal or no provider stops them")
    func approval() async throws {
        let yes = Approver(answer: true)
        let f = Fixture(approvals: yes)
        try f.skill("pay", [], approval: true) { _, _ in .string("paid") }
        for trigger in [Self.user, Trigger(callerType: .mcp, identity: "cursor"), Trigger.scheduler] {
            #expect(try await f.runtime.run(skill: "pay", input: .null, trigger: trigger) == .string("paid"))
        }
        #expect(yes.seen.withLock { $0.map(\.trigger.identity) } == ["telegram:42", "cursor", "scheduler"])
        let no = Fixture(approvals: Approver(answer: false))
        try no.skill("pay", [], approval: true) { _, _ in .string("paid") }
        await #expect(throws: WorkflowError(.approvalRefused, "")) { try await no.runtime.run(skill: "pay", input: .null, trigger: Trigger.scheduler) }
        let none = Fixture()
        try none.skill("pay", [], approval: true) { _, _ in .string("paid") }
        await #expect(throws: WorkflowError(.approvalRefused, "")) { try await none.runtime.run(skill: "pay", input: .null, trigger: Self.user) }
        #expect(none.audited.contains { $0.event == "approval.denied" })
    }

    @Test("MCP triggers pass the policy's MCP rules before a skill runs")
    func mcpRules() async throws {
        let rules = try PolicyRule.parseFile(#"""
        [{"id": "no-shell", "type": "mcp_restriction", "priority": 1, "enabled": true, "config": {"tool_pattern": "shell*", "action": "deny"}}]
        """#)
        let f = Fixture(rules: rules)
        let ran = Mutex(false)
        try f.skill("shell_exec", []) { _, _ in ran.withLock { $0 = true }; return .null }
        await #expect(throws: AuthorizationDenied.self) {
            try await f.runtime.run(skill: "shell_exec", input: .null, trigger: Trigger(callerType: .mcp, identity: "cursor"))
        }
        #expect(!ran.withLock { $0 })
        _ = try await f.runtime.run(skill: "shell_exec", input: .null, trigger: Self.user)
        #expect(ran.withLock { $0 })
    }

    @Test("Timeouts and repeated failures go through the breaker; denials do not trip it")
    func breakerAndTimeout() async throws {
        let f = Fixture(configuration: .init(timeout: .milliseconds(50)))
        try f.skill("slow", []) { _, _ in try await Task.sleep(for: .seconds(30)); return .null }
        try f.skill("denied", []) { _, context in try await context.authorize("llm"); return .null }
        await #expect(throws: WorkflowError(.timeout, "")) { try await f.runtime.run(skill: "slow", input: .null, trigger: Self.user) }
        for _ in 0..<5 { _ = try? await f.runtime.run(skill: "denied", input: .null, trigger: Self.user) }
        #expect(f.runtime.breaker(for: "denied").state == .closed)
        for _ in 0..<2 { _ = try? await f.runtime.run(skill: "slow", input: .null, trigger: Self.user) }
        #expect(f.runtime.breaker(for: "slow").state == .open)
        await #expect(throws: CircuitOpenError.self) { try await f.runtime.run(skill: "slow", input: .null, trigger: Self.user) }
    }
}

/// An audit store whose disk is gone.
struct BrokenAuditStore: AuditStore {
    func fail() -> ClawSecurityError { ClawSecurityError(.auditStorage, "disk full") }
    func append(_ entry: AuditEntry) throws(ClawSecurityError) { throw fail() }
    func entries() throws(ClawSecurityError) -> [AuditEntry] { [] }
    func replace(with entries: [AuditEntry], anchor: AuditAnchor) throws(ClawSecurityError) { throw fail() }
    func anchor() throws(ClawSecurityError) -> AuditAnchor? { nil }
    func saveCheckpoint(_ checkpoint: AuditCheckpoint) throws(ClawSecurityError) { throw fail() }
    func checkpoint() throws(ClawSecurityError) -> AuditCheckpoint? { nil }
}

@Suite("Skill runtime and an unwritable audit log")
struct AuditFailureTests {
    @Test("When allows must be audited and the log cannot be written, calls are refused")
    func failClosed() async throws {
        let registry = SkillRegistry()
        try BuiltinSkills.register(in: registry)
        let strict = SkillRuntime(
            registry: registry, keyRing: SkillRuntimeTests.ring, policy: PolicyEngine(rules: []),
            audit: AuditLog(store: BrokenAuditStore(), keyRing: SkillRuntimeTests.ring, configuration: .init(recordsAllows: true)))
        let error = await #expect(throws: AuthorizationDenied.self) {
            try await strict.run(skill: "echo", input: .null, trigger: SkillRuntimeTests.user)
        }
        #expect(error?.reason.contains("audit log cannot be written") == true)
        // Recording only denials, an allowed call needs no write and goes through.
        let lenient = SkillRuntime(
            registry: registry, keyRing: SkillRuntimeTests.ring, policy: PolicyEngine(rules: []),
            audit: AuditLog(store: BrokenAuditStore(), keyRing: SkillRuntimeTests.ring))
        #expect(try await lenient.run(skill: "echo", input: .object(["input": .int(7)]), trigger: SkillRuntimeTests.user) == .int(7))
    }
}
