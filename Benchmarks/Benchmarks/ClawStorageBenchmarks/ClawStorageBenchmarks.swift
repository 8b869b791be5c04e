import Benchmark
import ClawStorage
import Foundation

// Benchmarks for ClawStorage on both backends, measured beside pgbench on the same PostgreSQL server by
// Benchmarks/run.sh (peers/bench_storage_peers.py):
//
// * Storage.auditAppend.<backend>: one `AuditLog.record(event:…)` with the default configuration, which is what
//   users get: the entry's HMAC-SHA256 chain link, then two committed transactions, the entry's INSERT and the
//   signed checkpoint's upsert (a checkpoint after every entry).
// * Storage.auditAppend100.<backend>: the same with `checkpointInterval: 100`, and 100 appends per iteration,
//   which write exactly one checkpoint among them (101 commits). The tool's figures for this row are per
//   iteration, so per 100 appends (the tool has no scaling factor of 100); compare.py divides by 100.
// * Storage.policyRead.<backend>: `PolicyStore.rules()` over 20 stored rules: one SELECT and each rule's JSON
//   parsed and validated, the PolicySynchronizer's refresh path.
//
// One client, one caller at a time: every operation waits for its commit (SQLite: WAL, synchronous = FULL;
// PostgreSQL: fsync = on, synchronous_commit = on, as scripts/with-postgres starts it).
//
// SQLite: a fresh database in a new temporary folder for each benchmark (the tool runs each benchmark in a process
// of its own), deleted in the teardown. PostgreSQL: the database named by CLAW_BENCH_DATABASE_URL
// (postgres://user:password@host:port/database), which run.sh creates empty for the session and drops after it;
// ClawDatabase.open creates the tables. The PostgreSQL audit benchmarks append to the one chain in that database.
// Without CLAW_BENCH_DATABASE_URL the PostgreSQL benchmarks are not registered (a note goes to stderr).

/// The variable that names the PostgreSQL database.
let databaseURLVariable = "CLAW_BENCH_DATABASE_URL"

enum Backend: String, CaseIterable {
    case sqlite
    case postgres
}

/// 20 rate-limit rules, the shape of a small policy file.
let policyFile: String = {
    let rules = (1...20).map { i in
        #"{"id": "r\#(i)", "type": "rate_limit", "priority": \#(i), "enabled": true, "#
            + #""config": {"permission": "web_read", "max_calls": \#(10 * i), "window_seconds": 60}}"#
    }
    return "[" + rules.joined(separator: ", ") + "]"
}()

/// A benchmark's database, opened in its setup and closed in its teardown.
final class Fixture: @unchecked Sendable {
    let backend: Backend
    let checkpointInterval: Int
    private(set) var database: ClawDatabase?
    private(set) var log: AuditLog?
    private var folder: URL?

    init(_ backend: Backend, checkpointInterval: Int = 1) {
        self.backend = backend
        self.checkpointInterval = checkpointInterval
    }

    struct SetupError: Error, CustomStringConvertible {
        let description: String
    }

    func open() async throws {
        let location: DatabaseLocation
        switch backend {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory
                .appendingPathComponent("claw-storage-bench-\(UUID().uuidString)", isDirectory: true)
            self.folder = folder
            location = .sqlite(path: folder.appendingPathComponent("claw.sqlite").path)
        case .postgres:
            guard let url = ProcessInfo.processInfo.environment[databaseURLVariable], !url.isEmpty else {
                throw SetupError(description: "\(databaseURLVariable) is not set")
            }
            location = try DatabaseLocation.parse(url)
        }
        let database = try await ClawDatabase.open(location)
        self.database = database
        log = AuditLog(
            store: database.audit, keyRing: try KeyRing(secretKeyBase: String(repeating: "k", count: 48)),
            configuration: .init(checkpointInterval: checkpointInterval))
    }

    func savePolicies() async throws {
        guard let database else { throw SetupError(description: "the database is not open") }
        try await database.policies.save(json: policyFile)
        let count = try await database.policies.rules().count
        guard count >= 20 else { throw SetupError(description: "expected 20 stored rules, read \(count)") }
    }

    func close() async throws {
        await database?.close()
        database = nil
        log = nil
        if let folder { try? FileManager.default.removeItem(at: folder) }
        folder = nil
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput],
        timeUnits: .microseconds,
        warmupIterations: 10,
        scalingFactor: .one,
        maxDuration: .seconds(5),
        maxIterations: 20_000
    )

    var backends = Backend.allCases
    if (ProcessInfo.processInfo.environment[databaseURLVariable] ?? "").isEmpty {
        backends.removeAll { $0 == .postgres }
        FileHandle.standardError.write(Data(
            "ClawStorageBenchmarks: \(databaseURLVariable) is not set; the Storage.*.postgres benchmarks are not registered\n".utf8))
    }

    for backend in backends {
        let context: JSONValue = .object(["i": .int(1), "backend": .string(backend.rawValue)])

        let append = Fixture(backend)
        Benchmark("Storage.auditAppend.\(backend.rawValue)", closure: { benchmark in
            let log = append.log!
            for _ in benchmark.scaledIterations {
                blackHole(try await log.record(event: "policy.decision", outcome: "deny", reason: "bench", context: context))
            }
        }, setup: { try await append.open() }, teardown: { try await append.close() })

        // 100 appends per iteration (figures per 100 appends): exactly one checkpoint among them, wherever the
        // chain's count starts.
        let batched = Fixture(backend, checkpointInterval: 100)
        Benchmark(
            "Storage.auditAppend100.\(backend.rawValue)",
            configuration: .init(warmupIterations: 1, maxDuration: .seconds(5), maxIterations: 1_000),
            closure: { benchmark in
                let log = batched.log!
                for _ in benchmark.scaledIterations {
                    for _ in 0..<100 {
                        blackHole(try await log.record(event: "policy.decision", outcome: "deny", reason: "bench", context: context))
                    }
                }
            }, setup: { try await batched.open() }, teardown: { try await batched.close() })

        let read = Fixture(backend)
        Benchmark("Storage.policyRead.\(backend.rawValue)", closure: { benchmark in
            let policies = read.database!.policies
            for _ in benchmark.scaledIterations {
                blackHole(try await policies.rules())
            }
        }, setup: {
            try await read.open()
            try await read.savePolicies()
        }, teardown: { try await read.close() })
    }
}
