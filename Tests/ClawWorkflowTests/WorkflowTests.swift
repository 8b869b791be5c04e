import ClawWorkflow
import Foundation
import Synchronization
import Testing

@Suite("Workflows: definitions, validation and the executor")
struct WorkflowTests {
    typealias Fixture = SkillRuntimeTests.Fixture
    static let user = SkillRuntimeTests.user

    /// Registers the skills the tests route through.
    static func standardSkills(_ f: Fixture, attempts: Counter? = nil) throws {
        try f.skill("echo", []) { input, _ in input["input"] ?? .null }
        try f.skill("constant", []) { input, _ in input["config"]?["value"] ?? .null }
        try f.skill("fail", []) { _, _ in struct Boom: Error {}; throw Boom() }
        try f.skill("flaky", []) { input, _ in
            let n = attempts?.next() ?? 0
            struct Boom: Error {}
            if n < 3 { throw Boom() }
            return .string("ok after \(n)")
        }
        try f.skill("web", ["web_read"], external: true) { _, context in .string(try await context.fetch(url: "https://x")) }
        try f.skill("scraper", [], external: true) { _, _ in .string("hidden\u{200B}payload") }
    }

    @Test("A workflow round-trips through JSON, and unknown fields are refused")
    func json() throws {
        let text = #"""
        {"name": "digest", "requires_approval": true, "schedule": "0 8 * * *", "time_zone": "Europe/Paris", "steps": [
          {"name": "a", "skill": "constant", "config": {"value": {"branch": "yes"}}, "routes": {"yes": "b", "default": "$end"},
           "retries": {"max": 2, "backoff_ms": 10, "multiplier": 3}, "timeout_ms": 500, "on_error": "route", "error_route": "b",
           "on_circuit_open": "fallback", "fallback_skill": "echo", "on_missing_skill": "skip", "max_visits": 2},
          {"name": "b", "skill": "echo", "input_from": "a"}
        ]}
        """#
        let workflow = try Workflow(json: text)
        #expect(workflow.steps[0].retry == Workflow.Retry(maximum: 2, backoff: .milliseconds(10), multiplier: 3))
        #expect(workflow.steps[0].defaultRoute == Workflow.end)
        #expect(try Workflow(json: workflow.json) == workflow)
        #expect(throws: WorkflowError(.invalidWorkflow, "")) { try Workflow(json: #"{"name": "x", "steps": [{"name": "a", "skill": "s", "retry": 1}]}"#) }
        #expect(throws: WorkflowError(.invalidWorkflow, "")) { try Workflow(json: #"{"name": "x", "steps": [{"name": "a", "skill": "s", "on_error": "explode"}]}"#) }
        #expect(throws: WorkflowError(.invalidWorkflow, "")) { try Workflow(json: #"{"name": "x", "steps": []}"#) }
    }

    @Test("Validation reports every problem with its step's name")
    func validation() throws {
        let f = Fixture()
        try Self.standardSkills(f)
        let workflow = try Workflow(json: #"""
        {"name": "broken", "schedule": "61 * * * *", "steps": [
          {"name": "start", "skill": "echo", "routes": {"x": "nowhere"}},
          {"name": "ghost", "skill": "no_such_skill"},
          {"name": "loop1", "skill": "echo", "routes": {"again": "loop2"}},
          {"name": "loop2", "skill": "echo", "routes": {"again": "loop1"}, "on_error": "route"},
          {"name": "island", "skill": "echo", "input_from": "void", "on_circuit_open": "fallback", "default": "x"}
        ]}
        """#.replacingOccurrences(of: #", "default": "x""#, with: ""))
        let problems = workflow.validate(registry: f.registry)
        let expected = [
            "step 'start': route 'x' goes to no step ('nowhere')",
            "step 'ghost': unknown skill 'no_such_skill'",
            "step 'loop2': on_error is 'route' but error_route is missing",
            "step 'island': on_circuit_open is 'fallback' but fallback_skill is missing",
            "step 'island': input_from names no step ('void')",
            "step 'loop1': loop through loop1, loop2 has no max_visits bound",
            "schedule: invalid cron minute field '61'",
        ]
        for line in expected { #expect(problems.contains(line), "missing: \(line) in \(problems)") }
        let unreachable = try Workflow(json: #"{"name": "u", "steps": [{"name": "a", "skill": "echo", "routes": {"default": "$end"}}, {"name": "b", "skill": "echo"}]}"#)
        #expect(unreachable.validate(registry: f.registry) == ["step 'b': no path from the first step reaches it"])
    }

    @Test("Steps pass outputs along, route by branch and take input_from")
    func routing() async throws {
        let f = Fixture()
        try Self.standardSkills(f)
        let executor = WorkflowExecutor(runtime: f.runtime)
        let workflow = try Workflow(json: #"""
        {"name": "route", "steps": [
          {"name": "decide", "skill": "constant", "config": {"value": {"branch": "b", "n": 1}}, "routes": {"a": "left", "b": "right"}},
          {"name": "left", "skill": "constant", "config": {"value": "went left"}, "routes": {"default": "$end"}},
          {"name": "right", "skill": "echo"},
          {"name": "again", "skill": "echo", "input_from": "decide"}
        ]}
        """#)
        let record = try await executor.run(workflow, input: .string("start"), trigger: Self.user)
        #expect(record.status == .succeeded)
        #expect(record.steps.map(\.name) == ["decide", "right", "again"])
        #expect(record.output == .object(["branch": .string("b"), "n": .int(1)]))
        #expect(record.steps.allSatisfy { $0.inputDigest.count == 64 })
        #expect(try await executor.store.run(id: record.id)?.status == .succeeded)
    }

    @Test("Retries with back-off, then skip, route or halt on error")
    func errors() async throws {
        let attempts = Counter()
        let f = Fixture()
        try Self.standardSkills(f, attempts: attempts)
        let executor = WorkflowExecutor(runtime: f.runtime)
        let retried = try await executor.run(try Workflow(json: #"""
        {"name": "r", "steps": [{"name": "s", "skill": "flaky", "retries": {"max": 3, "backoff_ms": 1}}]}
        """#), trigger: Self.user)
        #expect(retried.status == .succeeded)
        #expect(retried.steps[0].attempts == 3)
        let skipped = try await executor.run(try Workflow(json: #"""
        {"name": "s", "steps": [{"name": "f", "skill": "fail", "on_error": "skip"}, {"name": "e", "skill": "echo"}]}
        """#), input: .string("in"), trigger: Self.user)
        #expect(skipped.status == .succeeded)
        #expect(skipped.steps.map(\.status) == ["skipped", "succeeded"])
        let routed = try await executor.run(try Workflow(json: #"""
        {"name": "t", "steps": [{"name": "f", "skill": "fail", "on_error": "route", "error_route": "handler"},
          {"name": "never", "skill": "echo"}, {"name": "handler", "skill": "constant", "config": {"value": "handled"}}]}
        """#), trigger: Self.user)
        #expect(routed.steps.map(\.name) == ["f", "handler"])
        #expect(routed.output == .string("handled"))
        let halted = try await executor.run(try Workflow(json: #"""
        {"name": "h", "steps": [{"name": "f", "skill": "fail"}, {"name": "never", "skill": "echo"}]}
        """#), trigger: Self.user)
        #expect(halted.status == .failed)
        #expect(halted.steps.count == 1)
        #expect(halted.error?.contains("step 'f'") == true)
    }

    @Test("A fallback runs through the same path: its denials and sanitization apply")
    func fallback() async throws {
        let f = Fixture()
        try Self.standardSkills(f)
        f.runtime.breaker(for: "fail").forceOpen()
        let executor = WorkflowExecutor(runtime: f.runtime)
        let sanitized = try await executor.run(try Workflow(json: #"""
        {"name": "fb", "steps": [{"name": "s", "skill": "fail", "on_circuit_open": "fallback", "fallback_skill": "scraper"}]}
        """#), trigger: Self.user)
        #expect(sanitized.steps[0].status == "fallback")
        #expect(sanitized.steps[0].skill == "scraper")
        #expect(sanitized.output == .string("hiddenpayload"))
        // A fallback that needs a permission the policy denies is refused like any other call.
        let rules = try PolicyRule.parseFile(#"[{"id": "no-web", "type": "permission_override", "priority": 1, "enabled": true, "config": {"permission": "web_read", "action": "deny"}}]"#)
        let g = Fixture(rules: rules)
        try Self.standardSkills(g)
        g.runtime.breaker(for: "fail").forceOpen()
        let denied = try await WorkflowExecutor(runtime: g.runtime).run(try Workflow(json: #"""
        {"name": "fb", "steps": [{"name": "s", "skill": "fail", "on_circuit_open": "fallback", "fallback_skill": "web"}]}
        """#), trigger: Self.user)
        #expect(denied.status == .failed)
        #expect(denied.steps[0].deniedBy == "no-web")
        #expect(g.services.log.isEmpty)
    }

    @Test("Missing skills halt or skip as configured")
    func missing() async throws {
        let f = Fixture()
        try Self.standardSkills(f)
        let workflow = try Workflow(json: #"{"name": "m", "steps": [{"name": "x", "skill": "later", "on_missing_skill": "skip"}, {"name": "e", "skill": "echo"}]}"#)
        let record = try await WorkflowExecutor(runtime: f.runtime).run(workflow, input: .int(1), trigger: Self.user)
        #expect(record.steps.map(\.status) == ["missing", "succeeded"])
        #expect(record.output == .int(1))
    }

    @Test("Workflow approval is required for every trigger; a refusal ends the run before any step")
    func approval() async throws {
        let approver = Approver(answer: false)
        let f = Fixture(approvals: approver)
        try Self.standardSkills(f)
        let workflow = try Workflow(json: #"{"name": "guarded", "requires_approval": true, "steps": [{"name": "e", "skill": "echo"}]}"#)
        for trigger in [Self.user, Trigger(callerType: .mcp, identity: "claude"), Trigger.scheduler] {
            let record = try await WorkflowExecutor(runtime: f.runtime).run(workflow, trigger: trigger)
            #expect(record.status == .refused)
            #expect(record.steps.isEmpty)
        }
        #expect(approver.seen.withLock { $0.count } == 3)
    }

    @Test("Loops are bounded by max_visits")
    func loops() async throws {
        let f = Fixture()
        try Self.standardSkills(f)
        let workflow = try Workflow(json: #"""
        {"name": "l", "steps": [{"name": "spin", "skill": "constant", "config": {"value": {"branch": "again"}}, "routes": {"again": "spin"}, "max_visits": 4}]}
        """#)
        #expect(workflow.validate(registry: f.registry).isEmpty)
        let record = try await WorkflowExecutor(runtime: f.runtime).run(workflow, trigger: Self.user)
        #expect(record.status == .failed)
        #expect(record.steps.count == 4)
    }

    @Test("Runs can be cancelled, and the concurrency limit refuses extra runs")
    func cancelAndLimit() async throws {
        let f = Fixture()
        let started = AsyncStream<Void>.makeStream()
        try f.skill("wait", []) { _, _ in
            started.continuation.yield()
            try await Task.sleep(for: .seconds(60))
            return .null
        }
        let executor = WorkflowExecutor(runtime: f.runtime, configuration: .init(maximumConcurrentRuns: 1))
        let workflow = try Workflow(json: #"{"name": "w", "steps": [{"name": "s", "skill": "wait"}]}"#)
        async let record = executor.run(workflow, trigger: Self.user, runID: "run-1")
        for await _ in started.stream { break }
        await #expect(throws: WorkflowError(.tooManyRuns, "")) { try await executor.run(workflow, trigger: Self.user) }
        #expect(executor.cancel(runID: "run-1"))
        let finished = try await record
        #expect(finished.status == .cancelled)
    }
}

/// A counter shared with skills in tests.
final class Counter: Sendable {
    private let value = Mutex(0)
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}
