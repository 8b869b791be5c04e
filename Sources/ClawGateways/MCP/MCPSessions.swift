import Foundation
import Synchronization

/// The MCP sessions a server holds: bounded in number and idle time, each bound to the token id that
/// opened it (another token cannot use it), each with at most one notification stream (the newest GET
/// wins; the previous stream ends) holding a bounded queue.
final class MCPSessions: Sendable {
    final class Session: Sendable {
        let id: String
        let tokenID: String
        let protocolVersion: String
        let lastSeen: Mutex<ContinuousClock.Instant>
        private let listener = Mutex<AsyncStream<JSONValue>.Continuation?>(nil)

        init(id: String, tokenID: String, protocolVersion: String, now: ContinuousClock.Instant) {
            self.id = id
            self.tokenID = tokenID
            self.protocolVersion = protocolVersion
            self.lastSeen = Mutex(now)
        }

        /// A new notification stream; the previous one, if any, ends (an AsyncStream has one consumer).
        func openStream() -> AsyncStream<JSONValue> {
            // Notifications nobody reads are dropped, oldest first: memory stays bounded.
            let (stream, continuation) = AsyncStream<JSONValue>.makeStream(bufferingPolicy: .bufferingNewest(32))
            let previous = listener.withLock { current in
                defer { current = continuation }
                return current
            }
            previous?.finish()
            return stream
        }

        /// Sends a notification to the open stream; dropped when none is open.
        func notify(_ message: JSONValue) { _ = listener.withLock { $0 }?.yield(message) }

        /// Ends the open stream.
        func finish() { listener.withLock { $0 }?.finish() }
    }

    private let sessions = Mutex([String: Session]())
    let maximumSessions: Int
    let idleTimeout: Duration

    init(maximumSessions: Int, idleTimeout: Duration) {
        self.maximumSessions = max(1, maximumSessions)
        self.idleTimeout = idleTimeout
    }

    var count: Int { sessions.withLock { $0.count } }

    /// Opens a session; when full, the longest-idle one is closed to make room, unless every session is
    /// fresh, in which case `nil` (the caller answers 503).
    func open(tokenID: String, protocolVersion: String) -> Session? {
        let now = ContinuousClock.now
        var generator = SystemRandomNumberGenerator()
        let id = Hex.encode((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let session = Session(id: id, tokenID: tokenID, protocolVersion: protocolVersion, now: now)
        let evicted: [Session]? = sessions.withLock { table in
            var evicted = [Session]()
            for (key, existing) in table where now - existing.lastSeen.withLock({ $0 }) > idleTimeout {
                evicted.append(existing)
                table[key] = nil
            }
            if table.count >= maximumSessions {
                guard let oldest = table.values.min(by: { $0.lastSeen.withLock { $0 } < $1.lastSeen.withLock { $0 } }),
                    now - oldest.lastSeen.withLock({ $0 }) > .seconds(60)
                else { return nil }
                evicted.append(oldest)
                table[oldest.id] = nil
            }
            table[id] = session
            return evicted
        }
        guard let evicted else { return nil }
        for old in evicted { old.finish() }
        return session
    }

    /// The session with this id, if it is open, belongs to this token and has not idled out.
    func session(_ id: String, tokenID: String) -> Session? {
        let now = ContinuousClock.now
        let found: Session? = sessions.withLock { table in
            guard let session = table[id] else { return nil }
            if now - session.lastSeen.withLock({ $0 }) > idleTimeout {
                table[id] = nil
                session.finish()
                return nil
            }
            return session
        }
        guard let found, ConstantTime.equals(found.tokenID, tokenID) else { return nil }
        found.lastSeen.withLock { $0 = now }
        return found
    }

    /// Closes a session.
    func close(_ id: String) {
        let removed = sessions.withLock { $0.removeValue(forKey: id) }
        removed?.finish()
    }

    /// Sends a notification to every session.
    func broadcast(_ message: JSONValue) {
        for session in sessions.withLock({ Array($0.values) }) { session.notify(message) }
    }

    /// Closes every session (graceful shutdown ends their streams).
    func closeAll() {
        let all = sessions.withLock { table -> [Session] in
            defer { table.removeAll() }
            return Array(table.values)
        }
        for session in all { session.finish() }
    }
}
