import Synchronization

/// Counts the messages a gateway is handling at once, in two pools of the same size.
///
/// Commands can wait a long time: a `/run` or `/shell` that needs approval waits for a code (up to the
/// challenge's 120 s). Approval answers (a bare code, `/approve`, `/deny`) never wait for anything, so they
/// have a pool of their own: however many commands are waiting for approval, the message that carries
/// the code still gets through.
final class HandlerSlots: Sendable {
    /// The pool a message was admitted to; give it back with ``release(_:)``.
    enum Pool: Sendable {
        case commands
        case answers
    }

    /// The size of each pool.
    let limit: Int
    private let counts = Mutex((commands: 0, answers: 0))

    /// Creates the pools.
    /// - Parameter limit: The size of each pool; at least 1.
    init(limit: Int) {
        self.limit = max(limit, 1)
    }

    /// Takes a slot for a message.
    /// - Parameter text: The message as typed.
    /// - Returns: The pool, or `nil` when the message's pool is full.
    func admit(_ text: String) -> Pool? {
        let pool: Pool = ChatCommand(parsing: text).answersApproval ? .answers : .commands
        let limit = self.limit
        return counts.withLock { counts -> Pool? in
            switch pool {
            case .commands:
                guard counts.commands < limit else { return nil }
                counts.commands += 1
            case .answers:
                guard counts.answers < limit else { return nil }
                counts.answers += 1
            }
            return pool
        }
    }

    /// Gives a slot back.
    func release(_ pool: Pool) {
        counts.withLock { counts in
            switch pool {
            case .commands: counts.commands -= 1
            case .answers: counts.answers -= 1
            }
        }
    }
}
