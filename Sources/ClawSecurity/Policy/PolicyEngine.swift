import Foundation
import Synchronization

/// Decides whether a call may proceed, from prioritized rules.
///
/// Rules are evaluated from the highest priority down. Within one priority every applicable rule is
/// consulted, and a deny wins over an allow; among several deniers (or allowers) the lowest id decides,
/// so the outcome never depends on file order. The first priority level that produces a decision ends the
/// evaluation; when none does, the call is allowed (the capability token has already limited it).
///
/// Rules are indexed by permission when they load: a decision looks only at rules for the context's
/// permission and at rules for every permission, never at the whole set.
///
/// The engine fails closed: if its rule source cannot be read or does not validate, every call is denied
/// with a reason that says so, until a ``reload()`` succeeds.
public final class PolicyEngine: Sendable {
    /// Where rules come from; called at creation and on every ``reload()``.
    public typealias Source = @Sendable () throws -> [PolicyRule]

    /// A decision that a candidate rule set would change.
    public struct Change: Sendable, Hashable {
        /// The context evaluated (without its token).
        public let context: AuthContext
        /// What the live rules decided.
        public let live: Decision
        /// What the candidate rules would decide.
        public let candidate: Decision
    }

    struct State {
        var compiled: Result<CompiledRules, ClawSecurityError>
        var candidate: CompiledRules?
        var changes: [Change] = []
    }

    private let state: Mutex<State>
    private let source: Source?
    /// The counters of `rate_limit` rules.
    public let limiter: RateLimiter
    /// How many shadow changes are kept.
    public static let maximumRecordedChanges = 1000

    /// Creates an engine over a fixed rule set.
    /// - Parameters:
    ///   - rules: The rules; ids must be unique.
    ///   - limiter: Rate-limit counters; a fresh one by default.
    public init(rules: [PolicyRule], limiter: RateLimiter = RateLimiter()) {
        self.source = nil
        self.limiter = limiter
        self.state = Mutex(State(compiled: CompiledRules.compile(rules)))
    }

    /// Creates an engine that reads its rules from a source now and on every ``reload()``.
    /// - Parameters:
    ///   - source: Returns the rules, or throws when they cannot be read.
    ///   - limiter: Rate-limit counters; a fresh one by default.
    public init(source: @escaping Source, limiter: RateLimiter = RateLimiter()) {
        self.source = source
        self.limiter = limiter
        self.state = Mutex(State(compiled: Self.load(source)))
    }

    /// Reads the source again. On failure the engine denies everything until a later reload succeeds.
    /// - Returns: The failure, if any.
    @discardableResult
    public func reload() -> ClawSecurityError? {
        guard let source else { return nil }
        let loaded = Self.load(source)
        state.withLock { $0.compiled = loaded }
        if case .failure(let error) = loaded { return error }
        return nil
    }

    private static func load(_ source: Source) -> Result<CompiledRules, ClawSecurityError> {
        do {
            return CompiledRules.compile(try source())
        } catch let error as ClawSecurityError {
            return .failure(ClawSecurityError(.policyUnavailable, "the policy rules cannot be loaded: \(error.reason)"))
        } catch {
            return .failure(ClawSecurityError(.policyUnavailable, "the policy rules cannot be read"))
        }
    }

    /// Decides a call, counting it against `rate_limit` rules when it is allowed.
    /// - Parameter context: Who asks for what, when.
    /// - Returns: The decision with its reason and deciding rule.
    public func evaluate(_ context: AuthContext) -> Decision {
        let (compiled, candidate) = state.withLock { ($0.compiled, $0.candidate) }
        let decision: Decision
        switch compiled {
        case .failure(let error):
            decision = Decision(isAllowed: false, reason: error.reason, ruleID: nil)
        case .success(let rules):
            decision = rules.evaluate(context, limiter: limiter, record: true)
        }
        if let candidate {
            let shadow = candidate.evaluate(context, limiter: limiter, record: false)
            if shadow.isAllowed != decision.isAllowed || shadow.ruleID != decision.ruleID {
                var context = context
                context.token = nil
                let change = Change(context: context, live: decision, candidate: shadow)
                state.withLock { state in
                    if state.changes.count >= Self.maximumRecordedChanges { state.changes.removeFirst() }
                    state.changes.append(change)
                }
            }
        }
        return decision
    }

    /// Starts (or, with `nil`, stops) evaluating a candidate rule set beside the live one. Its decisions are
    /// never enforced; those that differ from the live ones are recorded for ``recordedChanges()``.
    /// - Throws: ``ClawSecurityError/Code/invalidPolicy`` when the candidate does not validate.
    public func setCandidate(_ rules: [PolicyRule]?) throws(ClawSecurityError) {
        let compiled = try rules.map { r throws(ClawSecurityError) in try CompiledRules.compile(r).get() }
        state.withLock {
            $0.candidate = compiled
            $0.changes.removeAll()
        }
    }

    /// The decisions the candidate would have changed, oldest first (the last 1,000).
    public func recordedChanges() -> [Change] { state.withLock { $0.changes } }

    /// Evaluates contexts under the live rules and a candidate, without counting or enforcing anything,
    /// and returns the decisions that would change.
    /// - Throws: ``ClawSecurityError/Code/invalidPolicy`` when the candidate does not validate.
    public func dryRun(candidate rules: [PolicyRule], contexts: [AuthContext]) throws(ClawSecurityError) -> [Change] {
        let candidate = try CompiledRules.compile(rules).get()
        let live = state.withLock { $0.compiled }
        return contexts.compactMap { context in
            let current: Decision
            switch live {
            case .failure(let error): current = Decision(isAllowed: false, reason: error.reason, ruleID: nil)
            case .success(let rules): current = rules.evaluate(context, limiter: limiter, record: false)
            }
            let proposed = candidate.evaluate(context, limiter: limiter, record: false)
            guard proposed.isAllowed != current.isAllowed || proposed.ruleID != current.ruleID else { return nil }
            var context = context
            context.token = nil
            return Change(context: context, live: current, candidate: proposed)
        }
    }
}

/// Rules sorted and indexed for evaluation.
struct CompiledRules: Sendable {
    struct Rule: Sendable {
        let id: String
        let priority: Int
        let kind: PolicyRule.Kind
    }

    /// For each permission named by some rule: its rules and the permission-independent ones, in order.
    let byPermission: [String: [Rule]]
    /// Rules that apply to every permission, in order.
    let global: [Rule]

    static func compile(_ rules: [PolicyRule]) -> Result<CompiledRules, ClawSecurityError> {
        var ids = Set<String>()
        for rule in rules where !ids.insert(rule.id).inserted {
            return .failure(ClawSecurityError(.invalidPolicy, "rule '\(rule.id)': the id is used twice"))
        }
        let enabled = rules.filter(\.enabled).map { Rule(id: $0.id, priority: $0.priority, kind: $0.kind) }
        let order: (Rule, Rule) -> Bool = { a, b in
            a.priority != b.priority ? a.priority > b.priority : a.id.utf8.lexicographicallyPrecedes(b.id.utf8)
        }
        let global = enabled.filter { $0.kind.permission == nil }.sorted(by: order)
        var specific = [String: [Rule]]()
        for rule in enabled { if let p = rule.kind.permission { specific[p, default: []].append(rule) } }
        var byPermission = [String: [Rule]]()
        for (permission, rules) in specific { byPermission[permission] = (rules + global).sorted(by: order) }
        return .success(CompiledRules(byPermission: byPermission, global: global))
    }

    func evaluate(_ context: AuthContext, limiter: RateLimiter, record: Bool) -> Decision {
        let rules = byPermission[context.permission] ?? global
        var admitted: [String] = []
        var index = 0
        while index < rules.count {
            let priority = rules[index].priority
            var deny: (String, String)?
            var allow: (String, String)?
            while index < rules.count, rules[index].priority == priority {
                let rule = rules[index]
                index += 1
                switch rule.kind {
                case .rateLimit(_, let maxCalls, let window):
                    guard deny == nil else { continue }
                    let outcome: RateLimiter.Outcome
                    if record {
                        outcome = limiter.acquire(
                            rule: rule.id, caller: context.caller, permission: context.permission, maxCalls: maxCalls,
                            window: window, now: context.timestamp)
                    } else {
                        let used = limiter.count(rule: rule.id, caller: context.caller, permission: context.permission, now: context.timestamp)
                        outcome = used < maxCalls ? .admitted : .limited
                    }
                    switch outcome {
                    case .admitted:
                        if record { admitted.append(rule.id) }
                    case .limited:
                        deny = (rule.id, "rate limit: at most \(maxCalls) '\(context.permission)' calls per \(Int(window)) s for '\(context.caller)'")
                    case .full:
                        deny = (rule.id, "rate limiter is full; denying until counters expire")
                    }
                case .timeWindow(_, let start, let end, let zone):
                    let local = context.timestamp.timeIntervalSince1970 + Double(zone.secondsFromGMT(for: context.timestamp))
                    let hour = (Int((local / 3600).rounded(.down)) % 24 + 24) % 24
                    let inside = start < end ? (hour >= start && hour < end) : (hour >= start || hour < end)
                    if inside, deny == nil {
                        deny = (rule.id, "'\(context.permission)' is denied between \(start):00 and \(end):00 \(zone.identifier)")
                    }
                case .chainRestriction(let pattern, let maxDepth):
                    if context.chainDepth > maxDepth, deny == nil, pattern.matches(context.caller) {
                        deny = (rule.id, "'\(context.caller)' may not act at chain depth \(context.chainDepth) (limit \(maxDepth))")
                    }
                case .permissionOverride(_, let action, let expiresAt):
                    if let expiresAt, context.timestamp >= expiresAt { continue }
                    if action == .deny {
                        if deny == nil { deny = (rule.id, "'\(context.permission)' is denied by override") }
                    } else if allow == nil {
                        allow = (rule.id, "'\(context.permission)' is allowed by override")
                    }
                case .mcpRestriction(let pattern, let action):
                    guard context.callerType == .mcp, let tool = context.tool, pattern.matches(tool) else { continue }
                    if action == .deny {
                        if deny == nil { deny = (rule.id, "MCP tool '\(tool)' is denied") }
                    } else if allow == nil {
                        allow = (rule.id, "MCP tool '\(tool)' is allowed")
                    }
                }
            }
            if let (id, reason) = deny {
                for rule in admitted {
                    limiter.release(rule: rule, caller: context.caller, permission: context.permission, at: context.timestamp)
                }
                return Decision(isAllowed: false, reason: "rule '\(id)': \(reason)", ruleID: id)
            }
            if let (id, reason) = allow {
                return Decision(isAllowed: true, reason: "rule '\(id)': \(reason)", ruleID: id)
            }
        }
        return Decision(isAllowed: true, reason: "no rule decided; allowed", ruleID: nil)
    }
}
