import Foundation
import Synchronization

/// `POST /webhooks/github`: GitHub deliveries, authenticated, replay-checked, sanitized, and turned into
/// workflow runs.
///
/// A delivery is refused with 401 when no secret is configured, or when `X-Hub-Signature-256` is missing
/// or does not match the raw body (constant-time); with 409 when its `X-GitHub-Delivery` id was seen in
/// the replay window (ids are remembered only after the signature verified, so a forger cannot poison
/// the memory). `ping` is answered. Events bound to workflows start them in the background with the
/// payload, passed through the sanitizer's JSON path, as input, and the answer (202) names the runs.
/// Every delivery is audited, accepted or refused.
public final class GitHubWebhooks: Sendable {
    /// What the endpoint accepts.
    public struct Configuration: Sendable {
        /// The shared secret; `nil` refuses every delivery.
        public var secret: String?
        /// Event name (`push`, `pull_request`, `issues`, `release`, ...) → workflow names.
        public var bindings: [String: [String]]
        /// How long delivery ids are remembered; 24 hours.
        public var replayWindow: TimeInterval
        /// The most ids remembered; 10,000 (the oldest are forgotten first).
        public var maximumRememberedDeliveries: Int

        /// Creates a configuration.
        public init(secret: String?, bindings: [String: [String]] = [:], replayWindow: TimeInterval = 86_400, maximumRememberedDeliveries: Int = 10_000) {
            self.secret = secret
            self.bindings = bindings
            self.replayWindow = replayWindow
            self.maximumRememberedDeliveries = max(1, maximumRememberedDeliveries)
        }
    }

    struct Seen {
        var order: [(id: String, at: Date)] = []
        var ids: Set<String> = []
    }

    let configuration: Configuration
    let signature: WebhookSignature
    let executor: WorkflowExecutor
    let database: ClawDatabase
    let sanitizer: ContentSanitizer
    let audit: AuditLog
    let clock: WallClock
    private let seen = Mutex(Seen())

    /// Creates the endpoint.
    public init(
        configuration: Configuration, executor: WorkflowExecutor, database: ClawDatabase, audit: AuditLog,
        sanitizer: ContentSanitizer = ContentSanitizer(), clock: WallClock = .system
    ) {
        self.configuration = configuration
        self.signature = WebhookSignature(secret: configuration.secret)
        self.executor = executor
        self.database = database
        self.sanitizer = sanitizer
        self.audit = audit
        self.clock = clock
    }

    /// Handles one delivery.
    /// - Parameters:
    ///   - headers: Lower-cased header names.
    ///   - body: The raw body, exactly as received.
    /// - Returns: The reply and the started runs' ids (for tests and logs).
    public func handle(headers: [String: String], body: [UInt8]) async -> (reply: MCPReply, runs: [Task<RunRecord?, Never>]) {
        let event = headers["x-github-event"] ?? ""
        let delivery = headers["x-github-delivery"] ?? ""
        let context: JSONValue = ["event": .string(String(event.prefix(64))), "delivery": .string(String(delivery.prefix(64)))]
        func refuse(_ status: Int, _ reason: String) async -> (reply: MCPReply, runs: [Task<RunRecord?, Never>]) {
            _ = try? await audit.record(event: "webhook.github", outcome: "deny", reason: reason, context: context)
            return (Self.reply(status, ["error": .string(reason)]), [])
        }
        do {
            try signature.verify(body: body, header: headers["x-hub-signature-256"])
        } catch {
            return await refuse(401, error.code == .missingWebhookSecret ? "no webhook secret is configured" : "the signature is missing or wrong")
        }
        guard !delivery.isEmpty, delivery.utf8.count <= 128 else { return await refuse(400, "the X-GitHub-Delivery header is missing") }
        guard remember(delivery) else { return await refuse(409, "this delivery was already received") }
        guard !event.isEmpty, event.utf8.count <= 64 else { return await refuse(400, "the X-GitHub-Event header is missing") }
        if event == "ping" {
            _ = try? await audit.record(event: "webhook.github", outcome: "allow", reason: "ping", context: context)
            return (Self.reply(200, ["pong": true]), [])
        }
        let payload: JSONValue
        do {
            payload = try JSONValue(parsing: body, limits: .init(maximumBytes: max(body.count, 1), maximumDepth: 64))
        } catch {
            return await refuse(400, "the payload is not JSON")
        }
        let names = configuration.bindings[event] ?? []
        guard !names.isEmpty else {
            _ = try? await audit.record(event: "webhook.github", outcome: "allow", reason: "no workflow is bound to this event", context: context)
            return (Self.reply(202, ["runs": []]), [])
        }
        // The payload is untrusted text from the internet (issue bodies, commit messages): sanitized first.
        let input: JSONValue = ["event": .string(event), "delivery": .string(delivery), "payload": sanitizer.sanitize(json: payload).value]
        do {
            try await audit.record(event: "webhook.github", outcome: "allow", reason: "starting \(names.joined(separator: ","))", context: context)
        } catch {
            return (Self.reply(503, ["error": "the audit log cannot be written"]), [])
        }
        var started = [String]()
        var tasks = [Task<RunRecord?, Never>]()
        for name in names {
            guard let workflow = try? await database.workflows.workflow(named: name), workflow.enabled else { continue }
            let runID = "gh-" + String(delivery.prefix(64)) + "-" + name
            started.append(runID)
            let executor = self.executor
            tasks.append(Task { try? await executor.run(workflow, input: input, trigger: Trigger(callerType: .workflow, identity: "github"), runID: runID) })
        }
        return (Self.reply(202, ["runs": .array(started.map { .string($0) })]), tasks)
    }

    /// Remembers a delivery id; `false` when it was already seen within the window.
    func remember(_ id: String) -> Bool {
        let now = clock.now()
        let window = configuration.replayWindow
        let limit = configuration.maximumRememberedDeliveries
        return seen.withLock { seen in
            while let first = seen.order.first, now.timeIntervalSince(first.at) > window || seen.order.count >= limit {
                seen.ids.remove(first.id)
                seen.order.removeFirst()
            }
            guard seen.ids.insert(id).inserted else { return false }
            seen.order.append((id, now))
            return true
        }
    }

    static func reply(_ status: Int, _ body: JSONValue) -> MCPReply {
        var bytes = [UInt8]()
        body.write(into: &bytes)
        return MCPReply(status: status, headers: ["Content-Type": "application/json"], body: bytes)
    }
}
