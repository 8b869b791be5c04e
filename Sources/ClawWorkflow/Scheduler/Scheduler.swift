import Foundation
import ServiceLifecycle
import Synchronization

/// Starts workflows on their cron schedules, through the same ``WorkflowExecutor`` as every other trigger.
///
/// A `Service`: run it in a `ServiceGroup`; on graceful shutdown it stops scheduling, lets runs in progress
/// finish, and returns. When a run is still going at its next fire time, the fire is skipped (`.skip`, the
/// default) or one fire is queued to start when the run ends (`.queue`).
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
    }

    struct State {
        var running: Set<String> = []
        var queued: Set<String> = []
        var fires: [Fire] = []
    }

    private let executor: WorkflowExecutor
    private let entries: [Entry]
    private let clock: C
    private let wallClock: WallClock
    private let overlap: Overlap
    private let state = Mutex(State())

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
        var entries = [Entry]()
        for workflow in workflows where workflow.enabled {
            guard let expression = workflow.schedule else { continue }
            entries.append(Entry(workflow: workflow, schedule: try CronSchedule(expression, timeZone: workflow.timeZone ?? "UTC")))
        }
        self.executor = executor
        self.entries = entries
        self.clock = clock
        self.wallClock = wallClock
        self.overlap = overlap
    }

    /// The fires handled so far, oldest first (the last 1,000).
    public var fires: [Fire] { state.withLock { $0.fires } }

    /// Schedules until cancelled or shut down gracefully; runs in progress are awaited.
    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            var nextFire = [String: Date]()
            let start = wallClock.now()
            for entry in entries { nextFire[entry.workflow.name] = entry.schedule.next(after: start) }
            while !Task.isCancelled {
                guard let (name, due) = nextFire.compactMapValues({ $0 }).min(by: { $0.value < $1.value }) else { break }
                let wait = due.timeIntervalSince(wallClock.now())
                if wait > 0 {
                    do {
                        try await cancelWhenGracefulShutdown {
                            try await self.clock.sleep(for: .milliseconds(Int64((wait * 1000).rounded(.up))))
                        }
                    } catch {
                        break
                    }
                }
                let entry = entries.first { $0.workflow.name == name }!
                nextFire[name] = entry.schedule.next(after: due)
                handle(entry, due: due, group: &group)
            }
            await group.waitForAll()
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
            var again = true
            while again {
                do {
                    _ = try await self.executor.run(entry.workflow, trigger: .scheduler)
                } catch {
                    // A refused run (the concurrency limit, a workflow no longer valid) is recorded, not lost.
                    let reason = (error as? WorkflowError)?.description ?? "the executor refused the run"
                    self.record(Fire(workflow: name, due: self.wallClock.now(), action: "failed", error: reason))
                }
                again = self.state.withLock { state in
                    if state.queued.remove(name) != nil { return true }
                    state.running.remove(name)
                    return false
                }
                if again { self.record(Fire(workflow: name, due: self.wallClock.now(), action: "started")) }
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
