import Foundation
import Logging
import Synchronization

/// Audits messages from chats, guilds or senders a gateway is not configured for (`gateway.unknown_sender`,
/// outcome `deny`, the ids but never the text), at most one entry per sender per window.
///
/// Anyone who finds a bot can message it; without a bound, a stranger could grow the audit chain by one
/// signed entry per message and bury what matters in it. Within ``window`` of an audited message, further
/// messages from the same sender (wherever they write from) are counted instead. The count is written as
/// `suppressed` in the sender's next entry, or in an entry of its own once the window has passed (checked
/// whenever a refused message arrives, and by ``flush()`` when the gateway stops), so no message goes
/// uncounted. At most ``maximumTracked`` senders are remembered; past that (many distinct senders at
/// once), every message is audited, so the bound never hides a sender.
final class UnknownSenderAudit: Sendable {
    /// How long after an audited message the same sender's messages are only counted; 60 s.
    let window: TimeInterval
    /// How many senders are remembered at once; 1,024.
    let maximumTracked: Int
    private let audit: AuditLog
    private let clock: WallClock
    private let logger: Logger

    struct Sender {
        var audited: Date
        var suppressed: Int
        /// The ids of the latest counted message, for an entry of its own.
        var context: [String: JSONValue]
        var reason: String
    }

    private let state = Mutex((senders: [String: Sender](), lastSweep: Date.distantPast))

    init(audit: AuditLog, clock: WallClock, logger: Logger, window: TimeInterval = 60, maximumTracked: Int = 1024) {
        self.audit = audit
        self.clock = clock
        self.logger = logger
        self.window = window
        self.maximumTracked = maximumTracked
    }

    /// Audits a refused message, or counts it when its sender was audited within the window.
    /// - Parameters:
    ///   - context: The ids: `channel` and `sender_id` identify the sender; the rest (`chat_id`, ...) say where.
    ///   - reason: Why it was refused.
    func record(context: [String: JSONValue], reason: String) async {
        let key = "\(context["channel"]?.stringValue ?? "")\u{0}\(context["sender_id"]?.stringValue ?? "")"
        let now = clock.now()
        let window = self.window, maximumTracked = self.maximumTracked
        let (audited, due): (Int?, [Sender]) = state.withLock { state in
            var due = [Sender]()
            if now.timeIntervalSince(state.lastSweep) >= window || state.senders.count >= maximumTracked {
                state.lastSweep = now
                for (name, sender) in state.senders where name != key && !Self.within(sender, now, window) {
                    if sender.suppressed > 0 { due.append(sender) }
                    state.senders[name] = nil
                }
            }
            if var sender = state.senders[key], Self.within(sender, now, window) {
                sender.suppressed += 1
                sender.context = context
                sender.reason = reason
                state.senders[key] = sender
                return (nil, due)
            }
            let suppressed = state.senders[key]?.suppressed ?? 0
            if state.senders[key] != nil || state.senders.count < maximumTracked {
                state.senders[key] = Sender(audited: now, suppressed: 0, context: context, reason: reason)
            }
            return (suppressed, due)
        }
        for sender in due { await write(sender.context, reason: sender.reason, suppressed: sender.suppressed) }
        if let audited { await write(context, reason: reason, suppressed: audited) }
    }

    /// Writes every count not yet in the audit log (when the gateway stops).
    func flush() async {
        let due: [Sender] = state.withLock { state in
            defer { state.senders = state.senders.mapValues { Sender(audited: $0.audited, suppressed: 0, context: $0.context, reason: $0.reason) } }
            return state.senders.values.filter { $0.suppressed > 0 }
        }
        for sender in due { await write(sender.context, reason: sender.reason, suppressed: sender.suppressed) }
    }

    static func within(_ sender: Sender, _ now: Date, _ window: TimeInterval) -> Bool {
        now.timeIntervalSince(sender.audited) < window && now >= sender.audited
    }

    private func write(_ context: [String: JSONValue], reason: String, suppressed: Int) async {
        var context = context
        if suppressed > 0 { context["suppressed"] = .int(Int64(suppressed)) }
        do {
            try await audit.record(event: "gateway.unknown_sender", outcome: "deny", reason: reason, context: .object(context))
        } catch {
            logger.error("cannot audit a refused message", metadata: ["error": "\(error.code)"])
        }
    }
}
