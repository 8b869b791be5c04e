import Foundation

/// A workflow: named steps, each running a skill, linked by routes.
///
/// Workflows are JSON documents (see ``init(json:)`` and ``json``). Every run goes through the same
/// ``SkillRuntime`` path as any other skill call; a fallback skill too.
public struct Workflow: Sendable, Hashable {
    /// What a step does when its skill fails (after retries).
    public enum ErrorAction: String, Sendable, Hashable, CaseIterable {
        /// End the run as failed.
        case halt
        /// Go on with the next step, passing the step's input through.
        case skip
        /// Go to ``Step/errorRoute``.
        case route
    }

    /// What a step does when its skill's breaker is open.
    public enum CircuitOpenAction: String, Sendable, Hashable, CaseIterable {
        /// End the run as failed.
        case halt
        /// Go on with the next step.
        case skip
        /// Run ``Step/fallbackSkill`` instead, through the same path.
        case fallback
    }

    /// What a step does when its skill is not registered at run time.
    public enum MissingSkillAction: String, Sendable, Hashable, CaseIterable {
        /// End the run as failed.
        case halt
        /// Go on with the next step.
        case skip
    }

    /// Retries of a failing step.
    public struct Retry: Sendable, Hashable {
        /// Further attempts after the first; 0 to 10.
        public var maximum: Int
        /// The wait before the first retry.
        public var backoff: Duration
        /// Each further wait is multiplied by this (1 to 10).
        public var multiplier: Double

        /// Creates a retry policy.
        public init(maximum: Int = 0, backoff: Duration = .milliseconds(100), multiplier: Double = 2) {
            self.maximum = maximum
            self.backoff = backoff
            self.multiplier = multiplier
        }
    }

    /// One step.
    public struct Step: Sendable, Hashable {
        /// The step's unique name.
        public var name: String
        /// The skill it runs.
        public var skill: String
        /// Configuration passed to the skill beside the input.
        public var config: JSONValue
        /// Take the input from this step's output instead of the step run just before.
        public var inputFrom: String?
        /// Branch value → next step (or `$end`). The branch is the output's `"branch"` string.
        public var routes: [String: String]
        /// The next step when no branch matches; the following step in the list when `nil`.
        public var defaultRoute: String?
        /// A timeout for this step, on top of the runtime's.
        public var timeout: Duration?
        /// Retries.
        public var retry: Retry
        /// On failure.
        public var onError: ErrorAction
        /// Where `onError == .route` goes.
        public var errorRoute: String?
        /// On an open breaker.
        public var onCircuitOpen: CircuitOpenAction
        /// The skill run when the breaker is open and `onCircuitOpen == .fallback`.
        public var fallbackSkill: String?
        /// On a skill missing at run time.
        public var onMissingSkill: MissingSkillAction
        /// How often a run may enter this step; required on every loop.
        public var maximumVisits: Int?

        /// Creates a step; only the name and skill are required.
        public init(
            name: String, skill: String, config: JSONValue = .object([:]), inputFrom: String? = nil,
            routes: [String: String] = [:], defaultRoute: String? = nil, timeout: Duration? = nil, retry: Retry = .init(),
            onError: ErrorAction = .halt, errorRoute: String? = nil, onCircuitOpen: CircuitOpenAction = .halt,
            fallbackSkill: String? = nil, onMissingSkill: MissingSkillAction = .halt, maximumVisits: Int? = nil
        ) {
            self.name = name
            self.skill = skill
            self.config = config
            self.inputFrom = inputFrom
            self.routes = routes
            self.defaultRoute = defaultRoute
            self.timeout = timeout
            self.retry = retry
            self.onError = onError
            self.errorRoute = errorRoute
            self.onCircuitOpen = onCircuitOpen
            self.fallbackSkill = fallbackSkill
            self.onMissingSkill = onMissingSkill
            self.maximumVisits = maximumVisits
        }
    }

    /// The route target that ends a run.
    public static let end = "$end"

    /// The workflow's name.
    public var name: String
    /// The steps; the first one starts every run.
    public var steps: [Step]
    /// Whether each run needs a human's approval first.
    public var requiresApproval: Bool
    /// A 5-field cron expression, if the workflow runs on a schedule.
    public var schedule: String?
    /// The schedule's time zone identifier; UTC by default.
    public var timeZone: String?
    /// Whether the workflow may run.
    public var enabled: Bool

    /// Creates a workflow.
    public init(
        name: String, steps: [Step], requiresApproval: Bool = false, schedule: String? = nil, timeZone: String? = nil,
        enabled: Bool = true
    ) {
        self.name = name
        self.steps = steps
        self.requiresApproval = requiresApproval
        self.schedule = schedule
        self.timeZone = timeZone
        self.enabled = enabled
    }

    /// Returns the step with a name.
    public func step(named name: String) -> Step? { steps.first { $0.name == name } }

    /// The step after `index` in the list, or `$end`.
    func next(after index: Int) -> String { index + 1 < steps.count ? steps[index + 1].name : Self.end }

    /// Every step a step can lead to.
    func successors(of index: Int) -> [String] {
        let step = steps[index]
        var out = Array(step.routes.values)
        out.append(step.defaultRoute ?? next(after: index))
        if step.onError == .skip || step.onCircuitOpen == .skip || step.onMissingSkill == .skip { out.append(next(after: index)) }
        if step.onError == .route, let route = step.errorRoute { out.append(route) }
        return out
    }
}
