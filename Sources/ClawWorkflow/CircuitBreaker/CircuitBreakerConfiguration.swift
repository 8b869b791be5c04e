/// When a ``CircuitBreaker`` opens, how long it stays open and how it probes.
public struct CircuitBreakerConfiguration: Sendable, Hashable {
    /// The window over which the failure rate is computed.
    public struct Window: Sendable, Hashable {
        enum Kind: Sendable, Hashable {
            case count(Int)
            case time(Duration)
        }

        let kind: Kind

        /// The last `n` calls.
        public static func lastCalls(_ n: Int) -> Window { Window(kind: .count(max(1, n))) }
        /// The calls of the last `duration`.
        public static func last(_ duration: Duration) -> Window { Window(kind: .time(duration)) }
    }

    /// Consecutive failures that open a closed breaker; 3 by default.
    public var consecutiveFailureThreshold: Int
    /// A failure rate (0 to 1) over the window that opens the breaker; off by default.
    public var failureRateThreshold: Double?
    /// The window for the failure rate; the last 20 calls by default.
    public var window: Window
    /// Calls the window must hold before the rate counts; 10 by default.
    public var minimumCalls: Int
    /// Calls slower than this count as failures; off by default.
    public var slowCallThreshold: Duration?
    /// How long the first trip keeps the breaker open; 30 s by default.
    public var openDuration: Duration
    /// Each further trip without closing in between multiplies the open period by this; 2 by default.
    public var backoffMultiplier: Double
    /// The longest open period; 10 minutes by default.
    public var maximumOpenDuration: Duration
    /// Calls admitted while half-open; all must succeed to close. 1 by default.
    public var halfOpenProbes: Int

    /// Creates a configuration; every parameter has a default.
    public init(
        consecutiveFailureThreshold: Int = 3, failureRateThreshold: Double? = nil, window: Window = .lastCalls(20),
        minimumCalls: Int = 10, slowCallThreshold: Duration? = nil, openDuration: Duration = .seconds(30),
        backoffMultiplier: Double = 2, maximumOpenDuration: Duration = .seconds(600), halfOpenProbes: Int = 1
    ) {
        self.consecutiveFailureThreshold = max(1, consecutiveFailureThreshold)
        self.failureRateThreshold = failureRateThreshold.map { min(1, max(0, $0)) }
        self.window = window
        self.minimumCalls = max(1, minimumCalls)
        self.slowCallThreshold = slowCallThreshold
        self.openDuration = openDuration
        self.backoffMultiplier = max(1, backoffMultiplier)
        self.maximumOpenDuration = max(openDuration, maximumOpenDuration)
        self.halfOpenProbes = max(1, halfOpenProbes)
    }
}

/// The observable state of a ``CircuitBreaker``.
public enum CircuitBreakerState: String, Sendable, Hashable {
    /// Calls run; failures are counted.
    case closed
    /// Calls are refused until the open period ends.
    case open
    /// A limited number of probe calls run; their results close or reopen the breaker.
    case halfOpen = "half_open"
    /// Calls are refused until reset by hand.
    case forcedOpen = "forced_open"
    /// Calls run and nothing is counted, until reset by hand.
    case disabled
}

/// Errors that say nothing about the health of what a breaker protects: a policy denial, a cancellation.
/// They neither count as failures nor as successes.
public protocol CircuitBreakerNeutralError: Error {}
