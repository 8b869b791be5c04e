import Foundation
import Synchronization
import Testing
@testable import ClawStorage

@Suite("Refresh loop")
struct RefreshLoopTests {
    @Test("Refreshes never overlap, however announcements and the TTL coincide; requests during one are merged, none lost")
    func serial() async throws {
        let (changes, announce) = AsyncStream.makeStream(of: Void.self)
        let state = Mutex((active: 0, most: 0, count: 0))
        let task = Task {
            await RefreshLoop.run(changes: changes, ttl: .milliseconds(1)) {
                state.withLock {
                    $0.active += 1
                    $0.most = max($0.most, $0.active)
                }
                try? await Task.sleep(for: .milliseconds(5))
                state.withLock {
                    $0.active -= 1
                    $0.count += 1
                }
            }
        }
        for _ in 0..<50 {
            announce.yield()
            try await Task.sleep(for: .milliseconds(1))
        }
        // A change announced after the last refresh began is still read by a refresh that starts after it.
        let before = state.withLock { $0.count }
        announce.yield()
        for _ in 0..<2000 where state.withLock({ $0.count }) < before + 2 { try await Task.sleep(for: .milliseconds(1)) }
        task.cancel()
        await task.value
        let final = state.withLock { $0 }
        #expect(final.most == 1, "at most one refresh at a time")
        #expect(final.count >= before + 2 && final.active == 0)
    }
}
