import Foundation
import Testing
@testable import ClawStorage

@Suite("Storage contract: many writers")
struct ConcurrencyContractTests {
    @Test("Rate-limit counters stay exact with many writers on several handles", arguments: Backend.allCases)
    func counters(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database, test in
            var handles = [database]
            for _ in 0..<3 { handles.append(try await test.open()) }
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            let tasksPerHandle = 4, incrementsPerTask = 50
            try await withThrowingTaskGroup(of: Void.self) { group in
                for handle in handles {
                    for _ in 0..<tasksPerHandle {
                        group.addTask {
                            for _ in 0..<incrementsPerTask {
                                try await handle.rateCounters.increment("rule:r1|caller:alice", window: 60, now: now)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let expected = handles.count * tasksPerHandle * incrementsPerTask
            #expect(try await database.rateCounters.count("rule:r1|caller:alice", window: 60, now: now) == expected)
            // A new window starts at zero; purging removes the old one.
            #expect(try await database.rateCounters.count("rule:r1|caller:alice", window: 60, now: now.addingTimeInterval(60)) == 0)
            #expect(try await database.rateCounters.purge(before: now.addingTimeInterval(60)) == 1)
            for handle in handles.dropFirst() { await handle.close() }
        }
    }

    @Test("admit lets exactly the limit through under contention", arguments: Backend.allCases)
    func admitExactly(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database, test in
            let other = try await test.open()
            let now = Date(timeIntervalSince1970: 1_800_000_030)
            let admitted = try await withThrowingTaskGroup(of: Int.self) { group in
                for handle in [database, other] {
                    for _ in 0..<4 {
                        group.addTask {
                            var count = 0
                            for _ in 0..<20 where try await handle.rateCounters.admit("login:bob", limit: 37, window: 3600, now: now) { count += 1 }
                            return count
                        }
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(admitted == 37)
            #expect(try await database.rateCounters.count("login:bob", window: 3600, now: now) == 37)
            await other.close()
        }
    }

    @Test("Concurrent setting writes: the last write wins, none is torn", arguments: Backend.allCases)
    func settingsUnderContention(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database, _ in
            let settings = database.settings(keyRing: TestDatabase.keyRing)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<16 {
                    group.addTask { try await settings.set("token-\(i)-" + String(repeating: "x", count: 200), for: .githubToken) }
                }
                try await group.waitForAll()
            }
            let audit = AuditLog(store: InMemoryAuditStore(), keyRing: TestDatabase.keyRing)
            let value = try #require(try await settings.reveal(.githubToken, purpose: "test", audit: audit))
            #expect(value.hasPrefix("token-") && value.hasSuffix(String(repeating: "x", count: 200)))
        }
    }
}
