import Crypto
import Foundation
import Synchronization

/// A tamper-evident log of security decisions: every denial, and allows when configured.
///
/// Entries form an HMAC-SHA256 hash chain under the key ring's ``KeyPurpose/auditChain`` key; a signed
/// checkpoint marks the newest entry; pruning leaves a signed anchor. ``verify()`` detects an edited,
/// deleted, inserted or reordered entry, a tail cut off past the checkpoint, and a head deleted past the
/// anchor, and names the first bad entry. Entries carry the context without its token: no token or
/// secret ever reaches the log.
public final class AuditLog: Sendable {
    /// What is recorded and how often the tail is checkpointed.
    public struct Configuration: Sendable {
        /// Whether allowed decisions are recorded too; denials always are. Off by default.
        public var recordsAllows: Bool
        /// A checkpoint is written every this many entries; 1 (every entry) by default.
        public var checkpointInterval: Int
        /// How long entries are kept by ``prune()``; 30 days by default.
        public var retention: TimeInterval

        /// Creates a configuration.
        public init(recordsAllows: Bool = false, checkpointInterval: Int = 1, retention: TimeInterval = 30 * 86_400) {
            self.recordsAllows = recordsAllows
            self.checkpointInterval = max(1, checkpointInterval)
            self.retention = retention
        }
    }

    /// The result of a successful ``verify()``.
    public struct Verification: Sendable, Hashable {
        /// How many entries verified.
        public let count: Int
        /// The first entry's sequence number, if any.
        public let firstSequence: UInt64?
        /// The last entry's sequence number, if any.
        public let lastSequence: UInt64?
    }

    struct Tail {
        var sequence: UInt64
        var mac: [UInt8]
        var sinceCheckpoint: Int
    }

    private let store: any AuditStore
    private let keys: [String: SymmetricKey]
    private let currentKeyID: String
    private let clock: WallClock
    private let tail: Mutex<Tail?>
    private let writer = AsyncLock()
    /// How many times an append that lost a race with another writer is linked again to the new tail.
    static let maximumConflictRetries = 100
    /// What is recorded.
    public let configuration: Configuration

    /// Creates a log over a store, keyed from a key ring (previous secrets still verify old entries).
    /// - Parameters:
    ///   - store: Where entries go.
    ///   - keyRing: The secrets.
    ///   - configuration: What is recorded.
    ///   - clock: The time source for entries and pruning.
    public convenience init(store: any AuditStore, keyRing: KeyRing, configuration: Configuration = .init(), clock: WallClock = .system) {
        var keys = [String: SymmetricKey]()
        for (id, key) in keyRing.keys(for: .auditChain) { keys[id.rawValue] = key }
        self.init(store: store, keys: keys, currentKeyID: keyRing.currentKeyID.rawValue, configuration: configuration, clock: clock)
    }

    /// Creates a log keyed with one explicit key (such as `claw audit verify --key-hex`).
    public convenience init(store: any AuditStore, key: SymmetricKey, keyID: String = "raw", configuration: Configuration = .init(), clock: WallClock = .system) {
        self.init(store: store, keys: [keyID: key], currentKeyID: keyID, configuration: configuration, clock: clock)
    }

    init(store: any AuditStore, keys: [String: SymmetricKey], currentKeyID: String, configuration: Configuration, clock: WallClock) {
        self.store = store
        self.keys = keys
        self.currentKeyID = currentKeyID
        self.configuration = configuration
        self.clock = clock
        self.tail = Mutex(nil)
    }

    /// Records a policy decision: always when denied, when allowed only if configured.
    /// - Returns: The entry written, or `nil` when nothing was recorded.
    @discardableResult
    public func record(_ decision: Decision, context: AuthContext) async throws(ClawSecurityError) -> AuditEntry? {
        guard !decision.isAllowed || configuration.recordsAllows else { return nil }
        return try await record(
            event: "policy.decision", outcome: decision.isAllowed ? "allow" : "deny", reason: decision.reason,
            ruleID: decision.ruleID, context: context.auditJSON)
    }

    /// Records an event.
    /// - Parameters:
    ///   - event: What happened, such as `token.denied`.
    ///   - outcome: `allow`, `deny` or `nil`.
    ///   - reason: Why; must hold no secret.
    ///   - ruleID: The deciding rule, if any.
    ///   - context: The context as JSON; must hold no token or secret.
    /// - Returns: The entry written.
    @discardableResult
    public func record(
        event: String, outcome: String?, reason: String, ruleID: String? = nil, context: JSONValue
    ) async throws(ClawSecurityError) -> AuditEntry {
        let key = keys[currentKeyID]!
        return try await writer.withLock { () async throws(ClawSecurityError) -> AuditEntry in
            var attempt = 0
            while true {
                do throws(ClawSecurityError) {
                    var state = try await currentTail()
                    let unsigned = AuditEntry(
                        sequence: state.sequence + 1, timestamp: clock.now(), event: event, outcome: outcome, reason: reason,
                        ruleID: ruleID, context: context, keyID: currentKeyID, previousMAC: state.mac, mac: [])
                    let mac = AuditEntry.computeMAC(key: key, previousMAC: state.mac, body: unsigned.body())
                    let entry = unsigned.tampered(mac: mac)
                    let due = state.sinceCheckpoint + 1 >= configuration.checkpointInterval
                    let checkpoint = due ? marker(label: "checkpoint", sequence: entry.sequence, mac: mac) : nil
                    if let transactional = store as? any TransactionalAuditStore {
                        try await transactional.append(entry, checkpoint: checkpoint)
                    } else {
                        try await store.append(entry)
                        if let checkpoint { try await store.saveCheckpoint(checkpoint) }
                    }
                    state.sequence = entry.sequence
                    state.mac = mac
                    state.sinceCheckpoint = due ? 0 : state.sinceCheckpoint + 1
                    tail.withLock { $0 = state }
                    return entry
                } catch {
                    // Reload the tail next time: the store may hold more than we know.
                    tail.withLock { $0 = nil }
                    attempt += 1
                    if error.code != .auditConflict || attempt > Self.maximumConflictRetries { throw error }
                    // Back off a random moment, growing with the attempts, so racing writers stop colliding.
                    try? await Task.sleep(for: .microseconds(Int.random(in: 0...(200 * min(attempt, 20)))))
                }
            }
        }
    }

    private func currentTail() async throws(ClawSecurityError) -> Tail {
        if let known = tail.withLock({ $0 }) { return known }
        let loaded = try await loadTail()
        tail.withLock { $0 = loaded }
        return loaded
    }

    private func loadTail() async throws(ClawSecurityError) -> Tail {
        if let last = try await store.lastEntry() { return Tail(sequence: last.sequence, mac: last.mac, sinceCheckpoint: 0) }
        if let anchor = try await store.anchor() { return Tail(sequence: anchor.sequence - 1, mac: anchor.entryMAC, sinceCheckpoint: 0) }
        return Tail(sequence: 0, mac: AuditEntry.genesis, sinceCheckpoint: 0)
    }

    private func marker(label: String, sequence: UInt64, mac: [UInt8]) -> AuditCheckpoint {
        AuditCheckpoint(
            sequence: sequence, entryMAC: mac, keyID: currentKeyID,
            mac: AuditCheckpoint.computeMAC(key: keys[currentKeyID]!, label: label, sequence: sequence, entryMAC: mac))
    }

    private func checkMarker(_ marker: AuditCheckpoint, label: String) -> Bool {
        guard let key = keys[marker.keyID] else { return false }
        let expected = AuditCheckpoint.computeMAC(key: key, label: label, sequence: marker.sequence, entryMAC: marker.entryMAC)
        return ConstantTime.equalFixedSize(expected, marker.mac)
    }

    /// Writes a checkpoint for the newest entry now.
    public func checkpoint() async throws(ClawSecurityError) {
        try await writer.withLock { () async throws(ClawSecurityError) in
            tail.withLock { $0 = nil }
            let state = try await currentTail()
            guard state.sequence > 0 else { return }
            try await store.saveCheckpoint(marker(label: "checkpoint", sequence: state.sequence, mac: state.mac))
            tail.withLock { $0?.sinceCheckpoint = 0 }
        }
    }

    /// Verifies the whole log.
    /// - Returns: What verified.
    /// - Throws: ``ClawSecurityError/Code/auditTampered`` naming the first bad entry, or
    ///   ``ClawSecurityError/Code/auditStorage`` when the store cannot be read.
    @discardableResult
    public func verify() async throws(ClawSecurityError) -> Verification {
        func tampered(_ what: String) -> ClawSecurityError { ClawSecurityError(.auditTampered, what) }
        let entries = try await store.entries()
        var expectedSequence: UInt64 = 1
        var previous = AuditEntry.genesis
        if let anchor = try await store.anchor() {
            guard checkMarker(anchor, label: "anchor") else { throw tampered("the pruning anchor's signature does not verify") }
            expectedSequence = anchor.sequence
            previous = anchor.entryMAC
        }
        for (index, entry) in entries.enumerated() {
            let name = "entry \(index + 1) (seq \(entry.sequence))"
            guard entry.sequence == expectedSequence else {
                throw tampered("\(name): expected seq \(expectedSequence); an entry was deleted, inserted or moved")
            }
            guard entry.previousMAC == previous else { throw tampered("\(name): it does not follow the entry before it") }
            guard let key = keys[entry.keyID] else { throw tampered("\(name): signed with unknown key id \(entry.keyID)") }
            let mac = AuditEntry.computeMAC(key: key, previousMAC: entry.previousMAC, body: entry.body())
            guard ConstantTime.equalFixedSize(mac, entry.mac) else { throw tampered("\(name): its contents were altered") }
            previous = entry.mac
            expectedSequence += 1
        }
        if let checkpoint = try await store.checkpoint() {
            guard checkMarker(checkpoint, label: "checkpoint") else { throw tampered("the checkpoint's signature does not verify") }
            let last = expectedSequence - 1
            guard checkpoint.sequence <= last else {
                throw tampered("the log ends at seq \(last) but was checkpointed at seq \(checkpoint.sequence): its tail was cut off")
            }
            if let entry = entries.first(where: { $0.sequence == checkpoint.sequence }) {
                guard entry.mac == checkpoint.entryMAC else { throw tampered("seq \(checkpoint.sequence) differs from its checkpoint") }
            }
        }
        return Verification(count: entries.count, firstSequence: entries.first?.sequence, lastSequence: entries.last?.sequence)
    }

    /// Removes entries older than the retention period from the head, leaving a signed anchor so the rest
    /// still verifies. Verify first: pruning a tampered log is refused.
    /// - Returns: How many entries were removed.
    @discardableResult
    public func prune() async throws(ClawSecurityError) -> Int {
        try await verify()
        let cutoff = clock.now().addingTimeInterval(-configuration.retention)
        return try await writer.withLock { () async throws(ClawSecurityError) -> Int in
            let entries = try await store.entries()
            let removed = entries.prefix { $0.timestamp < cutoff }
            guard let lastRemoved = removed.last else { return 0 }
            let anchor = marker(label: "anchor", sequence: lastRemoved.sequence + 1, mac: lastRemoved.mac)
            tail.withLock { $0 = nil }
            try await store.replace(with: Array(entries.dropFirst(removed.count)), anchor: anchor)
            return removed.count
        }
    }
}
