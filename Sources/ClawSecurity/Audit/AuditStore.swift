import Foundation
import Synchronization

/// Where the audit log keeps its entries, its last checkpoint and its pruning anchor.
///
/// Implementations must make `append` durable before returning. ClawSecurity ships an in-memory store
/// and a file store (JSON lines); ClawStorage adds database stores, which several processes may share:
/// those refuse an entry whose sequence number is already taken with
/// ``ClawSecurityError/Code/auditConflict``, and the log then links its entry to the new tail.
public protocol AuditStore: Sendable {
    /// Appends one entry durably.
    /// - Throws: ``ClawSecurityError/Code/auditConflict`` when another writer already stored that sequence
    ///   number; ``ClawSecurityError/Code/auditStorage`` when the store cannot be written.
    func append(_ entry: AuditEntry) async throws(ClawSecurityError)
    /// Returns every entry, oldest first.
    func entries() async throws(ClawSecurityError) -> [AuditEntry]
    /// The newest entry, if any.
    func lastEntry() async throws(ClawSecurityError) -> AuditEntry?
    /// Removes the pruned head: every entry older than the anchor's sequence, which is recorded first.
    /// `entries` are the ones kept; a store may ignore them and delete by sequence instead.
    func replace(with entries: [AuditEntry], anchor: AuditAnchor) async throws(ClawSecurityError)
    /// The anchor left by the last pruning, if any.
    func anchor() async throws(ClawSecurityError) -> AuditAnchor?
    /// Saves a checkpoint durably.
    func saveCheckpoint(_ checkpoint: AuditCheckpoint) async throws(ClawSecurityError)
    /// The last checkpoint, if any.
    func checkpoint() async throws(ClawSecurityError) -> AuditCheckpoint?
}

/// A store that can write an entry and the checkpoint that marks it in one transaction (one commit instead
/// of two); ``AuditLog`` uses it when the store offers it.
public protocol TransactionalAuditStore: AuditStore {
    /// Appends one entry and, when given, its checkpoint, atomically.
    func append(_ entry: AuditEntry, checkpoint: AuditCheckpoint?) async throws(ClawSecurityError)
}

extension AuditStore {
    /// The newest entry, read through ``entries()``; stores that can do better override it.
    public func lastEntry() async throws(ClawSecurityError) -> AuditEntry? { try await entries().last }
}

/// An audit store in memory, for tests and short-lived processes.
public final class InMemoryAuditStore: AuditStore {
    struct State {
        var entries: [AuditEntry] = []
        var anchor: AuditAnchor?
        var checkpoint: AuditCheckpoint?
    }

    private let state = Mutex(State())

    /// Creates an empty store.
    public init() {}

    /// Appends an entry.
    public func append(_ entry: AuditEntry) throws(ClawSecurityError) { state.withLock { $0.entries.append(entry) } }
    /// Every entry.
    public func entries() throws(ClawSecurityError) -> [AuditEntry] { state.withLock { $0.entries } }
    /// Replaces the entries and records the anchor.
    public func replace(with entries: [AuditEntry], anchor: AuditAnchor) throws(ClawSecurityError) {
        state.withLock {
            $0.entries = entries
            $0.anchor = anchor
        }
    }
    /// The anchor.
    public func anchor() throws(ClawSecurityError) -> AuditAnchor? { state.withLock { $0.anchor } }
    /// Saves a checkpoint.
    public func saveCheckpoint(_ checkpoint: AuditCheckpoint) throws(ClawSecurityError) {
        state.withLock { $0.checkpoint = checkpoint }
    }
    /// The checkpoint.
    public func checkpoint() throws(ClawSecurityError) -> AuditCheckpoint? { state.withLock { $0.checkpoint } }

    /// Overwrites the raw entries, bypassing the log: for tamper tests.
    package func overwrite(_ entries: [AuditEntry]) { state.withLock { $0.entries = entries } }
}

/// An audit store in a file of JSON lines, one entry per line, each appended with `fsync`.
///
/// The checkpoint and the anchor live beside it in `<file>.checkpoint` and `<file>.anchor`, replaced
/// atomically (write, `fsync`, rename).
public final class FileAuditStore: AuditStore {
    /// The log file.
    public let url: URL
    private let lock = Mutex(())

    /// Opens (or will create) a log file.
    /// - Parameter url: The file; its folder must exist.
    public init(url: URL) { self.url = url }

    var checkpointURL: URL { URL(fileURLWithPath: url.path + ".checkpoint") }
    var anchorURL: URL { URL(fileURLWithPath: url.path + ".anchor") }

    /// Appends one line and syncs it to disk.
    public func append(_ entry: AuditEntry) throws(ClawSecurityError) {
        let line = Array((entry.jsonLine + "\n").utf8)
        let result: Result<Void, ClawSecurityError> = lock.withLock { _ in
            let fd = open(url.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { return .failure(Self.storageError("cannot open", url)) }
            defer { close(fd) }
            var offset = 0
            while offset < line.count {
                let n = line[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    return .failure(Self.storageError("cannot write", url))
                }
                offset += n
            }
            guard fsync(fd) == 0 else { return .failure(Self.storageError("cannot sync", url)) }
            return .success(())
        }
        try result.get()
    }

    /// Reads every line.
    /// - Throws: ``ClawSecurityError/Code/auditTampered`` naming the first malformed line.
    public func entries() throws(ClawSecurityError) -> [AuditEntry] {
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        guard let data = try? Data(contentsOf: url) else { throw Self.storageError("cannot read", url) }
        var entries = [AuditEntry]()
        for (index, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty { continue }
            do {
                entries.append(try AuditEntry(jsonLine: String(decoding: line, as: UTF8.self)))
            } catch {
                throw ClawSecurityError(.auditTampered, "line \(index + 1): \(error.reason)")
            }
        }
        return entries
    }

    /// Rewrites the file with the kept entries, then records the anchor.
    public func replace(with entries: [AuditEntry], anchor: AuditAnchor) throws(ClawSecurityError) {
        try writeAtomically(anchor.jsonLine + "\n", to: anchorURL)
        try writeAtomically(entries.map { $0.jsonLine + "\n" }.joined(), to: url)
    }

    /// Reads the anchor file.
    public func anchor() throws(ClawSecurityError) -> AuditAnchor? { try readMarker(anchorURL) }

    /// Replaces the checkpoint file.
    public func saveCheckpoint(_ checkpoint: AuditCheckpoint) throws(ClawSecurityError) {
        try writeAtomically(checkpoint.jsonLine + "\n", to: checkpointURL)
    }

    /// Reads the checkpoint file.
    public func checkpoint() throws(ClawSecurityError) -> AuditCheckpoint? { try readMarker(checkpointURL) }

    private func readMarker(_ url: URL) throws(ClawSecurityError) -> AuditCheckpoint? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw Self.storageError("cannot read", url) }
        return try AuditCheckpoint(jsonLine: text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private func writeAtomically(_ text: String, to target: URL) throws(ClawSecurityError) {
        let temporary = URL(fileURLWithPath: target.path + ".tmp")
        let bytes = Array(text.utf8)
        let result: Result<Void, ClawSecurityError> = lock.withLock { _ in
            let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard fd >= 0 else { return .failure(Self.storageError("cannot create", temporary)) }
            var offset = 0
            while offset < bytes.count {
                let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    close(fd)
                    return .failure(Self.storageError("cannot write", temporary))
                }
                offset += n
            }
            guard fsync(fd) == 0, close(fd) == 0, rename(temporary.path, target.path) == 0 else {
                return .failure(Self.storageError("cannot replace", target))
            }
            return .success(())
        }
        try result.get()
    }

    static func storageError(_ what: String, _ url: URL) -> ClawSecurityError {
        ClawSecurityError(.auditStorage, "\(what) \(url.lastPathComponent) (errno \(errno))")
    }
}
