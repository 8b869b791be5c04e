import ClawWorkflow
import Testing

struct Boom: Error {}
struct Denied: CircuitBreakerNeutralError {}

@Suite("CircuitBreaker")
struct CircuitBreakerTests {
    func fail(_ breaker: CircuitBreaker<ManualClock>, times: Int = 1) async {
        for _ in 0..<times { _ = try? await breaker.run { throw Boom() } }
    }

    @Test("Three consecutive failures open it; calls are refused until the open period ends")
    func opens() async throws {
        let clock = ManualClock()
        let breaker = CircuitBreaker(name: "web", clock: clock)
        await fail(breaker, times: 2)
        #expect(try await breaker.run { 1 } == 1)  // a success resets the count
        await fail(breaker, times: 3)
        #expect(breaker.state == .open)
        await #expect(throws: CircuitOpenError(breaker: "web")) { try await breaker.run { 1 } }
        clock.advance(.seconds(29))
        await #expect(throws: CircuitOpenError.self) { try await breaker.run { 1 } }
        clock.advance(.seconds(1))
        #expect(try await breaker.run { 2 } == 2)
        #expect(breaker.state == .closed)
    }

    @Test("A failed probe reopens it for longer each time, up to the maximum; a success closes it and resets the back-off")
    func backoff() async throws {
        let clock = ManualClock()
        let breaker = CircuitBreaker(
            name: "b", configuration: .init(consecutiveFailureThreshold: 1, openDuration: .seconds(10), maximumOpenDuration: .seconds(35)),
            clock: clock)
        await fail(breaker)
        for expected in [10, 20, 35, 35] {
            clock.advance(.seconds(expected - 1))
            await #expect(throws: CircuitOpenError.self) { try await breaker.run { 1 } }
            clock.advance(.seconds(1))
            await fail(breaker)  // the probe fails
            #expect(breaker.state == .open)
        }
        clock.advance(.seconds(35))
        _ = try await breaker.run { 1 }
        #expect(breaker.state == .closed)
        await fail(breaker)
        clock.advance(.seconds(10))
        _ = try await breaker.run { 1 }
        #expect(breaker.state == .closed)
    }

    @Test("Half-open admits only the configured number of probes")
    func probes() async throws {
        let clock = ManualClock()
        let breaker = CircuitBreaker(
            name: "p", configuration: .init(consecutiveFailureThreshold: 1, openDuration: .seconds(1), halfOpenProbes: 2), clock: clock)
        await fail(breaker)
        clock.advance(.seconds(1))
        let gate = AsyncStream<Void>.makeStream()
        async let first: Int = breaker.run { for await _ in gate.stream { break }; return 1 }
        async let second: Int = breaker.run { for await _ in gate.stream { break }; return 2 }
        // Give both probes time to be admitted.
        while breaker.state != .halfOpen { await Task.yield() }
        for _ in 0..<100 { await Task.yield() }
        await #expect(throws: CircuitOpenError.self) { try await breaker.run { 3 } }
        gate.continuation.yield()
        gate.continuation.yield()
        gate.continuation.finish()
        _ = try await (first, second)
        #expect(breaker.state == .closed)
    }

    @Test("A failure rate over a count window opens it once the minimum number of calls is reached")
    func rate() async throws {
        let clock = ManualClock()
        let breaker = CircuitBreaker(
            name: "r",
            configuration: .init(consecutiveFailureThreshold: 100, failureRateThreshold: 0.5, window: .lastCalls(4), minimumCalls: 4),
            clock: clock)
        _ = try await breaker.run { 1 }
        await fail(breaker)
        _ = try await breaker.run { 1 }
        #expect(breaker.state == .closed)
        await fail(breaker)  // 2 of 4 failed
        #expect(breaker.state == .open)
    }

    @Test("A time window forgets old calls")
    func timeWindow() async throws {
        let clock = ManualClock()
        let breaker = CircuitBreaker(
            name: "t",
            configuration: .init(consecutiveFailureThreshold: 100, failureRateThreshold: 0.5, window: .last(.seconds(10)), minimumCalls: 2),
            clock: clock)
        await fail(breaker)
        clock.advance(.seconds(11))
        _ = try await breaker.run { 1 }
        #expect(breaker.state == .closed)  // the old failure is gone: 0 of 1
        await fail(breaker)
        #expect(breaker.state == .open)  // 1 of 2
    }

    @Test("Slow calls count as failures when configured")
    func slow() async throws {
        let clock = ManualClock()
        let breaker = CircuitBreaker(
            name: "s", configuration: .init(consecutiveFailureThreshold: 2, slowCallThreshold: .seconds(1)), clock: clock)
        for _ in 0..<2 { _ = try await breaker.run { clock.advance(.seconds(2)); return 1 } }
        #expect(breaker.state == .open)
    }

    @Test("Cancellations and neutral errors are neither failures nor successes")
    func neutral() async {
        let clock = ManualClock()
        let breaker = CircuitBreaker(name: "n", configuration: .init(consecutiveFailureThreshold: 2), clock: clock)
        await fail(breaker)
        for _ in 0..<5 {
            _ = try? await breaker.run { throw Denied() }
            _ = try? await breaker.run { throw CancellationError() }
        }
        #expect(breaker.state == .closed)
        await fail(breaker)
        #expect(breaker.state == .open)
    }

    @Test("Force-open, disable and reset by hand, with every change published")
    func manual() async throws {
        let clock = ManualClock()
        let breaker = CircuitBreaker(name: "m", configuration: .init(consecutiveFailureThreshold: 1), clock: clock)
        let changes = breaker.changes()
        breaker.forceOpen()
        clock.advance(.seconds(3600))
        await #expect(throws: CircuitOpenError.self) { try await breaker.run { 1 } }
        breaker.disable()
        await fail(breaker, times: 10)
        #expect(breaker.state == .disabled)
        breaker.reset()
        await fail(breaker)
        var seen: [CircuitBreakerState] = []
        for await change in changes {
            seen.append(change.to)
            if seen.count == 4 { break }
        }
        #expect(seen == [.forcedOpen, .disabled, .closed, .open])
    }
}
