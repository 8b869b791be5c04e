import Synchronization

/// In-process change announcements, keyed by database and channel: every handle on the same SQLite file
/// in this process hears every other handle's changes.
final class ChangeBroadcaster: Sendable {
    static let shared = ChangeBroadcaster()

    private let listeners = Mutex([String: [Int: AsyncStream<Void>.Continuation]]())
    private let nextID = Atomic<Int>(0)

    /// Announces a change to every listener of `key`.
    func announce(_ key: String) {
        let targets = listeners.withLock { Array(($0[key] ?? [:]).values) }
        for continuation in targets { continuation.yield() }
    }

    /// A stream of announcements for `key`, ending when its consumer is cancelled.
    func stream(_ key: String) -> AsyncStream<Void> {
        let id = nextID.add(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        listeners.withLock { $0[key, default: [:]][id] = continuation }
        continuation.onTermination = { [weak self] _ in
            self?.listeners.withLock { $0[key]?[id] = nil }
        }
        return stream
    }
}
