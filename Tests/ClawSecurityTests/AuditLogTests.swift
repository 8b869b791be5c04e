import ClawSecurity
import Crypto
import Foundation
import Testing

@testable import ClawSecurity

@Suite("Audit log")
struct AuditLogTests {
    static let ring = try! KeyRing(secretKeyBase: "audit-test-secret-key-base-0123456789abcdefghijkl")

    static func context(_ i: Int, token: CapabilityToken? = nil) -> AuthContext {
        AuthContext(caller: "skill-\(i)", callerType: .workflow, permission: "web_read", chainDepth: i % 3,
                    workflowRunID: "run-\(i)", timestamp: Date(timeIntervalSince1970: 1_800_000_000 + Double(i)), token: token)
    }

    static func filled(_ count: Int, store: InMemoryAuditStore = InMemoryAuditStore(), clock: ManualClock = ManualClock()) async throws -> AuditLog {
        let log = AuditLog(store: store, keyRing: ring, clock: clock.wallClock)
        for i in 0..<count {
            try await log.record(Decision(isAllowed: false, reason: "denied \(i)", ruleID: "r\(i)"), context: context(i))
            clock.advance(60)
        }
        return log
    }

    @Test("Denials are recorded, allows only when configured, and tokens never")
    func recording() async throws {
        let store = InMemoryAuditStore()
        let log = AuditLog(store: store, keyRing: Self.ring)
        let token = CapabilityToken.mint(keyRing: Self.ring, caveats: [.permissions(["web_read"])])
        #expect(try await log.record(Decision(isAllowed: true, reason: "ok", ruleID: nil), context: Self.context(1, token: token)) == nil)
        let entry = try #require(try await log.record(Decision(isAllowed: false, reason: "no", ruleID: "r"), context: Self.context(2, token: token)))
        #expect(entry.outcome == "deny")
        #expect(!entry.jsonLine.contains(token.serialized()))
        #expect(!entry.jsonLine.contains("token"))
        let verbose = AuditLog(store: InMemoryAuditStore(), keyRing: Self.ring, configuration: .init(recordsAllows: true))
        #expect(try await verbose.record(Decision(isAllowed: true, reason: "ok", ruleID: nil), context: Self.context(1)) != nil)
        #expect(try await log.verify().count == 1)
    }

    @Test("An intact log verifies; a log reopened later continues the chain")
    func intact() async throws {
        let store = InMemoryAuditStore()
        _ = try await Self.filled(5, store: store)
        let reopened = AuditLog(store: store, keyRing: Self.ring)
        try await reopened.record(event: "test", outcome: nil, reason: "later", context: .null)
        let result = try await reopened.verify()
        #expect(result.count == 6)
        #expect(result.firstSequence == 1 && result.lastSequence == 6)
    }

    @Test("Editing, deleting, inserting or reordering any entry is detected and named")
    func tampering() async throws {
        let store = InMemoryAuditStore()
        let log = try await Self.filled(6, store: store)
        let original = try await store.entries()
        func expectTampered(_ entries: [AuditEntry], mentions: String) async {
            store.overwrite(entries)
            do {
                try await log.verify()
                Issue.record("tampering not detected (\(mentions))")
            } catch {
                #expect(error.code == .auditTampered)
                #expect(error.reason.contains(mentions), "\(error.reason)")
            }
        }
        var edited = original
        edited[3] = edited[3].tampered(reason: "nothing to see")
        await expectTampered(edited, mentions: "entry 4")
        var deleted = original
        deleted.remove(at: 2)
        await expectTampered(deleted, mentions: "entry 3")
        var reordered = original
        reordered.swapAt(1, 2)
        await expectTampered(reordered, mentions: "entry 2")
        await expectTampered(Array(original.dropFirst()), mentions: "entry 1")
        // Truncating the tail past the checkpoint.
        await expectTampered(Array(original.dropLast(2)), mentions: "cut off")
        store.overwrite(original)
        try await log.verify()
    }

    @Test("A log signed under another key fails; previous secrets still verify after rotation")
    func keys() async throws {
        let store = InMemoryAuditStore()
        _ = try await Self.filled(3, store: store)
        let other = AuditLog(store: store, keyRing: try KeyRing(secretKeyBase: String(repeating: "q", count: 40)))
        await #expect(throws: ClawSecurityError.auditTampered) { try await other.verify() }
        let rotated = AuditLog(
            store: store,
            keyRing: try KeyRing(secretKeyBase: String(repeating: "q", count: 40), previous: ["audit-test-secret-key-base-0123456789abcdefghijkl"]))
        try await rotated.verify()
        try await rotated.record(event: "after-rotation", outcome: nil, reason: "new key", context: .null)
        try await rotated.verify()
    }

    @Test("Pruning by age keeps the remainder verifiable and deleting more of the head is detected")
    func pruning() async throws {
        let store = InMemoryAuditStore()
        let clock = ManualClock()
        let log = try await Self.filled(10, store: store, clock: clock)
        clock.advance(30 * 86_400 - 5 * 60)  // entries 1...5 are now older than 30 days
        #expect(try await log.prune() == 5)
        #expect(try await log.verify().firstSequence == 6)
        try await log.record(event: "after-prune", outcome: nil, reason: "x", context: .null)
        #expect(try await log.verify().lastSequence == 11)
        store.overwrite(Array(try await store.entries().dropFirst()))
        await #expect(throws: ClawSecurityError.auditTampered) { try await log.verify() }
    }

    @Test("The file store appends JSON lines, reopens, detects edits on disk, and names malformed lines")
    func fileStore() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("claw-audit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("audit.jsonl")
        let log = AuditLog(store: FileAuditStore(url: url), keyRing: Self.ring)
        for i in 0..<4 { try await log.record(Decision(isAllowed: false, reason: "denied \(i)", ruleID: nil), context: Self.context(i)) }
        let reopened = AuditLog(store: FileAuditStore(url: url), keyRing: Self.ring)
        #expect(try await reopened.verify().count == 4)
        var text = try String(contentsOf: url, encoding: .utf8)
        text = text.replacingOccurrences(of: "denied 2", with: "denied 9")
        try text.write(to: url, atomically: true, encoding: .utf8)
        await #expect(throws: ClawSecurityError.auditTampered) { try await reopened.verify() }
        try (text + "{not json\n").write(to: url, atomically: true, encoding: .utf8)
        let error = await #expect(throws: ClawSecurityError.auditTampered) { try await reopened.verify() }
        #expect(error?.reason.contains("line 5") == true)
    }

    @Test("Concurrent writers produce one unbroken chain")
    func concurrent() async throws {
        let store = InMemoryAuditStore()
        let log = AuditLog(store: store, keyRing: Self.ring)
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<64 {
                group.addTask { _ = try? await log.record(event: "e", outcome: "deny", reason: "\(i)", context: .null) }
            }
        }
        let result = try await log.verify()
        #expect(result.count == 64)
    }
}
