import Foundation
import Synchronization

/// The one path every skill call takes, whoever starts it (chat, MCP, scheduler, a workflow, another skill):
///
/// 1. the trigger is authorized to run the skill (`skill.run`, tool = the skill's name);
/// 2. a capability token is minted for the step (or the caller's is attenuated), limited to the skill's
///    declared permissions, the chain depth limit, the run and a short lifetime;
/// 3. approval is awaited when the skill requires it;
/// 4. the skill runs behind its circuit breaker, with a timeout;
/// 5. the output of an external skill is sanitized, whatever its JSON shape;
/// and every denial is written to the audit log.
public final class SkillRuntime: Sendable {
    /// Limits.
    public struct Configuration: Sendable {
        /// The deepest skill-to-skill chain; 3 by default.
        public var maximumChainDepth: Int
        /// How long a step's token lives; 5 minutes by default.
        public var tokenLifetime: TimeInterval
        /// How long a skill may run; 30 s by default.
        public var timeout: Duration
        /// Breaker settings for every skill.
        public var breaker: CircuitBreakerConfiguration

        /// Creates a configuration.
        public init(
            maximumChainDepth: Int = 3, tokenLifetime: TimeInterval = 300, timeout: Duration = .seconds(30),
            breaker: CircuitBreakerConfiguration = .init()
        ) {
            self.maximumChainDepth = max(0, maximumChainDepth)
            self.tokenLifetime = tokenLifetime
            self.timeout = timeout
            self.breaker = breaker
        }
    }

    /// The permission a trigger needs to run a skill; policies can match it with the skill as the tool.
    public static let runPermission = "skill.run"

    /// The only permission in the token of a skill that declares none; no service grants it.
    public static let noPermission = "none"

    /// The registered skills.
    public let registry: SkillRegistry
    /// Limits.
    public let configuration: Configuration
    let minter: CapabilityMinter
    let verifier: CapabilityVerifier
    let policy: PolicyEngine
    let audit: AuditLog?
    let sanitizer: any ContentSanitizing
    let services: any SkillServices
    let approvals: (any ApprovalProvider)?
    let wallClock: WallClock
    private let breakers = Mutex([String: CircuitBreaker<ContinuousClock>]())

    /// Creates a runtime.
    public init(
        registry: SkillRegistry, keyRing: KeyRing, policy: PolicyEngine, audit: AuditLog?,
        sanitizer: any ContentSanitizing = ContentSanitizer(), services: any SkillServices = UnavailableServices(),
        approvals: (any ApprovalProvider)? = nil, configuration: Configuration = .init(), wallClock: WallClock = .system
    ) {
        self.registry = registry
        self.minter = CapabilityMinter(keyRing: keyRing)
        self.verifier = CapabilityVerifier(keyRing: keyRing, clock: wallClock)
        self.policy = policy
        self.audit = audit
        self.sanitizer = sanitizer
        self.services = services
        self.approvals = approvals
        self.configuration = configuration
        self.wallClock = wallClock
    }

    /// The breaker of a skill (created on first use).
    public func breaker(for skill: String) -> CircuitBreaker<ContinuousClock> {
        breakers.withLock { breakers in
            if let existing = breakers[skill] { return existing }
            let created = CircuitBreaker(name: skill, configuration: configuration.breaker, clock: ContinuousClock())
            breakers[skill] = created
            return created
        }
    }

    /// Runs a skill for a trigger, at the top of a chain.
    /// - Parameters:
    ///   - skill: The registered name.
    ///   - input: The input.
    ///   - runID: The workflow run, if any.
    ///   - trigger: Who started it.
    /// - Returns: The output (sanitized for external skills).
    public func run(skill: String, input: JSONValue, runID: String? = nil, trigger: Trigger) async throws -> JSONValue {
        try await invoke(skill: skill, input: input, parentToken: nil, chainDepth: 0, runID: runID, trigger: trigger)
    }

    func invoke(
        skill name: String, input: JSONValue, parentToken: CapabilityToken?, chainDepth: Int, runID: String?,
        trigger: Trigger
    ) async throws -> JSONValue {
        guard let entry = registry.entry(name) else { throw WorkflowError(.unknownSkill, "no skill named '\(name)'") }
        guard chainDepth <= configuration.maximumChainDepth else {
            let reason = "chain depth \(chainDepth) exceeds \(configuration.maximumChainDepth)"
            await recordDenial(event: "chain.denied", reason: reason, caller: trigger.identity, callerType: trigger.callerType,
                         permission: Self.runPermission, tool: name, chainDepth: chainDepth, runID: runID)
            throw WorkflowError(.chainTooDeep, reason)
        }
        // 1. May this trigger run this skill?
        try await authorizePolicy(
            permission: Self.runPermission, tool: name, caller: trigger.identity, callerType: trigger.callerType,
            chainDepth: chainDepth, runID: runID)
        // 2. The step's token: the caller's narrowed to the callee, or a fresh one for a top-level call.
        let permissions = entry.descriptor.permissions.isEmpty ? [Self.noPermission] : entry.descriptor.permissions
        let caveats: [CaveatPredicate] = [
            .permissions(permissions), .maximumChainDepth(configuration.maximumChainDepth),
            .expires(wallClock.now().addingTimeInterval(configuration.tokenLifetime)),
        ] + (runID.map { [.workflowRun($0)] } ?? [])
        let token = parentToken.map { $0.attenuated(caveats) } ?? minter.mint(caveats: caveats)
        // 3. Approval, whatever started the run.
        if entry.descriptor.requiresApproval {
            // A skill that can describe the input does so first: an input it would refuse never reaches a
            // person, and the person sees exactly what will run.
            let summary = try (entry.skill as? any ApprovalDescribing)?.approvalSummary(for: input)
            try await requireApproval(ApprovalRequest(subject: name, runID: runID, trigger: trigger, arguments: input, summary: summary))
        }
        // 4. Breaker and timeout.
        let context = SkillContext(
            skillName: name, runID: runID, chainDepth: chainDepth, token: token,
            callerType: entry.isCore ? .core : .dynamic, runtime: self)
        let timeout = configuration.timeout
        let output = try await breaker(for: name).run {
            try await Self.withTimeout(timeout, skill: name) { try await entry.skill.run(input, context: context) }
        }
        // 5. Sanitize untrusted output, whatever its shape.
        return entry.descriptor.isExternal ? sanitize(output) : output
    }

    func requireApproval(_ request: ApprovalRequest) async throws {
        guard let approvals else {
            await recordDenial(event: "approval.denied", reason: "no approval provider is configured", caller: request.trigger.identity,
                         callerType: request.trigger.callerType, permission: Self.runPermission, tool: request.subject,
                         chainDepth: 0, runID: request.runID)
            throw WorkflowError(.approvalRefused, "'\(request.subject)' requires approval and no approval provider is configured")
        }
        do {
            try await approvals.approve(request)
        } catch {
            await recordDenial(event: "approval.denied", reason: "approval refused", caller: request.trigger.identity,
                         callerType: request.trigger.callerType, permission: Self.runPermission, tool: request.subject,
                         chainDepth: 0, runID: request.runID)
            throw WorkflowError(.approvalRefused, "'\(request.subject)' was not approved")
        }
    }

    /// Sanitizes every string in a JSON value, keys included, keeping its structure.
    public func sanitize(_ value: JSONValue) -> JSONValue { sanitizer.sanitizedJSON(value) }

    static let watchdog = TimeoutWatchdog()

    static func withTimeout<T: Sendable>(_ timeout: Duration, skill: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                // One shared timer for every step (see TimeoutWatchdog): no timer outlives its call.
                guard await watchdog.expired(after: timeout) else { throw CancellationError() }
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw WorkflowError(.timeout, "'\(skill)' ran longer than \(timeout)")
            }
            return value
        }
    }

    // MARK: Authorization

    func authorize(
        permission: String, tool: String?, token: CapabilityToken, caller: String, callerType: AuthContext.CallerType,
        chainDepth: Int, runID: String?
    ) async throws -> VerifiedCapability {
        let verified: VerifiedCapability
        do {
            verified = try verifier.verify(
                token, for: CapabilityRequest(permission: permission, skill: caller, chainDepth: chainDepth, workflowRun: runID))
        } catch {
            await recordDenial(event: "token.denied", reason: error.reason, caller: caller, callerType: callerType,
                         permission: permission, tool: tool, chainDepth: chainDepth, runID: runID)
            throw AuthorizationDenied(permission: permission, reason: error.reason, ruleID: nil)
        }
        try await authorizePolicy(permission: permission, tool: tool, caller: caller, callerType: callerType, chainDepth: chainDepth, runID: runID)
        return verified
    }

    func authorizePolicy(
        permission: String, tool: String?, caller: String, callerType: AuthContext.CallerType, chainDepth: Int, runID: String?
    ) async throws {
        let context = AuthContext(
            caller: caller, callerType: callerType, permission: permission, tool: tool, chainDepth: chainDepth,
            workflowRunID: runID, timestamp: wallClock.now())
        let decision = policy.evaluate(context)
        if !decision.isAllowed {
            // The call is refused whether or not the denial could be written.
            _ = try? await audit?.record(decision, context: context)
            throw AuthorizationDenied(permission: permission, reason: decision.reason, ruleID: decision.ruleID)
        }
        if let audit, audit.configuration.recordsAllows {
            // An allow that must be audited and cannot be is refused: fail closed.
            do {
                try await audit.record(decision, context: context)
            } catch {
                throw AuthorizationDenied(permission: permission, reason: "the audit log cannot be written: \(error.reason)", ruleID: nil)
            }
        }
    }

    func recordDenial(
        event: String, reason: String, caller: String, callerType: AuthContext.CallerType, permission: String, tool: String?,
        chainDepth: Int, runID: String?
    ) async {
        let context = AuthContext(
            caller: caller, callerType: callerType, permission: permission, tool: tool, chainDepth: chainDepth,
            workflowRunID: runID, timestamp: wallClock.now())
        _ = try? await audit?.record(event: event, outcome: "deny", reason: reason, context: context.auditJSON)
    }
}
