import Synchronization

/// Stops calling something that keeps failing, and probes it again later.
///
/// Closed, it runs calls and counts failures; after ``CircuitBreakerConfiguration/consecutiveFailureThreshold``
/// consecutive failures, or a failure rate over the window, it opens and refuses calls with
/// ``CircuitOpenError``. After the open period (growing on repeated trips) it admits
/// ``CircuitBreakerConfiguration/halfOpenProbes`` probe calls: if they succeed it closes, else it opens
/// again. Cancellations and ``CircuitBreakerNeutralError``s (such as policy denials) count as neither.
///
/// Time comes from the injected clock. State changes are published to ``changes()``.
///
/// Closed, and with neither a failure-rate window nor a slow-call threshold (the default), a call costs two
/// atomic loads: successes change nothing while there are no failures to forget, so no lock is taken.
public final class CircuitBreaker<C: Clock>: Sendable where C.Duration == Duration {
    /// One state change.
    public struct Change: Sendable, Hashable {
        /// The state before.
        public let from: CircuitBreakerState
        /// The state after.
        public let to: CircuitBreakerState
    }

    struct Storage: Sendable {
        var machine: CircuitBreakerStateMachine<C.Instant>
        var subscribers: [Int: AsyncStream<Change>.Continuation] = [:]
        var nextSubscriber = 0
    }

    /// The breaker's name, for errors and logs.
    public let name: String
    @usableFromInline let clock: C
    private let storage: Mutex<Storage>
    /// `generation << 1 | 1` while the breaker is closed and its configuration needs no clock reading and
    /// no record of a success (no failure rate, no slow-call threshold); 0 otherwise. Written under the lock.
    @usableFromInline let fastPath = Atomic<UInt64>(0)
    /// The consecutive failures while closed, mirrored from the state machine under the lock.
    @usableFromInline let failuresHint = Atomic<Int>(0)
    private let fastEligible: Bool

    /// Creates a breaker.
    /// - Parameters:
    ///   - name: What it protects, such as a skill's name.
    ///   - configuration: Thresholds and timings.
    ///   - clock: The time source.
    public init(name: String, configuration: CircuitBreakerConfiguration = .init(), clock: C) {
        self.name = name
        self.clock = clock
        let machine = CircuitBreakerStateMachine<C.Instant>(configuration: configuration)
        self.storage = Mutex(Storage(machine: machine))
        self.fastEligible = configuration.failureRateThreshold == nil && configuration.slowCallThreshold == nil
        if fastEligible { fastPath.store(machine.generation << 1 | 1, ordering: .releasing) }
    }

    /// Mirrors the state machine into the atomics the fast path reads; call under the lock.
    private func publish(_ machine: CircuitBreakerStateMachine<C.Instant>) {
        let open = fastEligible && machine.state == .closed
        fastPath.store(open ? machine.generation << 1 | 1 : 0, ordering: .releasing)
        failuresHint.store(machine.consecutiveFailures, ordering: .releasing)
    }

    /// The current state.
    public var state: CircuitBreakerState { storage.withLock { $0.machine.state } }

    /// Runs an operation through the breaker.
    /// - Parameter operation: The protected call.
    /// - Returns: Its result.
    /// - Throws: ``CircuitOpenError`` when the breaker refuses the call, or whatever the operation throws.
    @inlinable
    public func run<T>(_ operation: () async throws -> T) async throws -> T {
        // Closed, with nothing to time or count on success: two atomic loads, no lock, no clock.
        let fast = fastPath.load(ordering: .acquiring)
        if fast & 1 == 1 {
            let result: T
            do {
                result = try await operation()
            } catch {
                fastFailed(error, generation: fast >> 1)
                throw error
            }
            if failuresHint.load(ordering: .relaxed) != 0 { fastSucceeded(generation: fast >> 1) }
            return result
        }
        return try await slowRun(operation)
    }

    @usableFromInline
    func fastFailed(_ error: any Error, generation: UInt64) {
        let neutral = error is CancellationError || error is any CircuitBreakerNeutralError
        if !neutral { record(.failure, generation: generation, start: clock.now) }
    }

    @usableFromInline
    func fastSucceeded(generation: UInt64) {
        record(.success, generation: generation, start: clock.now)
    }

    @usableFromInline
    func slowRun<T>(_ operation: () async throws -> T) async throws -> T {
        let start = clock.now
        let admitted: UInt64? = storage.withLock { storage in
            let generation = storage.machine.acquire(now: start)
            publish(storage.machine)
            return generation
        }
        guard let generation = admitted else {
            throw CircuitOpenError(breaker: name)
        }
        let result: T
        do {
            result = try await operation()
        } catch {
            let neutral = error is CancellationError || error is any CircuitBreakerNeutralError
            record(neutral ? .neutral : .failure, generation: generation, start: start)
            throw error
        }
        record(.success, generation: generation, start: start)
        return result
    }

    private func record(_ result: CircuitBreakerStateMachine<C.Instant>.Result, generation: UInt64, start: C.Instant) {
        let now = clock.now
        let duration = start.duration(to: now)
        apply { $0.record(result, generation: generation, duration: duration, now: now) }
    }

    /// Opens the breaker until ``reset()``.
    public func forceOpen() { apply { $0.forceOpen() } }
    /// Lets every call through without counting, until ``reset()``.
    public func disable() { apply { $0.disable() } }
    /// Closes the breaker and forgets failures and back-off.
    public func reset() { apply { $0.reset() } }

    private func apply(_ body: (inout CircuitBreakerStateMachine<C.Instant>) -> Bool) {
        let notify: (Change, [AsyncStream<Change>.Continuation])? = storage.withLock { storage in
            let before = storage.machine.state
            let changed = body(&storage.machine)
            publish(storage.machine)
            guard changed else { return nil }
            return (Change(from: before, to: storage.machine.state), Array(storage.subscribers.values))
        }
        if let (change, subscribers) = notify { for s in subscribers { s.yield(change) } }
    }

    /// A stream of state changes from now on; it ends when the consumer stops iterating.
    public func changes() -> AsyncStream<Change> {
        let (stream, continuation) = AsyncStream<Change>.makeStream(bufferingPolicy: .bufferingNewest(64))
        let id = storage.withLock { storage in
            let id = storage.nextSubscriber
            storage.nextSubscriber += 1
            storage.subscribers[id] = continuation
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.storage.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }
}

/// The error a breaker throws instead of running a call.
public struct CircuitOpenError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The breaker's name.
    public let breaker: String

    /// Creates the error for a breaker.
    public init(breaker: String) { self.breaker = breaker }

    /// Names the breaker.
    public var description: String { "circuit '\(breaker)' is open" }
}
