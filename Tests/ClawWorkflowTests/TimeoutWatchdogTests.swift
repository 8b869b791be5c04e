import Testing
@testable import ClawWorkflow

@Suite("Timeout watchdog")
struct TimeoutWatchdogTests {
    @Test("A wait expires at its deadline; a cancelled wait leaves nothing behind")
    func expiresAndCancels() async throws {
        let watchdog = TimeoutWatchdog(resolution: .milliseconds(1))
        #expect(await watchdog.expired(after: .milliseconds(5)))
        // Many waits cancelled long before their deadline: each returns false at once.
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<1000 {
                let task = Task { await watchdog.expired(after: .seconds(3600)) }
                group.addTask { task.cancel(); return await task.value }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == 1000 && results.allSatisfy { !$0 })
        #expect(watchdog.pendingCount == 0)
    }
}
