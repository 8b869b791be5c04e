import Benchmark
import ClawWorkflow
import Foundation

// Benchmarks for ClawWorkflow's hot paths: the circuit breaker's overhead in the closed state (one caller
// and two concurrent callers, beside the same call without a breaker), one skill call through
// SkillRuntime's whole path, and a 10-step workflow of trivial skills through WorkflowExecutor (token
// minting and verification, policy, breaker, timeout and run records included).
//
// Each measured iteration runs 1,000 operations (`scalingFactor: .kilo`); the default output is per
// operation. For the workflow, one operation is one 10-step run: steps per second = 10 × runs per second.

/// An operation the compiler cannot see through.
@inline(never)
func trivial(_ x: Int) async throws -> Int { x &+ 1 }

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
}
