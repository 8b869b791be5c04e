import Foundation
import Logging

/// The chat commands every gateway shares: `/help`, `/status`, `/skills`, `/workflows`, `/run NAME [input]`,
/// `/runs`, `/cancel ID`, `/shell CMD`, `/setup 2fa`, `/confirm 2fa CODE`, `/disable 2fa CODE`,
/// `/approve ID CODE`, `/deny ID`, a bare 2FA code, and free text for the conversational skill.
///
/// Every message passes the policy engine as caller type `chat` (permission ``commandPermission``, the
/// command's name as the tool) and is written to the audit log before anything runs; a command whose
/// entry cannot be written is refused. Skills and workflows run through the same ``SkillRuntime`` and
/// ``WorkflowExecutor`` as MCP and the scheduler, so tokens, breakers, sanitizing and 2FA apply alike.
public final class CommandDispatcher: ChatMessageHandler, Sendable {
    /// Settings.
    public struct Configuration: Sendable {
        /// The skill free text goes to when it is registered; `llm` by default.
        public var conversationalSkill: String
        /// The longest reply, in characters; longer ones are cut with a note. 6,000 by default.
        public var maximumReplyCharacters: Int

        /// Creates a configuration.
        public init(conversationalSkill: String = "llm", maximumReplyCharacters: Int = 6_000) {
            self.conversationalSkill = conversationalSkill
            self.maximumReplyCharacters = max(200, maximumReplyCharacters)
        }
    }

    /// The permission every chat message is checked for; policies match the command by its tool
    /// (`help`, `run`, `shell`, `chat` for free text, `approve` for codes).
    public static let commandPermission = "chat.command"

    /// The commands and what they do, as `/help` lists them.
    public static let commands: [(String, String)] = [
        ("/help", "this list"),
        ("/status", "what is running and configured"),
        ("/skills", "the registered skills"),
        ("/workflows", "the stored workflows"),
        ("/run NAME [input]", "run a workflow (input: text or JSON)"),
        ("/runs", "the latest runs"),
        ("/cancel ID", "cancel a running workflow"),
        ("/shell CMD", "run an allow-listed command (always needs 2FA)"),
        ("/setup 2fa [CODE]", "enrol 2FA (console only; CODE when re-enrolling)"),
        ("/confirm 2fa CODE", "finish enrolment with a code from the new secret"),
        ("/disable 2fa CODE", "remove 2FA (needs a current code)"),
        ("/approve ID CODE", "approve a waiting action (a bare code works when one is waiting)"),
        ("/deny ID", "refuse a waiting action"),
    ]

    /// Settings in force.
    public let configuration: Configuration
    let runtime: SkillRuntime
    let executor: WorkflowExecutor
    let database: ClawDatabase
    let policy: PolicyEngine
    let audit: AuditLog
    let broker: TwoFactorBroker?
    let hub: GatewayHub
    let clock: WallClock
    let startedAt: Date
    let logger: Logger

    /// Creates a dispatcher.
    /// - Parameters:
    ///   - runtime: Runs skills (`/shell`, free text).
    ///   - executor: Runs workflows (`/run`, `/cancel`).
    ///   - database: Workflows and runs.
    ///   - policy: Decides every command.
    ///   - audit: Records every command.
    ///   - broker: The 2FA broker, or `nil` when approvals are not available.
    ///   - hub: The running gateways (for `/status`).
    ///   - configuration: Settings.
    ///   - clock: The time source.
    ///   - logger: Logs command names and outcomes, never arguments.
    public init(
        runtime: SkillRuntime, executor: WorkflowExecutor, database: ClawDatabase, policy: PolicyEngine, audit: AuditLog,
        broker: TwoFactorBroker?, hub: GatewayHub, configuration: Configuration = .init(), clock: WallClock = .system,
        logger: Logger = Logger(label: "claw.chat")
    ) {
        self.runtime = runtime
        self.executor = executor
        self.database = database
        self.policy = policy
        self.audit = audit
        self.broker = broker
        self.hub = hub
        self.configuration = configuration
        self.clock = clock
        self.startedAt = clock.now()
        self.logger = logger
    }

    /// Handles one message from an authenticated sender and returns the reply.
    public func handle(_ message: InboundMessage) async -> String {
        let command = ChatCommand(parsing: message.text)
        // The policy engine and the audit log see every message before anything runs.
        let context = AuthContext(
            caller: message.identity, callerType: .chat, permission: Self.commandPermission, tool: command.tool,
            chainDepth: 0, timestamp: clock.now())
        let decision = policy.evaluate(context)
        var details = context.auditJSON
        if case .object(var members) = details {
            members["channel"] = .string(message.channel)
            members["chat"] = .string(message.chatID)
            details = .object(members)
        }
        do {
            try await audit.record(
                event: "chat.command", outcome: decision.isAllowed ? "allow" : "deny", reason: decision.reason, ruleID: decision.ruleID,
                context: details)
        } catch {
            logger.error("audit write failed; command refused", metadata: ["command": "\(command.tool)"])
            return "Refused: the audit log cannot be written."
        }
        guard decision.isAllowed else { return "Refused: \(decision.reason)" }
        return cap(await execute(command, message: message))
    }

    func execute(_ command: ChatCommand, message: InboundMessage) async -> String {
        let trigger = Trigger(callerType: .chat, identity: message.identity)
        switch command {
        case .help: return help()
        case .status: return await status()
        case .skills: return skills()
        case .workflows: return await workflows()
        case .run(let name, let input): return await run(name, input: input, trigger: trigger)
        case .runs: return await runs()
        case .cancel(let id):
            return executor.cancel(runID: id) ? "Cancelled \(id)." : "No running workflow has the id \(id)."
        case .shell(let line): return await shell(line, trigger: trigger)
        case .setup2FA(let code): return await setup(currentCode: code, message: message)
        case .confirm2FA(let code): return await confirm(code, message: message)
        case .disable2FA(let code): return await disable(code, message: message)
        case .approve(let id, let code): return await approve(code, id: id, message: message)
        case .deny(let id):
            guard let broker else { return "2FA approvals are not available." }
            return await broker.deny(id, by: message) ? "Denied [\(id)]." : "No open challenge has the id \(id)."
        case .code(let code):
            // A live one-time code never goes to a model provider, even when no challenge is open.
            guard let broker, !(await broker.openChallenges.isEmpty) else { return "No approval is waiting." }
            return await approve(code, id: nil, message: message)
        case .unknown(let name): return "Unknown command /\(name). /help lists the commands."
        case .malformed(let usage): return "Usage: \(usage)"
        case .text(let text): return await converse(text, trigger: trigger)
        }
    }

    // MARK: Commands

    func help() -> String {
        (["Commands:"] + Self.commands.map { "\($0.0) — \($0.1)" }
            + ["Other text goes to the assistant when an LLM is configured."]).joined(separator: "\n")
    }

    func status() async -> String {
        let uptime = Int(clock.now().timeIntervalSince(startedAt))
        var lines = ["Claw is running (up \(uptime / 3600)h \(uptime % 3600 / 60)m)."]
        lines.append("Gateways: \(hub.channels.joined(separator: ", ")).")
        lines.append("Skills: \(runtime.registry.list().count); active runs: \(executor.activeRuns.count).")
        if let broker {
            let enrolled = (try? await broker.isEnrolled()) ?? false
            let open = await broker.openChallenges.count
            lines.append("2FA: \(enrolled ? "enrolled" : "not enrolled")\(open > 0 ? ", \(open) approval(s) waiting" : "").")
        } else {
            lines.append("2FA: not available (no gateway can deliver challenges).")
        }
        lines.append("LLM: \(runtime.registry.entry(configuration.conversationalSkill) == nil ? "not configured" : "configured").")
        return lines.joined(separator: "\n")
    }

    func skills() -> String {
        let lines = runtime.registry.list().sorted { $0.name < $1.name }.map { descriptor -> String in
            var flags = [String]()
            if descriptor.isExternal { flags.append("external") }
            if descriptor.requiresApproval { flags.append("2FA") }
            let permissions = descriptor.permissions.isEmpty ? "no permissions" : descriptor.permissions.joined(separator: ", ")
            return "\(descriptor.name) v\(descriptor.version) (\(permissions)\(flags.isEmpty ? "" : "; " + flags.joined(separator: ", ")))"
        }
        return (["Skills:"] + lines).joined(separator: "\n")
    }

    func workflows() async -> String {
        do {
            let all = try await database.workflows.all()
            guard !all.isEmpty else { return "No workflows are stored. Add one with `claw workflow save FILE`." }
            return (["Workflows:"] + all.map { workflow in
                var flags = [String]()
                if !workflow.enabled { flags.append("disabled") }
                if let schedule = workflow.schedule { flags.append("schedule \(schedule)") }
                if workflow.requiresApproval { flags.append("2FA") }
                return "\(workflow.name) (\(workflow.steps.count) steps\(flags.isEmpty ? "" : "; " + flags.joined(separator: ", ")))"
            }).joined(separator: "\n")
        } catch {
            return "The workflows cannot be read (\(error.code))."
        }
    }

    func run(_ name: String, input: String, trigger: Trigger) async -> String {
        let workflow: Workflow?
        do {
            workflow = try await database.workflows.workflow(named: name)
        } catch {
            return "The workflows cannot be read (\(error.code))."
        }
        guard let workflow else { return "No workflow is named \(name)." }
        guard workflow.enabled else { return "The workflow \(name) is disabled." }
        var value = JSONValue.null
        if !input.isEmpty {
            value = (input.first == "{" || input.first == "[") ? ((try? JSONValue(parsing: input)) ?? .string(input)) : .string(input)
        }
        do {
            let record = try await executor.run(workflow, input: value, trigger: trigger)
            var lines = ["Run \(record.id) of \(name): \(record.status.rawValue)."]
            if let error = record.error { lines.append(error) }
            if let output = record.output { lines.append(Self.render(output)) }
            return lines.joined(separator: "\n")
        } catch let error as WorkflowError {
            return "The run was not started: \(error.reason)"
        } catch {
            return "The run was not started."
        }
    }

    func runs() async -> String {
        do {
            let recent = try await database.runs.recent(limit: 10)
            guard !recent.isEmpty else { return "No runs yet." }
            let formatter = ISO8601DateFormatter()
            return (["Latest runs:"] + recent.map { "\($0.id) \($0.workflow) \($0.status.rawValue) \(formatter.string(from: $0.startedAt))" })
                .joined(separator: "\n")
        } catch {
            return "The runs cannot be read."
        }
    }

    func shell(_ line: String, trigger: Trigger) async -> String {
        guard runtime.registry.entry("shell") != nil else {
            return "The shell skill is off. Enable it with `claw settings set shell.enabled` and an allow-list in `shell.allow` (see `claw doctor`)."
        }
        do {
            let output = try await runtime.run(skill: "shell", input: ["input": .string(line)], trigger: trigger)
            var lines = ["exit \(output["exit_code"].map(Self.render) ?? "?")\(output["timed_out"] == .bool(true) ? " (timed out)" : "")"]
            if case .string(let out)? = output["stdout"], !out.isEmpty { lines.append(out) }
            if case .string(let err)? = output["stderr"], !err.isEmpty { lines.append("stderr:\n" + err) }
            if output["truncated"] == .bool(true) { lines.append("(output truncated)") }
            return lines.joined(separator: "\n")
        } catch {
            return Self.describe(error)
        }
    }

    func converse(_ text: String, trigger: Trigger) async -> String {
        guard runtime.registry.entry(configuration.conversationalSkill) != nil else {
            return """
                I only understand commands until a language model is configured: /help lists them. \
                To talk with me, set one up, e.g. `claw settings set llm.provider anthropic` and \
                `claw settings set llm.anthropic_api_key` (or llm.provider openai with llm.base_url for Ollama).
                """
        }
        do {
            let output = try await runtime.run(skill: configuration.conversationalSkill, input: ["input": .string(text)], trigger: trigger)
            if case .string(let reply)? = output["text"] { return reply }
            return Self.render(output)
        } catch {
            return Self.describe(error)
        }
    }

    // MARK: 2FA

    func setup(currentCode: String?, message: InboundMessage) async -> String {
        guard let broker else { return "2FA is not available: no gateway can deliver challenges." }
        guard message.channel == ConsoleGateway.channelName else {
            return "For your safety the 2FA secret is never sent through a chat. Run `claw totp setup` on the machine, or /setup 2fa on the console."
        }
        do {
            let totp = try await broker.beginEnrollment(currentCode: currentCode, by: message)
            return """
                New 2FA secret (add it to your authenticator app; it is shown only now):
                secret: \(totp.base32Secret)
                uri: \(await broker.enrollmentURI(totp))
                Then send /confirm 2fa CODE with the code it shows.
                """
        } catch {
            return Self.describe(error)
        }
    }

    func confirm(_ code: String, message: InboundMessage) async -> String {
        guard let broker else { return "2FA is not available." }
        do {
            try await broker.confirmEnrollment(code: code, by: message)
            return "2FA is enrolled. Actions that need approval will ask for a code on every gateway that can deliver it."
        } catch {
            return Self.describe(error)
        }
    }

    func disable(_ code: String, message: InboundMessage) async -> String {
        guard let broker else { return "2FA is not available." }
        do {
            try await broker.disable(code: code, by: message)
            return "2FA is disabled. Actions that need approval are refused until you enrol again."
        } catch {
            return Self.describe(error)
        }
    }

    func approve(_ code: String, id: String?, message: InboundMessage) async -> String {
        guard let broker else { return "2FA approvals are not available." }
        switch await broker.answer(code, challengeID: id, from: message) {
        case .approved(let id): return "Approved [\(id)]."
        case .wrong(let remaining): return "That code is wrong or already used; \(remaining) attempt(s) left."
        case .denied(let reason): return "Denied: \(reason)."
        case .noChallenge: return id.map { "No open challenge has the id \($0)." } ?? "No approval is waiting."
        case .ambiguous(let ids):
            return ids.count > 1
                ? "Several approvals are waiting (\(ids.joined(separator: ", "))): use /approve ID CODE."
                : "Another approval closed in the last minutes, so say which one: /approve \(ids.joined()) CODE."
        }
    }

    // MARK: Helpers

    func cap(_ text: String) -> String {
        guard text.count > configuration.maximumReplyCharacters else { return text }
        return String(text.prefix(configuration.maximumReplyCharacters)) + "\n… (cut)"
    }

    static func render(_ value: JSONValue) -> String {
        if case .string(let text) = value { return text }
        return value.canonicalText
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let denied as AuthorizationDenied: return "Refused: \(denied.reason)"
        case let error as WorkflowError: return error.reason
        case let refusal as TwoFactorBroker.Refusal: return "Refused: \(refusal.reason)"
        case let error as StorageError: return "The state database failed (\(error.code))."
        case let error as ClawSecurityError: return "Refused (\(error.code))."
        default: return "It failed."
        }
    }
}
