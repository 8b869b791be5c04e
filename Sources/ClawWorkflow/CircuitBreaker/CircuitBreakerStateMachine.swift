/// The pure state machine behind ``CircuitBreaker``: no locks, no clocks, no tasks. Every method takes the
/// current instant, so tests (and the property test's reference model) drive it deterministically.
struct CircuitBreakerStateMachine<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    enum Phase: Sendable, Equatable {
        case closed
        case open(until: Instant)
        case halfOpen(admitted: Int, succeeded: Int)
        case forcedOpen
        case disabled
    }

    struct Outcome: Sendable {
        let at: Instant
        let failed: Bool
    }

    let configuration: CircuitBreakerConfiguration
    private(set) var phase: Phase = .closed
    /// Consecutive failures while closed.
    private(set) var consecutiveFailures = 0
    /// How many times the breaker tripped in a row without closing again; drives the back-off.
    private(set) var trips = 0
    /// Outcomes in the sliding window, oldest first.
    private(set) var outcomes: [Outcome] = []
    /// Bumped on every phase change; results of calls admitted in an earlier generation are ignored.
    private(set) var generation: UInt64 = 0

    init(configuration: CircuitBreakerConfiguration) { self.configuration = configuration }

    /// The public view of the phase.
    var state: CircuitBreakerState {
        switch phase {
        case .closed: .closed
        case .open: .open
        case .halfOpen: .halfOpen
        case .forcedOpen: .forcedOpen
        case .disabled: .disabled
        }
    }

    /// Asks to run a call; returns the generation to report its result under, or `nil` when refused.
    mutating func acquire(now: Instant) -> UInt64? {
        switch phase {
        case .closed, .disabled:
            return generation
        case .forcedOpen:
            return nil
        case .open(let until):
            guard now >= until else { return nil }
            move(to: .halfOpen(admitted: 1, succeeded: 0))
            return generation
        case .halfOpen(let admitted, let succeeded):
            guard admitted < configuration.halfOpenProbes else { return nil }
            phase = .halfOpen(admitted: admitted + 1, succeeded: succeeded)
            return generation
        }
    }

    /// The result of an admitted call.
    enum Result: Sendable { case success, failure, neutral }

    /// Records a result and returns whether the state changed.
    mutating func record(_ result: Result, generation admittedIn: UInt64, duration: Duration, now: Instant) -> Bool {
        guard admittedIn == generation else { return false }
        let before = state
        var failed = result == .failure
        if result == .success, let slow = configuration.slowCallThreshold, duration > slow { failed = true }
        switch phase {
        case .disabled, .forcedOpen, .open:
            break
        case .closed:
            if result == .neutral { break }
            remember(Outcome(at: now, failed: failed), now: now)
            consecutiveFailures = failed ? consecutiveFailures + 1 : 0
            if consecutiveFailures >= configuration.consecutiveFailureThreshold || rateExceeded() {
                trip(now: now)
            }
        case .halfOpen(let admitted, let succeeded):
            if result == .neutral {
                // The probe proved nothing; let another one through.
                phase = .halfOpen(admitted: admitted - 1, succeeded: succeeded)
            } else if failed {
                trip(now: now)
            } else if succeeded + 1 >= configuration.halfOpenProbes {
                trips = 0
                move(to: .closed)
            } else {
                phase = .halfOpen(admitted: admitted, succeeded: succeeded + 1)
            }
        }
        return state != before
    }

    private mutating func remember(_ outcome: Outcome, now: Instant) {
        outcomes.append(outcome)
        switch configuration.window.kind {
        case .count(let n):
            if outcomes.count > n { outcomes.removeFirst(outcomes.count - n) }
        case .time(let span):
            let horizon = now.advanced(by: .zero - span)
            if let keep = outcomes.firstIndex(where: { $0.at > horizon }) {
                if keep > 0 { outcomes.removeFirst(keep) }
            } else {
                outcomes.removeAll()
            }
        }
    }

    private func rateExceeded() -> Bool {
        guard let threshold = configuration.failureRateThreshold, outcomes.count >= configuration.minimumCalls else {
            return false
        }
        let failures = outcomes.reduce(0) { $0 + ($1.failed ? 1 : 0) }
        return Double(failures) >= threshold * Double(outcomes.count)
    }

    /// The open period after the given number of consecutive trips: base × multiplier^(trips-1), capped.
    func openDuration(trips: Int) -> Duration {
        var duration = configuration.openDuration
        for _ in 1..<max(1, trips) {
            duration = duration * configuration.backoffMultiplier
            if duration >= configuration.maximumOpenDuration { return configuration.maximumOpenDuration }
        }
        return min(duration, configuration.maximumOpenDuration)
    }

    private mutating func trip(now: Instant) {
        trips += 1
        move(to: .open(until: now.advanced(by: openDuration(trips: trips))))
    }

    private mutating func move(to next: Phase) {
        phase = next
        generation &+= 1
        consecutiveFailures = 0
        outcomes.removeAll(keepingCapacity: true)
    }

    /// Opens until ``reset()``, refusing every call.
    mutating func forceOpen() -> Bool { change(to: .forcedOpen) }

    /// Lets every call through and records nothing, until ``reset()``.
    mutating func disable() -> Bool { change(to: .disabled) }

    /// Closes, forgetting failures and back-off.
    mutating func reset() -> Bool {
        trips = 0
        return change(to: .closed)
    }

    private mutating func change(to next: Phase) -> Bool {
        let before = state
        move(to: next)
        return state != before
    }
}
