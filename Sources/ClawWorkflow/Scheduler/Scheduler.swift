import Foundation
import ServiceLifecycle
import Synchronization

/// Starts workflows on their cron schedules, through the same ``WorkflowExecutor`` as every other trigger.
///
/// A `Service`: run it in a `ServiceGroup`; on graceful shutdown it stops scheduling, lets runs in progress
/// finish, and returns. When a run is still going at its next fire time, the fire is skipped (`.skip`, the
/// default) or one fire is queued to start when the run ends (`.queue`).
///
/// ``update(workflows:)`` replaces the schedules while it runs (ClawStorage's `ScheduleSynchronizer` calls it
/// when stored workflows change): a workflow whose schedule is unchanged keeps its next fire time, a new or
/// changed one is scheduled from that moment, and runs in progress are left to finish.
public final class Scheduler<C: Clock>: Service, Sendable where C.Duration == Duration {
    /// What to do when a workflow's previous run is still going.
    public enum Overlap: Sendable, Hashable {
        /// Drop the fire.
        case skip
        /// Start one more run when the current one ends (further fires are dropped).
        case queue
    }

    /// A fire the scheduler handled, for observers and tests.
    public struct Fire: Sendable, Hashable {
        /// The workflow.
        public let workflow: String
        /// When it was due.
        public let due: Date
        /// `started`, `skipped`, `queued` or `failed` (the executor refused the run).
        public let action: String
        /// Why the executor refused the run, for `failed`.
        public let error: String?

        init(workflow: String, due: Date, action: String, error: String? = nil) {
            self.workflow = workflow
            self.due = due
            self.action = action
            self.error = error
        }
    }

    struct Entry: Sendable {
        let workflow: Workflow
        let schedule: CronSchedule

        /// Whether another entry fires at the same times (same expression and time zone).
        func firesLike(_ other: Entry) -> Bool {
            workflow.schedule == other.workflow.schedule && workflow.timeZone == other.workflow.timeZone
        }
    }

    struct State {
        var entries: [Entry]
        /// Bumped by every ``update(workflows:)`` that changes something.
        var generation = 0
        /// The run loop, while it waits for a fire time or a change.
        var waiters: [Int: CheckedContinuation<Void, any Error>] = [:]
        var nextWaiter = 0
        /// The next fire times the run loop computed.
        var upcoming: [String: Date] = [:]
        var running: Set<String> = []
        var queued: Set<String> = []
        var fires: [Fire] = []
    }

    private let executor: WorkflowExecutor
    private let clock: C
    private let wallClock: WallClock
    private let overlap: Overlap
    private let state: Mutex<State>

    /// Creates a scheduler for the enabled workflows that have a schedule.
    /// - Parameters:
    ///   - executor: Runs the workflows.
    ///   - workflows: Workflows; those without a schedule or disabled are ignored.
    ///   - overlap: What to do with a fire while the previous run is going.
    ///   - clock: What the scheduler sleeps on.
    ///   - wallClock: The calendar time schedules are computed in.
    /// - Throws: ``WorkflowError/Code/invalidWorkflow`` when a schedule does not parse.
    public init(
        executor: WorkflowExecutor, workflows: [Workflow], overlap: Overlap = .skip, clock: C, wallClock: WallClock = .system
    ) throws(WorkflowError) {
        self.executor = executor
        self.state = Mutex(State(entries: try Self.entries(workflows)))
        self.clock = clock
        self.wallClock = wallClock
        self.overlap = overlap
    }

    static func entries(_ workflows: [Workflow]) throws(WorkflowError) -> [Entry] {
        var entries = [Entry]()
        for workflow in workflows where workflow.enabled {
            guard let expression = workflow.schedule else { continue }
            entries.append(Entry(workflow: workflow, schedule: try CronSchedule(expression, timeZone: workflow.timeZone ?? "UTC")))
        }
        return entries
    }

    /// The fires handled so far, oldest first (the last 1,000).
    public var fires: [Fire] { state.withLock { $0.fires } }

    /// When each scheduled workflow fires next, as the running scheduler computed it (empty until ``run()``
    /// starts; it follows an update once the running scheduler has applied it).
    public var upcoming: [String: Date] { state.withLock { $0.upcoming } }

    /// The names of the workflows scheduled now, sorted.
    public var scheduled: [String] { state.withLock { $0.entries.map(\.workflow.name).sorted() } }

    /// Replaces the workflows, at once for a running scheduler. Nothing changes when a schedule does not
    /// parse; a workflow whose run is going is not started again until it ends.
    /// - Parameter workflows: Every workflow; those without a schedule or disabled are ignored.
    /// - Returns: Whether the scheduled workflows changed.
    /// - Throws: ``WorkflowError/Code/invalidWorkflow`` when a schedule does not parse.
    @discardableResult
    public func update(workflows: [Workflow]) throws(WorkflowError) -> Bool {
        let entries = try Self.entries(workflows)
        let woken: [CheckedContinuation<Void, any Error>]? = state.withLock { state in
            guard state.entries.map(\.workflow) != entries.map(\.workflow) else { return nil }
            state.entries = entries
            state.generation += 1
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in woken ?? [] { waiter.resume() }
        return woken != nil
    }

    /// Schedules until cancelled or shut down gracefully; runs in progress are awaited. With nothing to
    /// schedule it waits for ``update(workflows:)``.
    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            var nextFire = [String: Date]()
            var known: (generation: Int, entries: [Entry])? = nil
            while !Task.isCancelled {
                let (generation, entries) = state.withLock { ($0.generation, $0.entries) }
                if generation != known?.generation {
                    // Unchanged schedules keep their next fire time (even one already due); others start from now.
                    let now = wallClock.now()
                    var fresh = [String: Date]()
                    for entry in entries {
                        let previous = known?.entries.first { $0.workflow.name == entry.workflow.name }
                        fresh[entry.workflow.name] =
                            if let previous, previous.firesLike(entry), let due = nextFire[entry.workflow.name] { due } else {
                                entry.schedule.next(after: now)
                            }
                    }
                    nextFire = fresh
                    known = (generation, entries)
                    state.withLock { $0.upcoming = fresh.compactMapValues { $0 } }
                }
                let next = nextFire.compactMapValues({ $0 }).min(by: { $0.value < $1.value })
                let wait = next.map { $0.value.timeIntervalSince(wallClock.now()) }
                if next == nil || wait! > 0 {
                    guard await sleep(seconds: wait, unlessChangedFrom: generation) else { break }
                    if state.withLock({ $0.generation }) != generation { continue }
                }
                guard let (name, due) = next, let entry = entries.first(where: { $0.workflow.name == name }) else { continue }
                nextFire[name] = entry.schedule.next(after: due)
                state.withLock { $0.upcoming[name] = nextFire[name] ?? nil }
                handle(entry, due: due, group: &group)
            }
            await group.waitForAll()
        }
    }

    /// Sleeps for `seconds` (`nil`: until a change), or until the workflows change from `generation`.
    /// - Returns: `false` when cancelled or shut down gracefully.
    private func sleep(seconds: Double?, unlessChangedFrom generation: Int) async -> Bool {
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    if let seconds {
                        group.addTask { try await self.clock.sleep(for: .milliseconds(Int64((seconds * 1000).rounded(.up)))) }
                    }
                    group.addTask { try await self.change(from: generation) }
                    try await group.next()
                    group.cancelAll()
                }
            }
            return !Task.isCancelled
        } catch {
            return false
        }
    }

    /// Returns when the generation is no longer `generation`.
    private func change(from generation: Int) async throws {
        let id = state.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let now = state.withLock { state -> Bool in
                    if state.generation != generation || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
            try Task.checkCancellation()
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(throwing: CancellationError())
        }
    }

    private func handle(_ entry: Entry, due: Date, group: inout TaskGroup<Void>) {
        let name = entry.workflow.name
        let action: String = state.withLock { state in
            if state.running.contains(name) {
                if overlap == .queue, !state.queued.contains(name) {
                    state.queued.insert(name)
                    return "queued"
                }
                return "skipped"
            }
            state.running.insert(name)
            return "started"
        }
        record(Fire(workflow: name, due: due, action: action))
        guard action == "started" else { return }
        group.addTask {
            var workflow: Workflow? = entry.workflow
            while let current = workflow {
                do {
                    _ = try await self.executor.run(current, trigger: .scheduler)
                } catch {
                    // A refused run (the concurrency limit, a workflow no longer valid) is recorded, not lost.
                    let reason = (error as? WorkflowError)?.description ?? "the executor refused the run"
                    self.record(Fire(workflow: name, due: self.wallClock.now(), action: "failed", error: reason))
                }
                // A queued fire runs the workflow as scheduled now: not at all when an update removed or
                // disabled it meanwhile, the new definition when it changed.
                workflow = self.state.withLock { state -> Workflow? in
                    if state.queued.remove(name) != nil, let now = state.entries.first(where: { $0.workflow.name == name }) {
                        return now.workflow
                    }
                    state.running.remove(name)
                    return nil
                }
                if workflow != nil { self.record(Fire(workflow: name, due: self.wallClock.now(), action: "started")) }
            }
        }
    }

    private func record(_ fire: Fire) {
        state.withLock { state in
            if state.fires.count >= 1000 { state.fires.removeFirst() }
            state.fires.append(fire)
        }
    }
}
