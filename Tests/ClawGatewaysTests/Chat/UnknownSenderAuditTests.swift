@testable import ClawGateways
import Foundation
import Logging
import Synchronization
import Testing

@Suite("Unknown-sender audit")
struct UnknownSenderAuditTests {
    static func context(_ sender: Int) -> [String: JSONValue] {
        ["channel": "telegram", "chat_id": "1", "sender_id": .string(String(sender))]
    }

    @Test("One entry per sender a window, wherever they write from; the count of the rest goes in the next")
    func window() async throws {
        let (audit, store) = memoryAudit()
        let now = Mutex(Date(timeIntervalSince1970: 1_000))
        let strangers = UnknownSenderAudit(
            audit: audit, clock: WallClock { now.withLock { $0 } }, logger: Logger(label: "test"), window: 60)
        for _ in 0..<3 { await strangers.record(context: Self.context(7), reason: "r") }
        await strangers.record(context: ["channel": "telegram", "chat_id": "2", "sender_id": "7"], reason: "r")
        now.withLock { $0 += 59 }
        await strangers.record(context: Self.context(7), reason: "r")
        #expect(try store.entries().count == 1)
        now.withLock { $0 += 1 }
        await strangers.record(context: Self.context(7), reason: "r")
        // A clock that went back is not a reason to stay silent.
        now.withLock { $0 -= 3_600 }
        await strangers.record(context: Self.context(7), reason: "r")
        let entries = try store.entries()
        #expect(entries.map { $0.context["suppressed"]?.intValue } == [nil, 4, nil])
        // Another channel's sender with the same id is another sender.
        await strangers.record(context: ["channel": "discord", "chat_id": "1", "sender_id": "7"], reason: "r")
        #expect(try store.entries().count == 4)
    }

    @Test("Counts of a sender who went quiet are written once the window passed, or by flush; none twice")
    func pendingCounts() async throws {
        let (audit, store) = memoryAudit()
        let now = Mutex(Date(timeIntervalSince1970: 1_000))
        let strangers = UnknownSenderAudit(
            audit: audit, clock: WallClock { now.withLock { $0 } }, logger: Logger(label: "test"), window: 60)
        for _ in 0..<3 { await strangers.record(context: Self.context(7), reason: "r") }
        now.withLock { $0 += 61 }
        await strangers.record(context: Self.context(8), reason: "r")  // 7 went quiet: its 2 are written now
        for _ in 0..<2 { await strangers.record(context: Self.context(8), reason: "r") }
        await strangers.flush()
        await strangers.flush()
        let entries = try store.entries()
        #expect(entries.map { $0.context["sender_id"]?.stringValue } == ["7", "7", "8", "8"])
        #expect(entries.map { $0.context["suppressed"]?.intValue } == [nil, 2, nil, 2])
        // After a flush the sender is still within its window: counted from zero.
        await strangers.record(context: Self.context(8), reason: "r")
        #expect(try store.entries().count == 4)
    }

    @Test("Past the senders it remembers, every new sender is still audited")
    func bound() async throws {
        let (audit, store) = memoryAudit()
        let strangers = UnknownSenderAudit(audit: audit, clock: .fixed(Date(timeIntervalSince1970: 1_000)), logger: Logger(label: "test"), maximumTracked: 4)
        for sender in 0..<10 { await strangers.record(context: Self.context(sender), reason: "r") }
        // The first four are remembered (and counted); the rest are audited every time.
        for sender in 0..<10 { await strangers.record(context: Self.context(sender), reason: "r") }
        let senders = try store.entries().map { $0.context["sender_id"]?.stringValue ?? "" }
        let expected: [String] = (0..<10).map { String($0) } + (4..<10).map { String($0) }
        #expect(senders == expected)
    }
}
