import Foundation
import Testing
import Synchronization
@testable import ClawStorage

@Suite("Storage contract: the audit chain")
struct AuditContractTests {
    static func log(_ database: ClawDatabase, clock: WallClock = .system, retention: TimeInterval = 30 * 86_400) -> AuditLog {
        AuditLog(store: database.audit, keyRing: TestDatabase.keyRing, configuration: .init(retention: retention), clock: clock)
    }

    @Test("Entries survive reopening, the chain verifies, and a new process continues it", arguments: Backend.allCases)
    func chain(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database, test in
            let log = Self.log(database)
            for i in 0..<20 { try await log.record(event: "policy.decision", outcome: "deny", reason: "r\(i)", context: .object(["i": .int(Int64(i))])) }
            #expect(try await log.verify().count == 20)
            let reopened = try await test.open()
            let next = Self.log(reopened)
            let entry = try await next.record(event: "later", outcome: nil, reason: "after restart", context: .null)
            #expect(entry.sequence == 21)
            let result = try await next.verify()
            #expect(result.count == 21 && result.lastSequence == 21)
            #expect(try await reopened.audit.checkpoint()?.sequence == 21)
            await reopened.close()
        }
    }

    @Test("The table is append-only: updates and deletes past the anchor are refused by the database", arguments: Backend.allCases)
    func appendOnly(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database, _ in
            let log = Self.log(database)
            for i in 0..<3 { try await log.record(event: "e", outcome: "deny", reason: "r\(i)", context: .null) }
            await #expect(throws: StorageError.self) { try await database.driver.execute("UPDATE claw_audit_entries SET line = 'x' WHERE sequence = 2") }
            await #expect(throws: StorageError.self) { try await database.driver.execute("DELETE FROM claw_audit_entries WHERE sequence = 3") }
            #expect(try await log.verify().count == 3)
        }
    }

    @Test("Tampering in the database is detected and named", arguments: Backend.allCases)
    func tampering(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database, _ in
            let log = Self.log(database)
            for i in 0..<5 { try await log.record(event: "e", outcome: "deny", reason: "r\(i)", context: .null) }
            // An attacker with database access drops the guard and edits an entry.
            let entries = try await database.audit.entries()
            let edited = entries[2].tampered(reason: "nothing happened")
            switch backend {
            case .sqlite: try await database.driver.execute("DROP TRIGGER claw_audit_no_update")
            case .postgres: try await database.driver.execute("ALTER TABLE claw_audit_entries DISABLE TRIGGER claw_audit_guard")
            }
            try await database.driver.execute("UPDATE claw_audit_entries SET line = ? WHERE sequence = 3", [.text(edited.jsonLine)])
            let error = await #expect(throws: ClawSecurityError.auditTampered) { try await log.verify() }
            #expect(error?.reason.contains("entry 3") == true)
        }
    }

    @Test("Pruning by age leaves an anchor; the rest verifies and the chain continues", arguments: Backend.allCases)
    func pruning(_ backend: Backend) async throws {
        let clock = TestClock()
        try await TestDatabase.with(backend, clock: clock.wallClock) { database, _ in
            let log = Self.log(database, clock: clock.wallClock, retention: 3600)
            for i in 0..<10 {
                try await log.record(event: "e", outcome: "deny", reason: "r\(i)", context: .null)
                clock.advance(600)
            }
            #expect(try await log.prune() == 4)
            #expect(try await log.verify().firstSequence == 5)
            try await log.record(event: "after", outcome: nil, reason: "x", context: .null)
            #expect(try await log.verify().lastSequence == 11)
        }
    }

    @Test("The pruning service prunes by itself on its schedule")
    func pruningService() async throws {
        let clock = TestClock()
        try await TestDatabase.with(.sqlite, clock: clock.wallClock) { database, _ in
            let log = Self.log(database, clock: clock.wallClock, retention: 3600)
            for i in 0..<3 { try await log.record(event: "e", outcome: "deny", reason: "r\(i)", context: .null) }
            let manual = ManualClock()
            let outcomes = Outcomes()
            let service = AuditPruningService(log: log, interval: .seconds(60), clock: manual) { outcomes.add($0) }
            let task = Task { try await service.run() }
            defer { task.cancel() }
            try await outcomes.wait(for: 1)
            #expect(outcomes.removed == [0])
            clock.advance(7200)
            for i in 0..<2 { try await log.record(event: "e", outcome: "deny", reason: "late \(i)", context: .null) }
            for _ in 0..<2000 where manual.sleeperCount == 0 { try await Task.sleep(for: .milliseconds(5)) }
            manual.advance(.seconds(60))
            try await outcomes.wait(for: 2)
            #expect(outcomes.removed == [0, 3])
            #expect(try await log.verify().count == 2)
        }
    }

    @Test("Several writers on several handles share one chain: nothing lost, nothing forked", arguments: Backend.allCases)
    func concurrentWriters(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database, test in
            var handles = [database]
            for _ in 0..<3 { handles.append(try await test.open()) }
            let writers = 4, perWriter = 25
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (w, handle) in handles.enumerated() {
                    let log = Self.log(handle)  // each handle is a separate "node" with its own cached tail
                    group.addTask {
                        for i in 0..<perWriter {
                            try await log.record(event: "e", outcome: "deny", reason: "w\(w) #\(i)", context: .null)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let result = try await Self.log(database).verify()
            #expect(result.count == writers * perWriter)
            let reasons = Set(try await database.audit.entries().map(\.reason))
            #expect(reasons.count == writers * perWriter)
            for handle in handles.dropFirst() { await handle.close() }
        }
    }
}

/// Collects pruning outcomes and waits for them without timing assumptions (bounded polling).
final class Outcomes: Sendable {
    private let results = Mutex<[Result<Int, ClawSecurityError>]>([])
    func add(_ result: Result<Int, ClawSecurityError>) { results.withLock { $0.append(result) } }
    var removed: [Int] { results.withLock { $0.compactMap { try? $0.get() } } }
    func wait(for count: Int) async throws {
        for _ in 0..<2000 {
            if results.withLock({ $0.count }) >= count { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        Issue.record("the service did not report \(count) prunes")
    }
}
