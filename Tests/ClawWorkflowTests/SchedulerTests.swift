import ClawWorkflow
import Foundation
import ServiceLifecycle
import ServiceLifecycleTestKit
import Synchronization
import Testing

@Suite("Scheduler")
struct SchedulerTests {
    static let base = RFC3339.parse("2026-11-26T08:00:30Z")!

    /// Waits (bounded) until the scheduler sleeps on the clock.
    static func untilSleeping(_ clock: ManualClock) async throws {
        for _ in 0..<5000 {
            if clock.sleeperCount > 0 { return }
            try await Task.sleep(for: .milliseconds(1))
        }
        Issue.record("the scheduler never slept")
    }

    static func untilFires(_ scheduler: Scheduler<ManualClock>, _ count: Int) async throws {
        for _ in 0..<5000 {
            if scheduler.fires.count >= count { return }
            try await Task.sleep(for: .milliseconds(1))
        }
        Issue.record("expected \(count) fires, saw \(scheduler.fires.count)")
    }

    /// Waits (bounded) until the running scheduler's next fire times are these.
    static func until(_ scheduler: Scheduler<ManualClock>, _ expected: [String: String]) async throws {
        let dates = expected.mapValues { RFC3339.parse($0)! }
        for _ in 0..<5000 {
            if scheduler.upcoming == dates { return }
            try await Task.sleep(for: .milliseconds(1))
        }
        Issue.record("expected next fires \(expected), saw \(scheduler.upcoming.mapValues(RFC3339.format))")
    }

    @Test("Scheduled workflows start on time through the executor, as the scheduler trigger; shutdown is graceful")
    func firesOnTime() async throws {
        let clock = ManualClock()
        let wall = WallClock { SchedulerTests.base.addingTimeInterval(Double(clock.now.offset.components.seconds)) }
        let f = SkillRuntimeTests.Fixture()
        try BuiltinSkills.register(in: f.registry)
        let store = InMemoryRunStore()
        let executor = WorkflowExecutor(runtime: f.runtime, store: store)
        let workflow = try Workflow(json: #"{"name": "tick", "schedule": "* * * * *", "steps": [{"name": "e", "skill": "echo"}]}"#)
        let unscheduled = try Workflow(json: #"{"name": "manual", "steps": [{"name": "e", "skill": "echo"}]}"#)
        let scheduler = try Scheduler(executor: executor, workflows: [workflow, unscheduled], clock: clock, wallClock: wall)
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await scheduler.run() }
                for i in 1...3 {
                    try await Self.untilSleeping(clock)
                    clock.advance(.seconds(60))
                    // Let each run finish before the next fire, so none overlaps.
                    for _ in 0..<5000 where try await store.runs(workflow: "tick").filter({ $0.status != .running }).count < i {
                        try await Task.sleep(for: .milliseconds(1))
                    }
                }
                try await Self.untilFires(scheduler, 3)
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
        #expect(scheduler.fires.map(\.due) == [
            RFC3339.parse("2026-11-26T08:01:00Z")!, RFC3339.parse("2026-11-26T08:02:00Z")!, RFC3339.parse("2026-11-26T08:03:00Z")!,
        ])
        let runs = try await store.runs(workflow: "tick")
        #expect(runs.count == 3)
        #expect(runs.allSatisfy { $0.trigger == .scheduler && $0.status == .succeeded })
        #expect(try await store.runs(workflow: "manual").isEmpty)
    }

    @Test("A fire during a run is skipped, or queued once, as configured")
    func overlap() async throws {
        for overlap in [Scheduler<ManualClock>.Overlap.skip, .queue] {
            let clock = ManualClock()
            let wall = WallClock { SchedulerTests.base.addingTimeInterval(Double(clock.now.offset.components.seconds)) }
            let f = SkillRuntimeTests.Fixture()
            let gate = AsyncStream<Void>.makeStream()
            let entered = Counter()
            try f.skill("slow", []) { _, _ in
                if entered.next() == 1 { for await _ in gate.stream { break } }
                return .null
            }
            let executor = WorkflowExecutor(runtime: f.runtime)
            let workflow = try Workflow(json: #"{"name": "slow", "schedule": "* * * * *", "steps": [{"name": "s", "skill": "slow"}]}"#)
            let scheduler = try Scheduler(executor: executor, workflows: [workflow], overlap: overlap, clock: clock, wallClock: wall)
            let task = Task { try await scheduler.run() }
            for _ in 0..<3 {
                try await Self.untilSleeping(clock)
                clock.advance(.seconds(60))
            }
            try await Self.untilFires(scheduler, 3)
            gate.continuation.yield()
            gate.continuation.finish()
            if overlap == .queue { try await Self.untilFires(scheduler, 4) }
            task.cancel()
            _ = try? await task.value
            let actions = scheduler.fires.map(\.action)
            #expect(actions == (overlap == .skip ? ["started", "skipped", "skipped"] : ["started", "queued", "skipped", "started"]))
        }
    }

    @Test("update(workflows:) while running: added, changed and removed schedules apply at once; unchanged ones keep their time")
    func updates() async throws {
        let clock = ManualClock()
        let wall = WallClock { SchedulerTests.base.addingTimeInterval(Double(clock.now.offset.components.seconds)) }
        let f = SkillRuntimeTests.Fixture()
        try BuiltinSkills.register(in: f.registry)
        let executor = WorkflowExecutor(runtime: f.runtime)
        func workflow(_ name: String, _ schedule: String) throws -> Workflow {
            try Workflow(json: #"{"name": "\#(name)", "schedule": "\#(schedule)", "steps": [{"name": "e", "skill": "echo"}]}"#)
        }
        let scheduler = try Scheduler(executor: executor, workflows: [], clock: clock, wallClock: wall)
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await scheduler.run() }
                // Nothing to schedule: it waits for an update instead of ending.
                try await Task.sleep(for: .milliseconds(20))
                #expect(clock.sleeperCount == 0)
                #expect(try scheduler.update(workflows: [try workflow("tick", "* * * * *")]))
                #expect(try !scheduler.update(workflows: [try workflow("tick", "* * * * *")]), "unchanged")
                try await Self.untilSleeping(clock)
                clock.advance(.seconds(60))  // 08:01:30: tick fired at 08:01
                try await Self.untilFires(scheduler, 1)
                // tick moves to every 5 minutes; hourly is added (its time unchanged by later updates).
                try await Self.untilSleeping(clock)
                try scheduler.update(workflows: [try workflow("tick", "*/5 * * * *"), try workflow("hourly", "0 * * * *")])
                try await Self.until(scheduler, ["tick": "2026-11-26T08:05:00Z", "hourly": "2026-11-26T09:00:00Z"])
                try await Self.untilSleeping(clock)
                clock.advance(.seconds(240))  // 08:05:30
                try await Self.untilFires(scheduler, 2)
                try await Self.until(scheduler, ["tick": "2026-11-26T08:10:00Z", "hourly": "2026-11-26T09:00:00Z"])
                try scheduler.update(workflows: [try workflow("hourly", "0 * * * *")])  // tick removed
                try await Self.until(scheduler, ["hourly": "2026-11-26T09:00:00Z"])
                try await Self.untilSleeping(clock)
                clock.advance(.seconds(3300))  // 09:00:30
                try await Self.untilFires(scheduler, 3)
                try scheduler.update(workflows: [])
                try await Self.until(scheduler, [:])
                for _ in 0..<5000 where clock.sleeperCount > 0 { try await Task.sleep(for: .milliseconds(1)) }
                clock.advance(.seconds(7200))
                try await Task.sleep(for: .milliseconds(20))
                // Waiting with nothing scheduled, it still ends on graceful shutdown.
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
        #expect(scheduler.fires.map { "\($0.workflow) \(RFC3339.format($0.due))" } == [
            "tick \(RFC3339.format(RFC3339.parse("2026-11-26T08:01:00Z")!))",
            "tick \(RFC3339.format(RFC3339.parse("2026-11-26T08:05:00Z")!))",
            "hourly \(RFC3339.format(RFC3339.parse("2026-11-26T09:00:00Z")!))",
        ])
        #expect(scheduler.scheduled.isEmpty)
    }

    @Test("A queued fire of a workflow removed meanwhile does not run")
    func queuedThenRemoved() async throws {
        let clock = ManualClock()
        let wall = WallClock { SchedulerTests.base.addingTimeInterval(Double(clock.now.offset.components.seconds)) }
        let f = SkillRuntimeTests.Fixture()
        let gate = AsyncStream<Void>.makeStream()
        let runs = Mutex(0)
        try f.skill("slow", []) { _, _ in
            if runs.withLock({ $0 += 1; return $0 }) == 1 { for await _ in gate.stream { break } }
            return .null
        }
        let workflow = try Workflow(json: #"{"name": "slow", "schedule": "* * * * *", "steps": [{"name": "s", "skill": "slow"}]}"#)
        let executor = WorkflowExecutor(runtime: f.runtime)
        let scheduler = try Scheduler(executor: executor, workflows: [workflow], overlap: .queue, clock: clock, wallClock: wall)
        let task = Task { try await scheduler.run() }
        for _ in 0..<2 {
            try await Self.untilSleeping(clock)
            clock.advance(.seconds(60))
        }
        try await Self.untilFires(scheduler, 2)
        for _ in 0..<5000 where runs.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(1)) }
        try scheduler.update(workflows: [])
        gate.continuation.yield()
        gate.continuation.finish()
        // The first run ends; with the workflow gone, its queued fire must not start another.
        for _ in 0..<5000 where !executor.activeRuns.isEmpty { try await Task.sleep(for: .milliseconds(1)) }
        try await Task.sleep(for: .milliseconds(20))
        task.cancel()
        _ = try? await task.value
        #expect(scheduler.fires.map(\.action) == ["started", "queued"])
        #expect(runs.withLock { $0 } == 1, "the slow skill ran once")
    }

    @Test("A run the executor refuses is recorded as a failed fire, not lost")
    func refusedRun() async throws {
        let clock = ManualClock()
        let wall = WallClock { SchedulerTests.base.addingTimeInterval(Double(clock.now.offset.components.seconds)) }
        let f = SkillRuntimeTests.Fixture()
        try f.skill("temporary", []) { _, _ in .null }
        let workflow = try Workflow(json: #"{"name": "gone", "schedule": "* * * * *", "steps": [{"name": "s", "skill": "temporary"}]}"#)
        let scheduler = try Scheduler(executor: WorkflowExecutor(runtime: f.runtime), workflows: [workflow], clock: clock, wallClock: wall)
        try f.registry.unregister("temporary")
        let task = Task { try await scheduler.run() }
        try await Self.untilSleeping(clock)
        clock.advance(.seconds(60))
        try await Self.untilFires(scheduler, 2)
        task.cancel()
        _ = try? await task.value
        #expect(scheduler.fires.map(\.action) == ["started", "failed"])
        #expect(scheduler.fires.last?.error?.contains("unknown skill 'temporary'") == true)
    }
}
