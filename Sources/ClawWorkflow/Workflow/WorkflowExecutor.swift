import Foundation
import Synchronization

/// Runs workflows: every step through ``SkillRuntime``'s one path, with routes, retries, error handling,
/// fallbacks, approval, cancellation and a limit on concurrent runs.
///
/// A step's skill receives `{"input": <the previous step's output, or input_from's>, "config": <config>}`;
/// the first step's input is the run's input. A step's output routes by its `"branch"` string.
public final class WorkflowExecutor: Sendable {
    /// Limits.
    public struct Configuration: Sendable {
        /// Runs at once; more are refused. 8 by default.
        public var maximumConcurrentRuns: Int
        /// Steps one run may take in all, whatever the loops; 10,000 by default.
        public var maximumStepsPerRun: Int

        /// Creates a configuration.
        public init(maximumConcurrentRuns: Int = 8, maximumStepsPerRun: Int = 10_000) {
            self.maximumConcurrentRuns = max(1, maximumConcurrentRuns)
            self.maximumStepsPerRun = max(1, maximumStepsPerRun)
        }
    }

    /// The runtime every step goes through.
    public let runtime: SkillRuntime
    /// Where records go.
    public let store: any RunStore
    /// Limits.
    public let configuration: Configuration
    private let active = Mutex([String: Task<RunRecord, Never>]())
    private let slots = Mutex(0)

    /// Creates an executor.
    public init(runtime: SkillRuntime, store: any RunStore = InMemoryRunStore(), configuration: Configuration = .init()) {
        self.runtime = runtime
        self.store = store
        self.configuration = configuration
    }

    /// Runs a workflow to the end and returns its record (also saved to the store).
    /// - Parameters:
    ///   - workflow: The workflow; it must be enabled and valid.
    ///   - input: The first step's input.
    ///   - trigger: Who started it.
    ///   - runID: The run's id; random by default.
    /// - Throws: ``WorkflowError/Code/invalidWorkflow`` for a disabled or invalid workflow,
    ///   ``WorkflowError/Code/tooManyRuns`` at the concurrency limit. Failures inside the run end up in the record.
    public func run(_ workflow: Workflow, input: JSONValue = .null, trigger: Trigger, runID: String? = nil) async throws -> RunRecord {
        guard workflow.enabled else { throw WorkflowError(.invalidWorkflow, "workflow '\(workflow.name)' is disabled") }
        let problems = workflow.validate(registry: runtime.registry)
        guard problems.isEmpty else { throw WorkflowError(.invalidWorkflow, problems.joined(separator: "; ")) }
        let admitted = slots.withLock { used -> Bool in
            guard used < configuration.maximumConcurrentRuns else { return false }
            used += 1
            return true
        }
        guard admitted else {
            throw WorkflowError(.tooManyRuns, "\(configuration.maximumConcurrentRuns) runs are already in progress")
        }
        defer { slots.withLock { $0 -= 1 } }
        let id = runID ?? "run-" + UUID().uuidString.lowercased()
        let task = Task { await self.execute(workflow, input: input, trigger: trigger, id: id) }
        active.withLock { $0[id] = task }
        let record = await withTaskCancellationHandler { await task.value } onCancel: { task.cancel() }
        active.withLock { $0[id] = nil }
        return record
    }

    /// Cancels a run in progress.
    /// - Returns: Whether a run with that id was in progress.
    @discardableResult
    public func cancel(runID: String) -> Bool {
        guard let task = active.withLock({ $0[runID] }) else { return false }
        task.cancel()
        return true
    }

    /// The ids of the runs in progress.
    public var activeRuns: [String] { active.withLock { Array($0.keys) } }

    private func execute(_ workflow: Workflow, input: JSONValue, trigger: Trigger, id: String) async -> RunRecord {
        var record = RunRecord(
            id: id, workflow: workflow.name, trigger: trigger, status: .running, startedAt: runtime.wallClock.now(),
            finishedAt: nil, steps: [], error: nil, output: nil)
        try? await store.save(record)
        func finish(_ status: RunRecord.Status, _ error: String? = nil) async -> RunRecord {
            record.status = status
            record.error = error
            record.finishedAt = runtime.wallClock.now()
            try? await store.save(record)
            return record
        }
        if workflow.requiresApproval {
            do {
                try await runtime.requireApproval(ApprovalRequest(subject: workflow.name, runID: id, trigger: trigger, arguments: input))
            } catch {
                return await finish(.refused, "workflow '\(workflow.name)' was not approved")
            }
        }
        var outputs = [String: JSONValue]()
        var visits = [String: Int]()
        var current = workflow.steps[0].name
        var previous = input
        var taken = 0
        while current != Workflow.end {
            if Task.isCancelled { return await finish(.cancelled, "the run was cancelled") }
            taken += 1
            guard taken <= configuration.maximumStepsPerRun, let index = workflow.steps.firstIndex(where: { $0.name == current }) else {
                return await finish(.failed, "the run exceeded \(configuration.maximumStepsPerRun) steps")
            }
            let step = workflow.steps[index]
            visits[step.name, default: 0] += 1
            if let bound = step.maximumVisits, visits[step.name]! > bound {
                return await finish(.failed, "step '\(step.name)' was entered more than \(bound) times")
            }
            let stepInput = step.inputFrom.map { outputs[$0] ?? .null } ?? previous
            let payload = JSONValue.object(["input": stepInput, "config": step.config])
            let started = runtime.wallClock.now()
            var stepRecord = RunRecord.Step(
                name: step.name, skill: step.skill, status: "succeeded", inputDigest: Integrity.sha256(Array(payload.canonicalText.utf8)),
                outputDigest: nil, startedAt: started, durationMilliseconds: 0, attempts: 0, error: nil, deniedBy: nil)
            let outcome = await attempt(step, payload: payload, runID: id, trigger: trigger, record: &stepRecord)
            stepRecord.durationMilliseconds = Int((runtime.wallClock.now().timeIntervalSince(started) * 1000).rounded())
            switch outcome {
            case .output(let output):
                stepRecord.outputDigest = Integrity.sha256(Array(output.canonicalText.utf8))
                record.steps.append(stepRecord)
                outputs[step.name] = output
                previous = output
                record.output = output
                if let branch = output["branch"]?.stringValue, let target = step.routes[branch] {
                    current = target
                } else {
                    current = step.defaultRoute ?? workflow.next(after: index)
                }
            case .skipped:
                record.steps.append(stepRecord)
                current = workflow.next(after: index)
            case .route(let target):
                record.steps.append(stepRecord)
                current = target
            case .halt(let reason):
                record.steps.append(stepRecord)
                return await finish(.failed, reason)
            case .cancelled:
                record.steps.append(stepRecord)
                return await finish(.cancelled, "the run was cancelled")
            }
        }
        return await finish(.succeeded)
    }

    enum Outcome {
        case output(JSONValue)
        case skipped
        case route(String)
        case halt(String)
        case cancelled
    }

    /// Runs one step with retries and the step's error, breaker and missing-skill policies.
    private func attempt(
        _ step: Workflow.Step, payload: JSONValue, runID: String, trigger: Trigger, record: inout RunRecord.Step
    ) async -> Outcome {
        guard runtime.registry.entry(step.skill) != nil else {
            record.status = "missing"
            record.error = "skill '\(step.skill)' is not registered"
            return step.onMissingSkill == .skip ? .skipped : .halt("step '\(step.name)': skill '\(step.skill)' is not registered")
        }
        var delay = step.retry.backoff
        var lastError = ""
        for attempt in 0...step.retry.maximum {
            record.attempts = attempt + 1
            do {
                let output = try await runStep(skill: step.skill, payload: payload, timeout: step.timeout, runID: runID, trigger: trigger)
                return .output(output)
            } catch is CancellationError {
                record.status = "cancelled"
                return .cancelled
            } catch let error as CircuitOpenError {
                record.error = error.description
                switch step.onCircuitOpen {
                case .halt:
                    record.status = "failed"
                    return .halt("step '\(step.name)': \(error)")
                case .skip:
                    record.status = "skipped"
                    return .skipped
                case .fallback:
                    let fallback = step.fallbackSkill!
                    record.skill = fallback
                    record.status = "fallback"
                    do {
                        // The fallback takes the very same path: token, policy, breaker, timeout, sanitizer, audit.
                        return .output(try await runStep(skill: fallback, payload: payload, timeout: step.timeout, runID: runID, trigger: trigger))
                    } catch {
                        record.error = Self.describe(error, record: &record)
                        return .halt("step '\(step.name)': the fallback '\(fallback)' failed: \(record.error!)")
                    }
                }
            } catch {
                lastError = Self.describe(error, record: &record)
                // Denials and approval refusals do not change on retry.
                if error is AuthorizationDenied || (error as? WorkflowError)?.code == .approvalRefused { break }
                if attempt < step.retry.maximum {
                    do {
                        try await Task.sleep(for: delay)
                    } catch {
                        record.status = "cancelled"
                        return .cancelled
                    }
                    delay = delay * step.retry.multiplier
                }
            }
        }
        record.error = lastError
        switch step.onError {
        case .halt:
            record.status = "failed"
            return .halt("step '\(step.name)': \(lastError)")
        case .skip:
            record.status = "skipped"
            return .skipped
        case .route:
            record.status = "failed"
            return .route(step.errorRoute!)
        }
    }

    private func runStep(skill: String, payload: JSONValue, timeout: Duration?, runID: String, trigger: Trigger) async throws -> JSONValue {
        if let timeout {
            return try await SkillRuntime.withTimeout(timeout, skill: skill) { [runtime] in
                try await runtime.run(skill: skill, input: payload, runID: runID, trigger: trigger)
            }
        }
        return try await runtime.run(skill: skill, input: payload, runID: runID, trigger: trigger)
    }

    /// A reason that holds no secret: codes and reasons for Claw's errors, the type's name otherwise.
    static func describe(_ error: any Error, record: inout RunRecord.Step) -> String {
        switch error {
        case let denied as AuthorizationDenied:
            record.deniedBy = denied.ruleID
            return denied.description
        case let e as WorkflowError: return e.description
        case let e as ClawSecurityError: return e.description
        case let e as CircuitOpenError: return e.description
        default: return "the skill failed (\(String(describing: type(of: error))))"
        }
    }
}
