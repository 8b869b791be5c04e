import ClawGateways
import Foundation
import Testing

@Suite("Chat commands")
struct CommandDispatcherTests {
    struct Setup {
        let fixture: ChatFixture
        let dispatcher: CommandDispatcher
        let broker: TwoFactorBroker
        let registry: SkillRegistry
    }

    static func setup(rules: String = "[]", enroll: Bool = true, extraSkills: [any Skill] = []) async throws -> Setup {
        let fixture = try await ChatFixture.make(enroll: enroll)
        let registry = SkillRegistry()
        try BuiltinSkills.register(in: registry)
        for skill in extraSkills { try registry.register(skill) }
        let policy = PolicyEngine(rules: try PolicyRule.parseFile(rules))
        let broker = fixture.broker()
        let runtime = SkillRuntime(
            registry: registry, keyRing: fixture.keyRing, policy: policy, audit: fixture.audit, approvals: broker,
            wallClock: fixture.clock.wallClock)
        let executor = WorkflowExecutor(runtime: runtime, store: fixture.database.runs)
        let dispatcher = CommandDispatcher(
            runtime: runtime, executor: executor, database: fixture.database, policy: policy, audit: fixture.audit, broker: broker,
            hub: fixture.hub, clock: fixture.clock.wallClock)
        return Setup(fixture: fixture, dispatcher: dispatcher, broker: broker, registry: registry)
    }

    @Test("commands parse, with their arguments and usage errors")
    func parsing() {
        #expect(ChatCommand(parsing: "/help@claw_bot") == .help)
        #expect(ChatCommand(parsing: "/start") == .help)
        #expect(ChatCommand(parsing: "/run nightly {\"a\": 1}") == .run(name: "nightly", input: "{\"a\": 1}"))
        #expect(ChatCommand(parsing: "/run") == .malformed("/run NAME [input]"))
        #expect(ChatCommand(parsing: "/shell git status") == .shell("git status"))
        #expect(ChatCommand(parsing: "/setup 2fa") == .setup2FA(currentCode: nil))
        #expect(ChatCommand(parsing: "/setup 2FA 123456") == .setup2FA(currentCode: "123456"))
        #expect(ChatCommand(parsing: "/confirm 2fa 123456") == .confirm2FA("123456"))
        #expect(ChatCommand(parsing: "/disable 2fa") == .malformed("/disable 2fa CODE"))
        #expect(ChatCommand(parsing: "/approve ab12cd 123456") == .approve(id: "ab12cd", code: "123456"))
        #expect(ChatCommand(parsing: " 123456 ") == .code("123456"))
        #expect(ChatCommand(parsing: "12345") == .text("12345"))
        #expect(ChatCommand(parsing: "/rm -rf") == .unknown("rm"))
        #expect(ChatCommand(parsing: "what's the weather?") == .text("what's the weather?"))
        #expect(ChatCommand(parsing: "/cancel").tool == "malformed")
    }

    @Test("every message is decided by the policy engine as caller type chat and audited before it runs")
    func policyAndAudit() async throws {
        let setup = try await Self.setup(rules: #"""
            [{"id": "no-chat", "type": "permission_override", "priority": 10, "enabled": true,
              "config": {"permission": "chat.command", "action": "deny"}}]
            """#)
        defer { Task { await setup.fixture.close() } }
        let reply = await setup.dispatcher.handle(setup.fixture.message("/help"))
        #expect(reply.hasPrefix("Refused"))
        let entries = try await setup.fixture.database.audit.entries()
        let entry = try #require(entries.last)
        #expect(entry.event == "chat.command" && entry.outcome == "deny" && entry.ruleID == "no-chat")
        #expect(entry.context["caller_type"] == "chat" && entry.context["tool"] == "help" && entry.context["channel"] == "telegram")
    }

    @Test("help, status, skills, workflows, runs and a stored workflow run")
    func everydayCommands() async throws {
        let setup = try await Self.setup()
        defer { Task { await setup.fixture.close() } }
        let chat = setup.dispatcher
        let message = setup.fixture.message
        #expect(await chat.handle(message("/help", "telegram", "42")).contains("/shell CMD"))
        let status = await chat.handle(message("/status", "telegram", "42"))
        #expect(status.contains("2FA: enrolled") && status.contains("Gateways: discord, telegram, webhook"))
        #expect(await chat.handle(message("/skills", "telegram", "42")).contains("echo v1"))
        #expect(await chat.handle(message("/workflows", "telegram", "42")).contains("No workflows"))
        try await setup.fixture.database.workflows.save(try Workflow(json: #"{"name": "greet", "steps": [{"name": "e", "skill": "echo"}]}"#))
        #expect(await chat.handle(message("/workflows", "telegram", "42")).contains("greet (1 steps)"))
        let run = await chat.handle(message("/run greet hello there", "telegram", "42"))
        #expect(run.contains("succeeded") && run.contains("hello there"), "\(run)")
        #expect(await chat.handle(message("/run missing", "telegram", "42")) == "No workflow is named missing.")
        #expect(await chat.handle(message("/runs", "telegram", "42")).contains("greet succeeded"))
        #expect(await chat.handle(message("/cancel nothing", "telegram", "42")).contains("No running workflow"))
        #expect(await chat.handle(message("/shell ls", "telegram", "42")).contains("shell skill is off"))
        #expect(await chat.handle(message("hello?", "telegram", "42")).contains("/help"))
        #expect(await chat.handle(message("123456", "telegram", "42")) == "No approval is waiting.", "a code never goes to a model")
        let commands = try await setup.fixture.database.audit.entries().filter { $0.event == "chat.command" }
        #expect(commands.count == 12)
        #expect(commands.allSatisfy { $0.context["caller"] == "telegram:42" })
    }

    @Test("a skill that needs approval, started from chat, is approved by a code sent as the next message")
    func approvalThroughChat() async throws {
        let guarded = ClosureSkill(SkillDescriptor(name: "shell", permissions: ["shell"], requiresApproval: true)) { input, context in
            try await context.authorize("shell")
            return ["exit_code": 0, "stdout": .string("ran \(input["input"]?.stringValue ?? "")")]
        }
        let setup = try await Self.setup(extraSkills: [guarded])
        defer { Task { await setup.fixture.close() } }
        let shell = Task { await setup.dispatcher.handle(setup.fixture.message("/shell uptime")) }
        let challenge = try #require(await TwoFactorBrokerTests.openChallenge(setup.broker))
        #expect(await setup.fixture.telegram.waitFor { $0.contains(challenge.id) && $0.contains("uptime") } != nil)
        let code = setup.fixture.code()
        #expect(await setup.dispatcher.handle(setup.fixture.message(code, channel: "discord", sender: "7")) == "Approved [\(challenge.id)].")
        let reply = await shell.value
        #expect(reply.contains("ran uptime") && reply.hasPrefix("exit 0"), "\(reply)")
        // Denied: a wrong code three times.
        let denied = Task { await setup.dispatcher.handle(setup.fixture.message("/shell reboot")) }
        _ = try #require(await TwoFactorBrokerTests.openChallenge(setup.broker))
        for _ in 0..<3 { _ = await setup.dispatcher.handle(setup.fixture.message("/approve 999999")) }
        #expect(await denied.value.contains("not approved"))
    }

    @Test("the 2FA secret is shown on the console only, never through a chat gateway")
    func enrolmentStaysOffChat() async throws {
        let setup = try await Self.setup(enroll: false)
        defer { Task { await setup.fixture.close() } }
        let viaTelegram = await setup.dispatcher.handle(setup.fixture.message("/setup 2fa"))
        #expect(viaTelegram.contains("never sent through a chat") && !viaTelegram.contains("secret:"))
        let console = setup.fixture.message("/setup 2fa", channel: "console", sender: "owner")
        let shown = await setup.dispatcher.handle(console)
        let secretLine = try #require(shown.split(separator: "\n").first { $0.hasPrefix("secret: ") })
        let totp = try TOTP(base32Secret: String(secretLine.dropFirst("secret: ".count)))
        let confirm = setup.fixture.message("/confirm 2fa \(totp.code(at: setup.fixture.clock.now))", channel: "console", sender: "owner")
        #expect(await setup.dispatcher.handle(confirm).hasPrefix("2FA is enrolled"))
        #expect(await setup.dispatcher.handle(setup.fixture.message("/status")).contains("2FA: enrolled"))
        // The secret never went out through any gateway, and the audit log holds no secret either.
        #expect(!setup.fixture.telegram.messages.joined().contains(totp.base32Secret))
        let audit = try await setup.fixture.database.audit.entries().map { $0.context.canonicalText + $0.reason }.joined()
        #expect(!audit.contains(totp.base32Secret))
    }

    @Test("a command whose audit entry cannot be written is refused")
    func auditFailureRefuses() async throws {
        let setup = try await Self.setup()
        let database = setup.fixture.database
        await database.close()
        let reply = await setup.dispatcher.handle(setup.fixture.message("/help"))
        #expect(reply == "Refused: the audit log cannot be written.")
        try? FileManager.default.removeItem(at: setup.fixture.folder)
    }
}
