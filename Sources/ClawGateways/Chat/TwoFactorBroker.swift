import Foundation
import Logging

/// The cross-channel 2FA gate: the workflow engine's ``ApprovalProvider``.
///
/// When a skill or workflow needs approval, the broker opens a challenge that names the action (its
/// subject, the digest of exactly what will run and an excerpt of the arguments), sends it to every
/// gateway that can deliver challenges, and waits. One valid TOTP code, from any gateway, approves it
/// once; the challenge is then closed everywhere. It expires after ``Configuration/lifetime``, and a few
/// wrong codes deny it. Codes are checked by the stored ``TwoFactorStore`` (a step is accepted once,
/// across restarts and nodes), so a code that approved one action cannot approve another.
///
/// Enrolment goes through the broker too: the secret is shown only on the console (or by
/// `claw totp setup`), never through a chat gateway, and disabling or re-enrolling needs a current code.
public actor TwoFactorBroker: ApprovalProvider {
    /// Limits.
    public struct Configuration: Sendable {
        /// The enrolled account; `owner` by default.
        public var account: String
        /// How long a challenge stays open; 120 s by default.
        public var lifetime: Duration
        /// Wrong codes a challenge tolerates before it is denied; 3 by default.
        public var maximumWrongAttempts: Int
        /// Challenges open at once; further approvals are refused. 16 by default.
        public var maximumOpenChallenges: Int
        /// The issuer shown in authenticator apps at enrolment.
        public var issuer: String

        /// Creates a configuration.
        public init(
            account: String = "owner", lifetime: Duration = .seconds(120), maximumWrongAttempts: Int = 3,
            maximumOpenChallenges: Int = 16, issuer: String = "Claw"
        ) {
            self.account = account
            self.lifetime = lifetime
            self.maximumWrongAttempts = max(1, maximumWrongAttempts)
            self.maximumOpenChallenges = max(1, maximumOpenChallenges)
            self.issuer = issuer
        }
    }

    /// Why an approval was refused.
    public struct Refusal: Error, Sendable, CustomStringConvertible {
        /// A short reason, such as `expired` or `too many wrong codes`.
        public let reason: String
        /// The reason.
        public var description: String { reason }
    }

    /// What became of a submitted code.
    public enum AnswerOutcome: Sendable, Hashable {
        /// The code approved the challenge with this id.
        case approved(String)
        /// The code was wrong, reused or outside the window; `remaining` tries are left.
        case wrong(remaining: Int)
        /// The challenge was denied (too many wrong codes, the account locked, or the store failed).
        case denied(String)
        /// No challenge is open (or none with that id).
        case noChallenge
        /// The code did not say which challenge (`/approve ID CODE`) while it was not clear: several are open,
        /// or another closed without approval within the lifetime, so a code typed for that one could
        /// otherwise approve this one. Carries the ids open now.
        case ambiguous([String])
    }

    /// An open challenge, as listed by ``openChallenges``.
    public struct ChallengeSummary: Sendable, Hashable {
        /// The short id people type in `/approve ID CODE`.
        public let id: String
        /// What it approves.
        public let subject: String
        /// The digest of what will run.
        public let digest: String
        /// When it closes.
        public let expiresAt: Date
    }

    struct Challenge {
        let summary: ChallengeSummary
        var wrongAttempts = 0
        let continuation: CheckedContinuation<Void, any Error>
        var expiry: Task<Void, Never>?
    }

    /// The limits in force.
    public let configuration: Configuration
    let store: TwoFactorStore
    let hub: GatewayHub
    let audit: AuditLog?
    let clock: WallClock
    let logger: Logger
    private var challenges: [String: Challenge] = [:]
    private var pendingEnrollment: TOTP?
    private var reserved: Set<String> = []
    /// When challenges closed without approval (expired, cancelled, denied), for the bare-code rule.
    private var unapprovedClosings: [Date] = []

    /// Creates a broker.
    /// - Parameters:
    ///   - store: Enrolment and replay state.
    ///   - hub: Where challenges go out.
    ///   - audit: Where approvals, denials and enrolment changes are recorded.
    ///   - configuration: Limits.
    ///   - clock: The time source.
    ///   - logger: Logs ids and outcomes, never codes or secrets.
    public init(
        store: TwoFactorStore, hub: GatewayHub, audit: AuditLog?, configuration: Configuration = .init(),
        clock: WallClock = .system, logger: Logger = Logger(label: "claw.2fa")
    ) {
        self.store = store
        self.hub = hub
        self.audit = audit
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
    }

    // MARK: Approvals

    /// Opens a challenge for the request, sends it to every gateway that can deliver it, and returns once
    /// a valid code approved it.
    /// - Throws: ``Refusal`` when 2FA is not enrolled, no gateway delivered the challenge, it expired,
    ///   saw too many wrong codes, or the task was cancelled.
    public func approve(_ request: ApprovalRequest) async throws {
        let enrolled: Bool
        do {
            enrolled = try await store.state(account: configuration.account) != nil
        } catch {
            throw Refusal(reason: "the 2FA state cannot be read")
        }
        guard enrolled else { throw Refusal(reason: "2FA is not enrolled (run `claw totp setup`, or /setup 2fa on the console)") }
        // The slot and the id are taken before the first suspension, so concurrent requests cannot pass the
        // limit or share an id.
        guard challenges.count + reserved.count < configuration.maximumOpenChallenges else {
            throw Refusal(reason: "too many approvals are waiting")
        }
        let id = Self.newID(taken: Set(challenges.keys).union(reserved))
        reserved.insert(id)
        defer { reserved.remove(id) }
        let seconds = Double(configuration.lifetime.components.seconds)
        let summary = ChallengeSummary(
            id: id, subject: request.subject, digest: request.digest, expiresAt: clock.now().addingTimeInterval(seconds))
        let text = Self.challengeText(summary, request: request, lifetime: Int(seconds))
        // No challenge goes out unless its opening is in the audit log.
        do {
            try await recordOrThrow("2fa.challenge", outcome: "open", reason: "opened", summary: summary, by: request.trigger.identity)
        } catch {
            throw Refusal(reason: "the audit log cannot be written")
        }
        var delivered = 0
        for gateway in hub.challengeGateways {
            do {
                try await gateway.send(text, to: nil)
                delivered += 1
            } catch {
                logger.warning("challenge not delivered", metadata: ["channel": "\(gateway.channel)", "error": "\(error.code)"])
            }
        }
        guard delivered > 0 else {
            await record("2fa.challenge", outcome: "deny", reason: "no gateway could deliver the challenge", summary: summary, by: request.trigger.identity)
            throw Refusal(reason: "no gateway can deliver a 2FA challenge")
        }
        let lifetime = configuration.lifetime
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                var challenge = Challenge(summary: summary, continuation: continuation)
                challenge.expiry = Task { [weak self] in
                    try? await Task.sleep(for: lifetime)
                    guard !Task.isCancelled else { return }
                    await self?.close(id, with: Refusal(reason: "the challenge expired"), event: "2fa.expired", by: "clock")
                }
                challenges[id] = challenge
                // From here the challenge itself holds the slot.
                reserved.remove(id)
            }
        } onCancel: {
            Task { await self.close(id, with: Refusal(reason: "cancelled"), event: "2fa.cancelled", by: "caller") }
        }
    }

    /// The challenges open now, oldest first.
    public var openChallenges: [ChallengeSummary] { challenges.values.map(\.summary).sorted { $0.expiresAt < $1.expiresAt } }

    /// Answers a challenge with a code from an authenticated sender on any gateway.
    /// - Parameters:
    ///   - code: The code as typed.
    ///   - challengeID: The challenge, or `nil` when only one is open.
    ///   - message: Where the code came from (for the audit log).
    /// - Returns: What happened; a wrong code counts against the challenge.
    public func answer(_ code: String, challengeID: String?, from message: InboundMessage) async -> AnswerOutcome {
        let id: String
        if let challengeID {
            guard challenges[challengeID] != nil else { return .noChallenge }
            id = challengeID
        } else {
            // A bare code approves the one open challenge only when no other was open within the lifetime:
            // otherwise a code typed for one that just expired (or was cancelled) would approve a newer one
            // the owner has not read.
            let now = clock.now()
            let lifetime = Double(configuration.lifetime.components.seconds)
            unapprovedClosings.removeAll { now.timeIntervalSince($0) >= lifetime }
            switch challenges.count {
            case 0: return .noChallenge
            case 1 where unapprovedClosings.isEmpty: id = challenges.keys.first!
            default: return .ambiguous(openChallenges.map(\.id))
            }
        }
        let outcome: TwoFactorOutcome
        do {
            outcome = try await store.verify(code, account: configuration.account)
        } catch {
            await close(id, with: Refusal(reason: "the 2FA state cannot be updated"), event: "2fa.denied", by: message.identity)
            return .denied("the 2FA state cannot be updated")
        }
        // The store call suspended: the challenge may have closed meanwhile. From here on, the stored
        // challenge is changed before any suspension, never through a copy written back later.
        guard challenges[id] != nil else { return .noChallenge }
        switch outcome {
        case .accepted:
            let challenge = challenges.removeValue(forKey: id)!
            challenge.expiry?.cancel()
            // The action runs only once its approval is in the audit log.
            do {
                try await recordOrThrow("2fa.approved", outcome: "allow", reason: "approved from \(message.channel)",
                                        summary: challenge.summary, by: message.identity)
            } catch {
                challenge.continuation.resume(throwing: Refusal(reason: "the approval could not be audited"))
                return .denied("the approval could not be audited")
            }
            challenge.continuation.resume()
            await announce("Approved [\(id)] \(challenge.summary.subject) from \(message.channel).", except: message.channel)
            return .approved(id)
        case .wrong, .replayed:
            challenges[id]!.wrongAttempts += 1
            let summary = challenges[id]!.summary
            let remaining = configuration.maximumWrongAttempts - challenges[id]!.wrongAttempts
            guard remaining > 0 else {
                await close(id, with: Refusal(reason: "too many wrong codes"), event: "2fa.denied", by: message.identity)
                return .denied("too many wrong codes")
            }
            await record("2fa.wrong_code", outcome: "deny", reason: outcome == .replayed ? "code already used" : "wrong code",
                         summary: summary, by: message.identity)
            return .wrong(remaining: remaining)
        case .locked, .notEnrolled:
            let reason = outcome == .locked ? "the account is locked after repeated wrong codes" : "2FA is not enrolled"
            await close(id, with: Refusal(reason: reason), event: "2fa.denied", by: message.identity)
            return .denied(reason)
        }
    }

    /// Denies an open challenge at once (`/deny ID`).
    /// - Returns: Whether a challenge with that id was open.
    @discardableResult
    public func deny(_ id: String, by message: InboundMessage) async -> Bool {
        guard challenges[id] != nil else { return false }
        await close(id, with: Refusal(reason: "denied by \(message.channel)"), event: "2fa.denied", by: message.identity)
        return true
    }

    /// Closes a challenge with a refusal; the refusal is in the audit log before the waiting action hears it.
    private func close(_ id: String, with refusal: Refusal, event: String, by identity: String) async {
        guard let challenge = challenges.removeValue(forKey: id) else { return }
        unapprovedClosings.append(clock.now())
        if unapprovedClosings.count > 64 { unapprovedClosings.removeFirst(unapprovedClosings.count - 64) }
        logger.info("challenge closed", metadata: ["id": "\(id)", "reason": "\(refusal.reason)"])
        await record(event, outcome: "deny", reason: refusal.reason, summary: challenge.summary, by: identity)
        challenge.continuation.resume(throwing: refusal)
        if event == "2fa.expired" || event == "2fa.cancelled" {
            // The owner may be about to answer it: say it is gone (answers to challenges show on their channel).
            await announce("Closed [\(id)] \(challenge.summary.subject): \(refusal.reason). Nothing ran.", except: "")
        }
        // Last: when the expiry timer itself is closing, cancelling it earlier would cancel the audit write.
        challenge.expiry?.cancel()
    }

    private func announce(_ text: String, except channel: String) async {
        for gateway in hub.challengeGateways where gateway.channel != channel {
            try? await gateway.send(text, to: nil)
        }
    }

    // MARK: Enrolment

    /// Whether the account has enrolled.
    public func isEnrolled() async throws(StorageError) -> Bool { try await store.state(account: configuration.account) != nil }

    /// Starts enrolment and returns the new secret, to be shown on the console only.
    ///
    /// Nothing is stored until ``confirmEnrollment(code:by:)`` sees a valid code from it. When an
    /// account is already enrolled, `currentCode` must be a valid code of the current secret.
    /// - Throws: ``Refusal`` when a current code is needed and missing or wrong.
    public func beginEnrollment(currentCode: String?, by message: InboundMessage) async throws -> TOTP {
        if try await store.state(account: configuration.account) != nil {
            guard let currentCode else { throw Refusal(reason: "2FA is enrolled; re-enrolling needs a current code: /setup 2fa CODE") }
            guard case .accepted = try await store.verify(currentCode, account: configuration.account) else {
                await recordEnrollment("2fa.reenroll", outcome: "deny", reason: "wrong current code", by: message.identity)
                throw Refusal(reason: "the current code is wrong")
            }
        }
        let totp = try TOTP.random()
        pendingEnrollment = totp
        return totp
    }

    /// The otpauth:// URI of a secret, for an authenticator app.
    public func enrollmentURI(_ totp: TOTP) -> String {
        OTPAuthURI(totp: totp, issuer: configuration.issuer, account: configuration.account).string
    }

    /// Completes enrolment with a code from the new secret; the code's step is then used.
    /// - Throws: ``Refusal`` when no enrolment is pending or the code is wrong.
    public func confirmEnrollment(code: String, by message: InboundMessage) async throws {
        guard let totp = pendingEnrollment else { throw Refusal(reason: "no enrolment is pending: /setup 2fa first (on the console)") }
        guard let step = totp.match(code, at: clock.now()) else { throw Refusal(reason: "the code does not match the new secret") }
        try await store.enroll(account: configuration.account, totp: totp)
        _ = try await store.accept(account: configuration.account, step: step)
        pendingEnrollment = nil
        await recordEnrollment("2fa.enrolled", outcome: "allow", reason: "enrolled from \(message.channel)", by: message.identity)
    }

    /// Removes the enrolment; needs a current code.
    /// - Throws: ``Refusal`` when not enrolled or the code is wrong.
    @_optimize(none)  // swift-frontend 6.3.1 crashes splitting this coroutine when optimizing with the sanitizers on
    public func disable(code: String, by message: InboundMessage) async throws {
        let outcome = try await verify(code)
        if outcome == .notEnrolled { throw Refusal(reason: "2FA is not enrolled") }
        guard case .accepted = outcome else {
            await recordEnrollment("2fa.disable", outcome: "deny", reason: "wrong code", by: message.identity)
            throw Refusal(reason: "the code is wrong")
        }
        try await remove()
        await closeAll(with: Refusal(reason: "2FA was disabled"), by: message.identity)
        await recordEnrollment("2fa.disabled", outcome: "allow", reason: "disabled from \(message.channel)", by: message.identity)
    }

    private func verify(_ code: String) async throws -> TwoFactorOutcome {
        try await store.verify(code, account: configuration.account)
    }

    private func remove() async throws {
        _ = try await store.remove(account: configuration.account)
    }

    private func closeAll(with refusal: Refusal, by identity: String) async {
        for id in Array(challenges.keys) {
            await close(id, with: refusal, event: "2fa.denied", by: identity)
        }
    }

    // MARK: Text and audit

    static func challengeText(_ summary: ChallengeSummary, request: ApprovalRequest, lifetime: Int) -> String {
        var lines = [
            "🔐 Approval needed [\(summary.id)]: \(summary.subject)",
            "started by \(request.trigger.callerType) \(request.trigger.identity)\(request.runID.map { ", run \($0)" } ?? "")",
        ]
        if let described = request.summary {
            lines.append("will run: \(Self.excerpt(described, limit: 1_000))")
        } else if request.arguments != .null {
            lines.append("arguments: \(Self.excerpt(request.arguments.canonicalText, limit: 300))")
        }
        lines.append("digest \(summary.digest)")
        lines.append("Reply with your 2FA code (or /approve \(summary.id) CODE, /deny \(summary.id)) within \(lifetime) s.")
        return lines.joined(separator: "\n")
    }

    /// The text whole when short, else its start and its end with the number of characters left out
    /// between them: never a silent cut that could hide the part that matters.
    static func excerpt(_ text: String, limit: Int) -> String {
        guard text.count > limit else { return text }
        let half = limit / 2
        return "\(text.prefix(half)) … (\(text.count - 2 * half) characters not shown) … \(text.suffix(half))"
    }

    /// A short id people can type; not a secret (the code is what authorizes).
    static func newID(taken: Set<String>) -> String {
        while true {
            let id = Hex.encode((0..<3).map { _ in UInt8.random(in: 0...255) })
            if !taken.contains(id) { return id }
        }
    }

    private func record(_ event: String, outcome: String, reason: String, summary: ChallengeSummary, by identity: String) async {
        try? await recordOrThrow(event, outcome: outcome, reason: reason, summary: summary, by: identity)
    }

    private func recordOrThrow(_ event: String, outcome: String, reason: String, summary: ChallengeSummary, by identity: String) async throws {
        let context: JSONValue = ["challenge": .string(summary.id), "subject": .string(summary.subject), "digest": .string(summary.digest),
                                  "by": .string(identity)]
        try await audit?.record(event: event, outcome: outcome, reason: reason, context: context)
    }

    private func recordEnrollment(_ event: String, outcome: String, reason: String, by identity: String) async {
        _ = try? await audit?.record(event: event, outcome: outcome, reason: reason,
                                     context: ["account": .string(configuration.account), "by": .string(identity)])
    }
}
