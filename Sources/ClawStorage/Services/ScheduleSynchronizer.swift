import ClawWorkflow
import Logging
import ServiceLifecycle

/// Keeps a ``Scheduler`` in step with the stored workflows: a workflow saved, changed, disabled or deleted
/// (by `claw workflow save` in another process, or on another node) is scheduled accordingly without a
/// restart.
///
/// The stored workflows are reread when a change is announced (PostgreSQL LISTEN/NOTIFY across nodes;
/// in-process for SQLite) and at least every `ttl` (30 s by default), which is how a change made by another
/// process on SQLite arrives. When the store cannot be read, or a stored schedule no longer parses, the
/// schedules in force stay as they were (they were valid when loaded) and the failure is logged.
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

    /// Rereads the enabled workflows and hands them to the scheduler.
    /// - Returns: Why the schedules in force were kept, if they were.
    @discardableResult
    public func refresh() async -> StorageError? {
        do {
            let workflows = try await store.enabled()
            if try scheduler.update(workflows: workflows) {
                logger.info("schedules reloaded", metadata: ["scheduled": "\(scheduler.scheduled.joined(separator: ","))"])
            }
            return nil
        } catch let error as StorageError {
            logger.error("cannot reload the schedules; the ones in force are kept", metadata: ["error": "\(error)"])
            return error
        } catch {
            let failure = StorageError(.corrupt, "a stored schedule does not parse: \(error)")
            logger.error("cannot reload the schedules; the ones in force are kept", metadata: ["error": "\(failure)"])
            return failure
        }
    }

    /// Refreshes now, then on every announced change and every `ttl`, until cancelled or shut down.
    public func run() async throws {
        await RefreshLoop.run(changes: driver.changes(WorkflowStore.channel), ttl: ttl) { [self] in await refresh() }
    }
}
