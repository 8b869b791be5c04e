import Benchmark
import ClawWorkflow
import Foundation

// Benchmarks for ClawWorkflow's hot paths: the circuit breaker's overhead in the closed state (one caller
// and two concurrent callers, beside the same call without a breaker), one skill call through
// SkillRuntime's whole path, and a 10-step workflow of trivial skills through WorkflowExecutor (policy,
// token minting, breaker, timeout and run records included; no token verification: echo and constant call
// no service through SkillContext, which is where a step's token is verified).
//
// Each measured iteration runs 1,000 operations (`scalingFactor: .kilo`; the "own thread" rows 1,000,000, the
// workflow 1); the default output is per operation. For the workflow, one operation is one 10-step run:
// steps per second = 10 × runs per second.

/// An operation the compiler cannot see through.
@inline(never)
func trivial(_ x: Int) async throws -> Int { x &+ 1 }

/// A task executor with a thread of its own, so that two callers really run at the same time.
///
/// The benchmark runner (ordo-one/benchmark 1.38.1) starts an async benchmark from its own async `run()` and
/// waits for it on a semaphore, which holds one thread of Swift's cooperative pool. That pool has one thread per
/// core, so on a 2-core machine a benchmark's tasks share the one thread left: the two child tasks of the
/// "2 concurrent callers" rows take turns on it. The "own thread" rows give each caller one of these instead.
/// A nonisolated async call made under a task executor preference costs more than on the cooperative pool,
/// so those rows compare only with each other (1 caller against 2), not with the rows above them.
final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    init(name: String) {
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// Runs `calls` calls of `body` split over one task per executor, each task on its executor's thread.
func onOwnThreads(
    _ executors: [ThreadExecutor], calls: Int, _ body: @escaping @Sendable (Int) async throws -> Int
) async throws {
    let share = calls / executors.count
    try await withThrowingTaskGroup(of: Int.self) { group in
        for executor in executors {
            group.addTask(executorPreference: executor) {
                var acc = 0
                for i in 0..<share { acc &+= try await body(i) }
                return acc
            }
        }
        for try await value in group { blackHole(value) }
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        timeUnits: .nanoseconds,
        units: [.mallocCountTotal: .count],
        warmupIterations: 5,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 2_000
    )

    Benchmark("baseline: trivial async call, no breaker") { benchmark in
        var acc = 0
        for i in benchmark.scaledIterations { acc &+= try await trivial(i) }
        blackHole(acc)
    }

    let breaker = CircuitBreaker(name: "bench", clock: ContinuousClock())
    Benchmark("CircuitBreaker.run closed, 1 caller") { benchmark in
        var acc = 0
        for i in benchmark.scaledIterations { acc &+= try await breaker.run { try await trivial(i) } }
        blackHole(acc)
    }

    Benchmark("CircuitBreaker.run closed, 2 concurrent callers (1,000 calls in all)") { benchmark in
        let half = benchmark.scaledIterations.count / 2
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    var acc = 0
                    for i in 0..<half { acc &+= try await breaker.run { try await trivial(i) } }
                    return acc
                }
            }
            for try await value in group { blackHole(value) }
        }
    }

    Benchmark("baseline: 2 concurrent callers, no breaker (1,000 calls in all)") { benchmark in
        let half = benchmark.scaledIterations.count / 2
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    var acc = 0
                    for i in 0..<half { acc &+= try await trivial(i) }
                    return acc
                }
            }
            for try await value in group { blackHole(value) }
        }
    }

    // The same calls with each caller on a thread of its own (see ThreadExecutor): 1,000,000 calls per iteration,
    // all on one thread or 500,000 on each of two. Per call, so with two callers the figure is the inverse of
    // both callers' throughput together. No loss of throughput: 2 callers at least as fast per call as 1.
    let ownThread = Benchmark.Configuration(scalingFactor: .mega, maxDuration: .seconds(2), maxIterations: 2_000)
    let threads = [ThreadExecutor(name: "caller 1"), ThreadExecutor(name: "caller 2")]

    Benchmark("own thread: 1 caller, no breaker", configuration: ownThread) { benchmark in
        try await onOwnThreads(Array(threads.prefix(1)), calls: benchmark.scaledIterations.count) { i in try await trivial(i) }
    }

    Benchmark("own thread: 1 caller, CircuitBreaker.run closed", configuration: ownThread) { benchmark in
        try await onOwnThreads(Array(threads.prefix(1)), calls: benchmark.scaledIterations.count) { i in
            try await breaker.run { try await trivial(i) }
        }
    }

    Benchmark("own threads: 2 callers, no breaker", configuration: ownThread) { benchmark in
        try await onOwnThreads(threads, calls: benchmark.scaledIterations.count) { i in try await trivial(i) }
    }

    Benchmark("own threads: 2 callers, CircuitBreaker.run closed (one breaker)", configuration: ownThread) { benchmark in
        try await onOwnThreads(threads, calls: benchmark.scaledIterations.count) { i in
            try await breaker.run { try await trivial(i) }
        }
    }

    let keyRing = try! KeyRing(secretKeyBase: "claw-benchmark-secret-key-base-0123456789abcdefghijklmnopqrstuvw")
    let registry = SkillRegistry()
    try! BuiltinSkills.register(in: registry)
    let runtime = SkillRuntime(registry: registry, keyRing: keyRing, policy: PolicyEngine(rules: []), audit: nil)
    let trigger = Trigger(callerType: .core, identity: "bench")

    Benchmark("SkillRuntime.run echo (token, policy, breaker, timeout)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try await runtime.run(skill: "echo", input: .object(["input": .int(1)]), trigger: trigger))
        }
    }

    let steps = (0..<10).map { i in
        JSONValue.object(["name": .string("s\(i)"), "skill": .string(i % 2 == 0 ? "echo" : "constant"), "config": .object(["value": .int(Int64(i))])])
    }
    let workflow = try! Workflow(json: .object(["name": .string("ten"), "steps": .array(steps)]))
    let executor = WorkflowExecutor(runtime: runtime, store: InMemoryRunStore())

    Benchmark(
        "WorkflowExecutor.run 10-step workflow (per run)",
        configuration: .init(scalingFactor: .one, maxDuration: .seconds(3), maxIterations: 20_000)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            let record = try await executor.run(workflow, input: .int(0), trigger: trigger)
            precondition(record.status == .succeeded && record.steps.count == 10)
            blackHole(record)
        }
    }

    // The same workflow shape, but every step's skill checks its token once through SkillContext
    // (`authorize("memory")`: token verification for this skill, depth and run, plus a policy decision), so
    // minting and verification are both on the measured path.
    let verifyingRegistry = SkillRegistry()
    try! verifyingRegistry.register(ClosureSkill(SkillDescriptor(name: "checked", permissions: ["memory"])) { payload, context in
        try await context.authorize("memory")
        return payload["input"] ?? .null
    })
    let verifyingRuntime = SkillRuntime(registry: verifyingRegistry, keyRing: keyRing, policy: PolicyEngine(rules: []), audit: nil)
    let verifyingSteps = (0..<10).map { i in JSONValue.object(["name": .string("s\(i)"), "skill": .string("checked")]) }
    let verifyingWorkflow = try! Workflow(json: .object(["name": .string("ten-verified"), "steps": .array(verifyingSteps)]))
    let verifyingExecutor = WorkflowExecutor(runtime: verifyingRuntime, store: InMemoryRunStore())

    Benchmark(
        "WorkflowExecutor.run 10-step workflow, each step verifies its token (per run)",
        configuration: .init(scalingFactor: .one, maxDuration: .seconds(3), maxIterations: 20_000)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            let record = try await verifyingExecutor.run(verifyingWorkflow, input: .int(0), trigger: trigger)
            precondition(record.status == .succeeded && record.steps.count == 10)
            blackHole(record)
        }
    }
}
