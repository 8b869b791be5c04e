import ClawWorkflow
import Logging
import ServiceLifecycle

/// Keeps a ``Scheduler`` in step with the stored workflows: a workflow saved, changed, disabled or deleted
/// (by `claw workflow save` in another process, or on another node) is scheduled accordingly without a
/// restart.
///
/// The stored workflows are reread when a change is announced (PostgreSQL LISTEN/NOTIFY across nodes;
/// in-process for SQLite) and at least every `ttl` (30 s by default), which is how a change made by another
/// process on SQLite arrives. A stored workflow that does not validate here (a schedule in a time zone this
/// machine does not know, a row altered outside Claw) is not scheduled and is logged; the others still
/// follow the store. When the store cannot be read, the schedules in force stay as they were.
public final class ScheduleSynchronizer<C: Clock>: Service, Sendable where C.Duration == Duration {
    /// The scheduler whose workflows follow the store.
    public let scheduler: Scheduler<C>
    /// The longest a change can take to apply when no announcement arrives.
    public let ttl: Duration
    private let store: WorkflowStore
    private let driver: any SQLDriver
    private let logger: Logger

    /// Creates a synchronizer.
    /// - Parameters:
    ///   - database: The database holding the workflows.
    ///   - scheduler: The scheduler to update.
    ///   - ttl: The longest between two reads; 30 s by default.
    ///   - logger: Where failed refreshes and changes are logged.
    public init(
        database: ClawDatabase, scheduler: Scheduler<C>, ttl: Duration = .seconds(30),
        logger: Logger = Logger(label: "claw.scheduler")
    ) {
        self.scheduler = scheduler
        self.ttl = ttl
        self.store = database.workflows
        self.driver = database.driver
        self.logger = logger
    }

    /// Rereads the enabled workflows and hands those that validate to the scheduler.
    /// - Returns: Why the schedules in force were kept (the store cannot be read), or the first stored workflow
    ///   left out because it does not validate; `nil` when every one was applied.
    @discardableResult
    public func refresh() async -> StorageError? {
        let read: (workflows: [Workflow], invalid: [(name: String, reason: String)])
        do {
            read = try await store.enabledValidating()
        } catch {
            logger.error("cannot reload the schedules; the ones in force are kept", metadata: ["error": "\(error)"])
            return error
        }
        for (name, reason) in read.invalid {
            logger.error("a stored workflow does not validate and is not scheduled", metadata: ["workflow": "\(name)", "reason": "\(reason)"])
        }
        do {
            if try scheduler.update(workflows: read.workflows) {
                logger.info("schedules reloaded", metadata: ["scheduled": "\(scheduler.scheduled.joined(separator: ","))"])
            }
        } catch {
            // Not reached: a workflow that validated has a schedule that parses.
            logger.error("cannot reload the schedules; the ones in force are kept", metadata: ["error": "\(error)"])
            return StorageError(.corrupt, "a stored schedule does not parse: \(error.reason)")
        }
        return read.invalid.first.map { StorageError(.corrupt, "the stored workflow \($0.name) does not validate: \($0.reason)") }
    }

    /// Refreshes now, then on every announced change and every `ttl`, until cancelled or shut down.
    public func run() async throws {
        await RefreshLoop.run(changes: driver.changes(WorkflowStore.channel), ttl: ttl) { [self] in await refresh() }
    }
}
