import Foundation
import Logging
import ServiceLifecycle

/// Prunes the audit log by age on a schedule, by itself: entries older than the log's retention period
/// are removed from the head, leaving a signed anchor (see ``AuditLog/prune()``).
///
/// A prune that fails (a tampered chain, an unreachable store) is logged and retried at the next
/// interval; nothing is deleted from a chain that does not verify.
public final class AuditPruningService<C: Clock>: Service, Sendable where C.Duration == Duration {
    /// The log pruned.
    public let log: AuditLog
    /// Time between prunes; 1 hour by default.
    public let interval: Duration
    private let clock: C
    private let logger: Logger
    private let onPrune: @Sendable (Result<Int, ClawSecurityError>) -> Void

    /// Creates the service.
    /// - Parameters:
    ///   - log: The log to prune.
    ///   - interval: Time between prunes.
    ///   - clock: The clock it sleeps on (a manual clock in tests).
    ///   - logger: Where outcomes are logged (counts and error codes only).
    ///   - onPrune: Called after every attempt with the number removed or the error.
    public init(
        log: AuditLog, interval: Duration = .seconds(3600), clock: C, logger: Logger = Logger(label: "claw.audit.pruning"),
        onPrune: @escaping @Sendable (Result<Int, ClawSecurityError>) -> Void = { _ in }
    ) {
        self.log = log
        self.interval = interval
        self.clock = clock
        self.logger = logger
        self.onPrune = onPrune
    }

    /// Prunes at start and then every `interval`, until cancelled or shut down gracefully.
    public func run() async throws {
        while !Task.isCancelled {
            let result: Result<Int, ClawSecurityError>
            do {
                result = .success(try await log.prune())
            } catch {
                result = .failure(error)
            }
            switch result {
            case .success(let removed) where removed > 0: logger.info("pruned the audit log", metadata: ["removed": "\(removed)"])
            case .success: break
            case .failure(let error): logger.error("audit pruning failed", metadata: ["code": "\(error.code)"])
            }
            onPrune(result)
            do {
                try await cancelWhenGracefulShutdown { try await self.clock.sleep(for: self.interval) }
            } catch {
                return
            }
        }
    }
}

extension AuditPruningService where C == ContinuousClock {
    /// Creates the service on the continuous clock.
    public convenience init(log: AuditLog, interval: Duration = .seconds(3600), logger: Logger = Logger(label: "claw.audit.pruning")) {
        self.init(log: log, interval: interval, clock: ContinuousClock(), logger: logger)
    }
}
