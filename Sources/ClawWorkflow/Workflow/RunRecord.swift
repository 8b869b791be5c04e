import Foundation
import Synchronization

/// What happened in one workflow run.
public struct RunRecord: Sendable, Hashable {
    /// How a run ended (or that it has not).
    public enum Status: String, Sendable, Hashable {
        /// Still running.
        case running
        /// Every step it took succeeded or was skipped by configuration.
        case succeeded
        /// A step failed and the workflow halted.
        case failed
        /// Approval was refused, or the trigger was not allowed to run it.
        case refused
        /// Cancelled.
        case cancelled
    }

    /// What happened in one step.
    public struct Step: Sendable, Hashable {
        /// The step's name.
        public var name: String
        /// The skill that actually ran (the fallback's name when it ran instead).
        public var skill: String
        /// `succeeded`, `failed`, `skipped`, `fallback`, `missing`.
        public var status: String
        /// SHA-256 of the canonical JSON input.
        public var inputDigest: String
        /// SHA-256 of the canonical JSON output, when there is one.
        public var outputDigest: String?
        /// When it started.
        public var startedAt: Date
        /// How long it took, in milliseconds.
        public var durationMilliseconds: Int
        /// Attempts made (retries + 1).
        public var attempts: Int
        /// The error, if any (a reason that holds no secret).
        public var error: String?
        /// The deciding policy rule of a denial, if any.
        public var deniedBy: String?
    }

    /// The run's id.
    public let id: String
    /// The workflow's name.
    public let workflow: String
    /// What started it.
    public let trigger: Trigger
    /// How it ended.
    public var status: Status
    /// When it started.
    public let startedAt: Date
    /// When it ended.
    public var finishedAt: Date?
    /// The steps in the order they ran.
    public var steps: [Step]
    /// Why it failed, was refused or cancelled.
    public var error: String?
    /// The last step's output.
    public var output: JSONValue?

    /// The record as JSON (`claw workflow run` prints it).
    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "id": .string(id), "workflow": .string(workflow), "status": .string(status.rawValue),
            "trigger": .object(["caller_type": .string(trigger.callerType.rawValue), "identity": .string(trigger.identity)]),
            "started_at": .string(RFC3339.format(startedAt)),
            "steps": .array(steps.map { step in
                var s: [String: JSONValue] = [
                    "name": .string(step.name), "skill": .string(step.skill), "status": .string(step.status),
                    "input_sha256": .string(step.inputDigest), "started_at": .string(RFC3339.format(step.startedAt)),
                    "duration_ms": .int(Int64(step.durationMilliseconds)), "attempts": .int(Int64(step.attempts)),
                ]
                if let d = step.outputDigest { s["output_sha256"] = .string(d) }
                if let e = step.error { s["error"] = .string(e) }
                if let r = step.deniedBy { s["denied_by"] = .string(r) }
                return .object(s)
            }),
        ]
        if let finishedAt { o["finished_at"] = .string(RFC3339.format(finishedAt)) }
        if let error { o["error"] = .string(error) }
        if let output { o["output"] = output }
        return .object(o)
    }
}

/// Where run records go. The storage issue adds SQLite and PostgreSQL stores.
public protocol RunStore: Sendable {
    /// Saves (inserts or replaces) a record.
    func save(_ record: RunRecord) async throws
    /// Returns a record by id.
    func run(id: String) async throws -> RunRecord?
    /// Returns a workflow's records, newest first.
    func runs(workflow: String) async throws -> [RunRecord]
}

/// Run records in memory.
public final class InMemoryRunStore: RunStore {
    private let records = Mutex([String: RunRecord]())

    /// Creates an empty store.
    public init() {}
    /// Saves a record.
    public func save(_ record: RunRecord) async throws { records.withLock { $0[record.id] = record } }
    /// Returns a record.
    public func run(id: String) async throws -> RunRecord? { records.withLock { $0[id] } }
    /// Returns a workflow's records, newest first.
    public func runs(workflow: String) async throws -> [RunRecord] {
        records.withLock { $0.values.filter { $0.workflow == workflow } }.sorted { $0.startedAt > $1.startedAt }
    }
}
