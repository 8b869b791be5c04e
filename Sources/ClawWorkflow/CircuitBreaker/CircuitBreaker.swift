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
    private let clock: C
    private let storage: Mutex<Storage>

    /// Creates a breaker.
    /// - Parameters:
    ///   - name: What it protects, such as a skill's name.
    ///   - configuration: Thresholds and timings.
    ///   - clock: The time source.
    public init(name: String, configuration: CircuitBreakerConfiguration = .init(), clock: C) {
        self.name = name
        self.clock = clock
        self.storage = Mutex(Storage(machine: CircuitBreakerStateMachine(configuration: configuration)))
    }

    /// The current state.
    public var state: CircuitBreakerState { storage.withLock { $0.machine.state } }

    /// Runs an operation through the breaker.
    /// - Parameter operation: The protected call.
    /// - Returns: Its result.
    /// - Throws: ``CircuitOpenError`` when the breaker refuses the call, or whatever the operation throws.
    public func run<T>(_ operation: () async throws -> T) async throws -> T {
        let start = clock.now
        guard let generation = storage.withLock({ $0.machine.acquire(now: start) }) else {
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
        let notify: (Change, [AsyncStream<Change>.Continuation])? = storage.withLock { storage in
            let before = storage.machine.state
            guard storage.machine.record(result, generation: generation, duration: duration, now: now) else { return nil }
            return (Change(from: before, to: storage.machine.state), Array(storage.subscribers.values))
        }
        if let (change, subscribers) = notify { for s in subscribers { s.yield(change) } }
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
            guard body(&storage.machine) else { return nil }
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
