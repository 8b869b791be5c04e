import ClawSecurity
import ClawWorkflow

/// The `shell` core skill: runs one allow-listed command, without a shell, after a human approved it.
///
/// Every run takes this path:
/// 1. the skill refuses at once when ``Configuration/enabled`` is false (the default);
/// 2. ``SkillRuntime`` has already asked for approval, because the descriptor always says
///    `requiresApproval: true`;
/// 3. `context.authorize("shell")` checks the step's capability token and the policy engine;
/// 4. ``ShellCommandGuard`` parses the line and matches it against ``Configuration/rules``;
/// 5. ``ShellRunner`` runs the approved argument vector in a clean environment with capped output and
///    a timeout that kills the whole process group.
///
/// Input, in any of these shapes: `{"input": "git status"}`, `{"input": {"command": "git status"}}`,
/// `{"config": {"command": "git status"}}`; the command may also be a JSON array of strings, the argument
/// vector itself (`["git", "status"]`), which gets the same checks.
///
/// Output: `{"command": ["git", "status"], "exit_code": 0, "stdout": "...", "stderr": "...",
/// "truncated": false, "timed_out": false}`. The skill is external, so the runtime sanitizes this output
/// before any model sees it.
///
/// - Important: Give the ``SkillRuntime`` a timeout longer than ``Configuration/timeout``; otherwise the
///   runtime cancels the step first (the process group is killed all the same, but the caller gets a
///   timeout error instead of a result with `timed_out: true`).
public struct ShellSkill: ApprovalDescribing {
    /// The skill's registered name.
    public static let name = "shell"
    /// The permission the skill declares and asks for on every run.
    public static let permission = "shell"

    /// What the skill may run, and how.
    public struct Configuration: Sendable, Hashable {
        /// Whether the skill runs anything; `false` by default. A disabled skill refuses every call and is
        /// not meant to be registered.
        public var enabled: Bool
        /// The allow rules; with none, every command is refused.
        public var rules: [ShellAllowRule]
        /// The guard's line length and argument count limits.
        public var limits: ShellCommandGuard.Configuration
        /// The directory commands run in; `nil` for a private folder in the system's temporary folder.
        public var workingDirectory: String?
        /// The most bytes kept of standard output, and separately of standard error; 64 KiB by default.
        public var outputLimit: Int
        /// How long a command may run before its process group is killed; 30 s by default.
        public var timeout: Duration

        /// Creates a configuration.
        /// - Parameters:
        ///   - enabled: Whether the skill runs anything.
        ///   - rules: The allow rules.
        ///   - limits: The guard's limits.
        ///   - workingDirectory: The directory commands run in; `nil` for a private folder in the system's
        ///     temporary folder.
        ///   - outputLimit: The most bytes kept per stream.
        ///   - timeout: How long a command may run.
        public init(
            enabled: Bool = false, rules: [ShellAllowRule] = [], limits: ShellCommandGuard.Configuration = .init(),
            workingDirectory: String? = nil, outputLimit: Int = 64 * 1024, timeout: Duration = .seconds(30)
        ) {
            self.enabled = enabled
            self.rules = rules
            self.limits = limits
            self.workingDirectory = workingDirectory
            self.outputLimit = outputLimit
            self.timeout = timeout
        }

        /// Creates a configuration whose rules are given in their one-line text form (`git status`,
        /// `git log --oneline -n *`, `ls ...`); blank lines and `#` comments are skipped.
        /// - Throws: ``ClawSecurityError/Code/shellInvalidRule`` naming the first malformed rule.
        public init(
            enabled: Bool = false, parsingRules ruleLines: [String], limits: ShellCommandGuard.Configuration = .init(),
            workingDirectory: String? = nil, outputLimit: Int = 64 * 1024, timeout: Duration = .seconds(30)
        ) throws(ClawSecurityError) {
            let rules = try ShellCommandGuard(parsing: ruleLines).rules
            self.init(
                enabled: enabled, rules: rules, limits: limits, workingDirectory: workingDirectory,
                outputLimit: outputLimit, timeout: timeout)
        }
    }

    /// A refusal by the skill's configuration or its guard (`shell.disabled`, `shell.refused`,
    /// `shell.metacharacter`, `shell.not_allowed`).
    ///
    /// The caller's input was at fault, not the skill, so the circuit breaker ignores it, as it ignores an
    /// authorization denial: a stream of refused commands cannot open the breaker and lock out good ones.
    /// Two refusals are equal when their codes are, so tests can write
    /// `#expect(throws: ShellSkill.Refused(.shellNotAllowed))`.
    public struct Refused: CircuitBreakerNeutralError, Hashable, Sendable, CustomStringConvertible {
        /// The guard's or the configuration's error, with its stable code and a reason that holds no output.
        public let error: ClawSecurityError

        /// Wraps an error; with a prototype such as `ClawSecurityError.shellNotAllowed`, it makes a
        /// prototype for comparing codes.
        /// - Parameter error: The refusal.
        public init(_ error: ClawSecurityError) { self.error = error }

        /// The stable code.
        public var code: ClawSecurityError.Code { error.code }

        /// The reason and the code.
        public var description: String { error.description }
    }

    /// `shell`, permission `shell`, external, and always requiring approval.
    public let descriptor: SkillDescriptor
    /// What the skill may run.
    public let configuration: Configuration
    /// The guard built from the configuration.
    public let commandGuard: ShellCommandGuard
    /// The runner built from the configuration.
    public let runner: ShellRunner

    /// Creates the skill.
    /// - Parameter configuration: What it may run; disabled by default.
    public init(configuration: Configuration = .init()) {
        self.descriptor = SkillDescriptor(
            name: Self.name, permissions: [Self.permission], isExternal: true, requiresApproval: true)
        self.configuration = configuration
        self.commandGuard = ShellCommandGuard(rules: configuration.rules, configuration: configuration.limits)
        self.runner = ShellRunner(configuration: .init(
            workingDirectory: configuration.workingDirectory, outputLimit: configuration.outputLimit,
            timeout: configuration.timeout))
    }

    /// Checks and runs one command.
    /// - Parameters:
    ///   - input: The step's input, holding the command (see the type's discussion).
    ///   - context: The step's context; the skill asks it for the `shell` permission.
    /// - Returns: The command's argument vector, exit code, output and flags.
    /// - Throws: ``Refused`` (`shell.disabled`, `shell.refused`, `shell.metacharacter`, `shell.not_allowed`),
    ///   ``ClawSecurityError`` with code `shell.launch_failed`, or the context's ``AuthorizationDenied``.
    public func run(_ input: JSONValue, context: SkillContext) async throws -> JSONValue {
        guard configuration.enabled else {
            throw Refused(ClawSecurityError(
                .shellDisabled, "the shell skill is disabled; enable it and add allow rules in its configuration"))
        }
        let request: Request
        do { request = try Self.command(in: input) } catch { throw Refused(error) }
        try await context.authorize(Self.permission)
        let approved = try approve(request)
        let result = try await runner.run(approved)
        return Self.output(approved, result)
    }

    /// The guard's verdict on a request, its refusals wrapped in ``Refused``.
    func approve(_ request: Request) throws -> ApprovedShellCommand {
        do {
            switch request {
            case .line(let line): return try commandGuard.check(line)
            case .argv(let argv): return try commandGuard.check(argv: argv)
            }
        } catch {
            throw Refused(error)
        }
    }

    /// The normalized command line that will run (the same parsing and checks as ``run(_:context:)``), shown
    /// to the person asked to approve it; a command the guard refuses is refused before anyone is asked.
    public func approvalSummary(for input: JSONValue) throws -> String {
        guard configuration.enabled else {
            throw Refused(ClawSecurityError(.shellDisabled, "the shell skill is disabled"))
        }
        let request: Request
        do { request = try Self.command(in: input) } catch { throw Refused(error) }
        return "$ " + (try approve(request)).description
    }

    enum Request: Equatable {
        case line(String)
        case argv([String])
    }

    /// Finds the command in the input's accepted shapes.
    static func command(in input: JSONValue) throws(ClawSecurityError) -> Request {
        let candidates = [input["input"], input["input"]?["command"], input["config"]?["command"]]
        for candidate in candidates {
            switch candidate {
            case .string(let line)?:
                return .line(line)
            case .array(let items)?:
                var argv: [String] = []
                for item in items {
                    guard let text = item.stringValue else {
                        throw ClawSecurityError(.shellRefused, "a command given as an array must hold only strings")
                    }
                    argv.append(text)
                }
                return .argv(argv)
            default:
                continue
            }
        }
        throw ClawSecurityError(
            .shellRefused, "no command was given: pass {\"input\": \"...\"} or {\"input\": {\"command\": \"...\"}}")
    }

    /// The skill's output object.
    static func output(_ command: ApprovedShellCommand, _ result: ShellRunner.Result) -> JSONValue {
        .object([
            "command": .array(command.argv.map(JSONValue.string)),
            "exit_code": .int(Int64(result.exitCode)),
            "stdout": .string(result.standardOutput),
            "stderr": .string(result.standardError),
            "truncated": .bool(result.truncated),
            "timed_out": .bool(result.timedOut),
        ])
    }
}
