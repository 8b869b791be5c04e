import ClawWorkflow
import PropertyBased
import Testing

/// A deliberately plain model of the breaker's specification, written apart from the implementation.
struct BreakerModel {
    enum Phase: Equatable { case closed, open(until: Int), halfOpen(successes: Int) }
    let threshold: Int, openSeconds: Int, multiplier: Int, maxSeconds: Int, probes: Int
    let rate: Double?, windowCalls: Int, minimumCalls: Int, slowSeconds: Int?
    var phase = Phase.closed
    var consecutive = 0
    var trips = 0
    var recent: [Bool] = []

    var state: CircuitBreakerState {
        switch phase {
        case .closed: .closed
        case .open: .open
        case .halfOpen: .halfOpen
        }
    }

    mutating func trip(at now: Int) {
        trips += 1
        var seconds = openSeconds
        for _ in 1..<trips { seconds = min(maxSeconds, seconds * multiplier) }
        phase = .open(until: now + min(seconds, maxSeconds))
        consecutive = 0
        recent = []
    }

    /// Returns whether the call was admitted. `outcome`: 0 success, 1 failure, 2 neutral.
    mutating func call(outcome: Int, seconds: Int, at now: Int) -> Bool {
        if case .open(let until) = phase {
            guard now >= until else { return false }
            phase = .halfOpen(successes: 0)
            recent = []
        }
        let failed = outcome == 1 || (outcome == 0 && slowSeconds.map { seconds > $0 } == true)
        let end = now + seconds
        switch phase {
        case .closed:
            if outcome == 2 { return true }
            recent.append(failed)
            if recent.count > windowCalls { recent.removeFirst() }
            consecutive = failed ? consecutive + 1 : 0
            let failures = recent.filter { $0 }.count
            let rateTrips = rate.map { recent.count >= minimumCalls && Double(failures) >= $0 * Double(recent.count) } ?? false
            if consecutive >= threshold || rateTrips { trip(at: end) }
        case .halfOpen(let successes):
            if outcome == 2 { return true }
            if failed {
                trip(at: end)
            } else if successes + 1 >= probes {
                phase = .closed
                trips = 0
                consecutive = 0
                recent = []
            } else {
                phase = .halfOpen(successes: successes + 1)
            }
        case .open:
            break
        }
        return true
    }
}

@Suite("Circuit breaker properties")
struct CircuitBreakerProperties {
    struct Failure: Error {}
    struct Neutral: CircuitBreakerNeutralError {}

    @Test("The breaker matches the reference model on random sequences of calls, results and waits")
    func matchesModel() async {
        let steps = Gen.int(in: 0...Int.max).array(of: 1...80)
        await propertyCheck(count: 300, input: Gen.int(in: 1...4), Gen.int(in: 1...3), Gen.int(in: 0...3), steps) {
            threshold, probes, options, raw in
            // Without a rate window or a slow-call threshold the breaker takes its lock-free fast path.
            let useRate = options & 1 == 1
            let useSlow = options & 2 == 2
            let clock = ManualClock()
            let configuration = CircuitBreakerConfiguration(
                consecutiveFailureThreshold: threshold, failureRateThreshold: useRate ? 0.5 : nil, window: .lastCalls(6),
                minimumCalls: 4, slowCallThreshold: useSlow ? .seconds(3) : nil, openDuration: .seconds(10), backoffMultiplier: 2,
                maximumOpenDuration: .seconds(45), halfOpenProbes: probes)
            let breaker = CircuitBreaker(name: "m", configuration: configuration, clock: clock)
            var model = BreakerModel(
                threshold: threshold, openSeconds: 10, multiplier: 2, maxSeconds: 45, probes: probes,
                rate: useRate ? 0.5 : nil, windowCalls: 6, minimumCalls: 4, slowSeconds: useSlow ? 3 : nil)
            var now = 0
            for value in raw {
                let kind = value % 4
                if kind == 3 {
                    let wait = (value / 4) % 25
                    clock.advance(.seconds(wait))
                    now += wait
                    continue
                }
                let seconds = (value / 4) % 5
                let expectedAdmit = model.call(outcome: kind, seconds: seconds, at: now)
                var admitted = true
                do {
                    _ = try await breaker.run { () async throws -> Int in
                        clock.advance(.seconds(seconds))
                        switch kind {
                        case 0: return 1
                        case 1: throw Failure()
                        default: throw Neutral()
                        }
                    }
                } catch is CircuitOpenError {
                    admitted = false
                } catch {}
                if admitted { now += seconds }
                #expect(admitted == expectedAdmit)
                #expect(breaker.state == model.state)
                if admitted != expectedAdmit || breaker.state != model.state { return }
            }
        }
    }
}
