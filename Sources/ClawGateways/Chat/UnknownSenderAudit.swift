import Foundation
import Logging
import Synchronization

/// Audits messages from chats, guilds or senders a gateway is not configured for (`gateway.unknown_sender`,
/// outcome `deny`, the ids but never the text), at most one entry per sender and place per window.
///
/// Anyone who finds a bot can message it; without a bound, a stranger could grow the audit chain by one
/// signed entry per message and bury what matters in it. Within ``window`` of an audited message, further
/// messages from the same sender in the same place are counted instead, and the next entry for them carries
/// that count as `suppressed`. At most ``maximumTracked`` senders are remembered; past that (many distinct
/// senders at once), every message is audited, so the bound never hides a new sender.
final class UnknownSenderAudit: Sendable {
    /// How long after an audited message the same sender's messages are only counted; 60 s.
    let window: TimeInterval
    /// How many senders are remembered at once; 1,024.
    let maximumTracked: Int
    private let audit: AuditLog
    private let clock: WallClock
    private let logger: Logger
    private let seen = Mutex([String: (audited: Date, suppressed: Int)]())

    init(audit: AuditLog, clock: WallClock, logger: Logger, window: TimeInterval = 60, maximumTracked: Int = 1024) {
        self.audit = audit
        self.clock = clock
        self.logger = logger
        self.window = window
        self.maximumTracked = maximumTracked
    }

    /// Audits a refused message, or counts it when its sender was audited within the window.
    /// - Parameters:
    ///   - context: The ids (`channel`, `chat_id`, `sender_id`, ...); their values, sorted, identify the sender.
    ///   - reason: Why it was refused.
    func record(context: [String: JSONValue], reason: String) async {
        let key = context.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.canonicalText)" }.joined(separator: "&")
        let now = clock.now()
        let window = self.window, maximumTracked = self.maximumTracked
        let suppressed: Int? = seen.withLock { seen in
            if let last = seen[key], now.timeIntervalSince(last.audited) < window, now >= last.audited {
                seen[key] = (last.audited, last.suppressed + 1)
                return nil
            }
            let count = seen[key]?.suppressed ?? 0
            if seen[key] == nil, seen.count >= maximumTracked {
                seen = seen.filter { now.timeIntervalSince($0.value.audited) < window }
            }
            if seen[key] != nil || seen.count < maximumTracked { seen[key] = (now, 0) }
            return count
        }
        guard let suppressed else { return }
        var context = context
        if suppressed > 0 { context["suppressed"] = .int(Int64(suppressed)) }
        do {
            try await audit.record(event: "gateway.unknown_sender", outcome: "deny", reason: reason, context: .object(context))
        } catch {
            logger.error("cannot audit a refused message", metadata: ["error": "\(error.code)"])
        }
    }
}
