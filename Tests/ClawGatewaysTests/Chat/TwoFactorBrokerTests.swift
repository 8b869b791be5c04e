@testable import ClawGateways
import Foundation
import Testing

@Suite("2FA broker")
struct TwoFactorBrokerTests {
    static let request = ApprovalRequest(
        subject: "shell", runID: "run-1", trigger: Trigger(callerType: .mcp, identity: "mcp:abc"), arguments: ["input": "git status"])

    /// Waits until the broker has an open challenge (bounded).
    static func openChallenge(_ broker: TwoFactorBroker) async -> TwoFactorBroker.ChallengeSummary? {
        for _ in 0..<2_000 {
            if let first = await broker.openChallenges.first { return first }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    @Test("a challenge names the action, reaches every delivering gateway, and one code from any of them approves it once")
    func approvedFromAnyGateway() async throws {
        let fixture = try await ChatFixture.make()
        defer { Task { await fixture.close() } }
        let broker = fixture.broker()
        let approval = Task { try await broker.approve(Self.request) }
        let challenge = try #require(await Self.openChallenge(broker))
        #expect(challenge.digest == Self.request.digest)
        #expect(challenge.subject == "shell")
        let sent = try #require(await fixture.telegram.waitFor { $0.contains(challenge.id) })
        #expect(sent.contains("shell") && sent.contains(Self.request.digest) && sent.contains("git status") && sent.contains("mcp:abc"))
        #expect(await fixture.discord.waitFor { $0.contains(challenge.id) } != nil)
        #expect(fixture.webhookOnly.messages.isEmpty, "a gateway that cannot deliver challenges gets none")
        // A wrong code counts; the right one from Discord approves, and the challenge is closed everywhere.
        #expect(await broker.answer("000000", challengeID: nil, from: fixture.message("000000")) == .wrong(remaining: 2))
        let code = fixture.code()
        #expect(await broker.answer(code, challengeID: nil, from: fixture.message(code, channel: "discord")) == .approved(challenge.id))
        try await approval.value
        #expect(await broker.answer(code, challengeID: nil, from: fixture.message(code)) == .noChallenge)
        #expect(await fixture.telegram.waitFor { $0.contains("Approved [\(challenge.id)]") } != nil, "the other gateway hears it closed")
        // The same code cannot approve a second action: the stored replay guard refuses its step.
        let second = Task { try await broker.approve(Self.request) }
        _ = try #require(await Self.openChallenge(broker))
        #expect(await broker.answer(code, challengeID: nil, from: fixture.message(code)) == .wrong(remaining: 2))
        fixture.clock.advance(30)
        #expect(await broker.answer(fixture.code(), challengeID: nil, from: fixture.message("next")).isApproved)
        try await second.value
        let events = try await fixture.auditEvents()
        #expect(events.filter { $0 == "2fa.challenge" }.count == 2)
        #expect(events.filter { $0 == "2fa.approved" }.count == 2)
        #expect(events.filter { $0 == "2fa.wrong_code" }.count == 2)
    }

    @Test("too many wrong codes deny the action")
    func wrongCodesDeny() async throws {
        let fixture = try await ChatFixture.make()
        defer { Task { await fixture.close() } }
        let broker = fixture.broker(.init(maximumWrongAttempts: 2))
        let approval = Task { try await broker.approve(Self.request) }
        _ = try #require(await Self.openChallenge(broker))
        #expect(await broker.answer("111111", challengeID: nil, from: fixture.message("111111")) == .wrong(remaining: 1))
        #expect(await broker.answer("222222", challengeID: nil, from: fixture.message("222222")) == .denied("too many wrong codes"))
        await #expect(throws: TwoFactorBroker.Refusal.self) { try await approval.value }
        // Closed: the right code now finds nothing to approve.
        #expect(await broker.answer(fixture.code(), challengeID: nil, from: fixture.message("late")) == .noChallenge)
    }

    @Test("a challenge expires")
    func expires() async throws {
        let fixture = try await ChatFixture.make()
        defer { Task { await fixture.close() } }
        let broker = fixture.broker(.init(lifetime: .milliseconds(20)))
        let refusal = await #expect(throws: TwoFactorBroker.Refusal.self) { try await broker.approve(Self.request) }
        #expect(refusal?.reason == "the challenge expired")
        #expect(await broker.openChallenges.isEmpty)
        let events = try await fixture.auditEvents()
        #expect(events.contains("2fa.expired"), "\(events)")
    }

    @Test("without enrolment, or without a gateway that delivers, approval is refused at once")
    func refusedWithoutEnrolmentOrGateway() async throws {
        let unenrolled = try await ChatFixture.make(enroll: false)
        await #expect(throws: TwoFactorBroker.Refusal.self) { try await unenrolled.broker().approve(Self.request) }
        #expect(unenrolled.telegram.messages.isEmpty)
        await unenrolled.close()

        let fixture = try await ChatFixture.make()
        defer { Task { await fixture.close() } }
        let lonely = TwoFactorBroker(
            store: fixture.database.twoFactor(keyRing: fixture.keyRing), hub: GatewayHub(), audit: fixture.audit,
            clock: fixture.clock.wallClock)
        await #expect(throws: TwoFactorBroker.Refusal.self) { try await lonely.approve(Self.request) }
        let down = GatewayHub()
        down.register(RecordingGateway("telegram", failing: true))
        let undelivered = TwoFactorBroker(
            store: fixture.database.twoFactor(keyRing: fixture.keyRing), hub: down, audit: fixture.audit, clock: fixture.clock.wallClock)
        await #expect(throws: TwoFactorBroker.Refusal.self) { try await undelivered.approve(Self.request) }
    }

    @Test("with several open, a bare code is ambiguous and /approve ID picks one")
    func severalOpen() async throws {
        let fixture = try await ChatFixture.make()
        defer { Task { await fixture.close() } }
        let broker = fixture.broker()
        let first = Task { try await broker.approve(Self.request) }
        let second = Task { try await broker.approve(ApprovalRequest(subject: "nightly", runID: nil, trigger: .scheduler)) }
        for _ in 0..<2_000 where await broker.openChallenges.count < 2 { try await Task.sleep(for: .milliseconds(5)) }
        let open = await broker.openChallenges
        #expect(open.count == 2)
        guard case .ambiguous(let ids) = await broker.answer(fixture.code(), challengeID: nil, from: fixture.message("x")) else {
            Issue.record("expected ambiguous")
            return
        }
        #expect(Set(ids) == Set(open.map(\.id)))
        let target = try #require(open.first { $0.subject == "nightly" })
        #expect(await broker.answer(fixture.code(), challengeID: target.id, from: fixture.message("x")) == .approved(target.id))
        try await second.value
        #expect(await broker.deny(try #require(await broker.openChallenges.first).id, by: fixture.message("/deny")))
        await #expect(throws: TwoFactorBroker.Refusal.self) { try await first.value }
    }

    @Test("after a challenge closed unapproved, a bare code needs the id for the lifetime: it cannot land on a newer challenge")
    func bareCodeAfterAClosing() async throws {
        let fixture = try await ChatFixture.make()
        defer { Task { await fixture.close() } }
        let broker = fixture.broker()
        // The owner is about to answer A when its caller cancels it and opens B.
        let a = Task { try await broker.approve(Self.request) }
        let challengeA = try #require(await Self.openChallenge(broker))
        a.cancel()
        await #expect(throws: TwoFactorBroker.Refusal.self) { try await a.value }
        #expect(await fixture.telegram.waitFor { $0.contains("Closed [\(challengeA.id)]") && $0.contains("Nothing ran") } != nil)
        let b = Task { try await broker.approve(ApprovalRequest(subject: "nightly", runID: nil, trigger: .scheduler)) }
        let challengeB = try #require(await Self.openChallenge(broker))
        let code = fixture.code()
        #expect(await broker.answer(code, challengeID: nil, from: fixture.message(code)) == .ambiguous([challengeB.id]))
        #expect(await broker.openChallenges.map(\.id) == [challengeB.id], "the bare code neither approved nor counted against B")
        #expect(await broker.answer(code, challengeID: challengeB.id, from: fixture.message(code)) == .approved(challengeB.id))
        try await b.value
        // A lifetime later, a bare code is clear again.
        fixture.clock.advance(120)
        let c = Task { try await broker.approve(Self.request) }
        let challengeC = try #require(await Self.openChallenge(broker))
        #expect(await broker.answer(fixture.code(), challengeID: nil, from: fixture.message("c")) == .approved(challengeC.id))
        try await c.value
    }

    @Test("as many challenges as configured can be open at once, and no more")
    func openLimit() async throws {
        let fixture = try await ChatFixture.make()
        defer { Task { await fixture.close() } }
        let broker = fixture.broker(.init(maximumOpenChallenges: 4))
        let waiting = (0..<4).map { _ in Task { try await broker.approve(Self.request) } }
        for _ in 0..<2_000 where await broker.openChallenges.count < 4 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(await broker.openChallenges.count == 4)
        let refusal = await #expect(throws: TwoFactorBroker.Refusal.self) { try await broker.approve(Self.request) }
        #expect(refusal?.reason == "too many approvals are waiting")
        for task in waiting { task.cancel() }
        for task in waiting { _ = try? await task.value }
    }

    @Test("re-enrolling and disabling need a current code; the new secret takes effect only once confirmed")
    func enrolment() async throws {
        let fixture = try await ChatFixture.make()
        defer { Task { await fixture.close() } }
        let broker = fixture.broker()
        let console = fixture.message("/setup 2fa", channel: "console", sender: "owner")
        await #expect(throws: TwoFactorBroker.Refusal.self) { _ = try await broker.beginEnrollment(currentCode: nil, by: console) }
        await #expect(throws: TwoFactorBroker.Refusal.self) { _ = try await broker.beginEnrollment(currentCode: "123456", by: console) }
        let fresh = try await broker.beginEnrollment(currentCode: fixture.code(), by: console)
        #expect(await broker.enrollmentURI(fresh).hasPrefix("otpauth://totp/"))
        // Until confirmed, the old secret still holds.
        let store = fixture.database.twoFactor(keyRing: fixture.keyRing)
        #expect(try await store.state(account: "owner")?.totp.base32Secret == fixture.totp.base32Secret)
        await #expect(throws: TwoFactorBroker.Refusal.self) { try await broker.confirmEnrollment(code: "000000", by: console) }
        let newCode = fresh.code(at: fixture.clock.now)
        try await broker.confirmEnrollment(code: newCode, by: console)
        #expect(try await store.state(account: "owner")?.totp.base32Secret == fresh.base32Secret)
        // The confirming code's step is used: it cannot disable.
        await #expect(throws: TwoFactorBroker.Refusal.self) { try await broker.disable(code: newCode, by: console) }
        fixture.clock.advance(30)
        try await broker.disable(code: fresh.code(at: fixture.clock.now), by: console)
        #expect(try await store.state(account: "owner") == nil)
        let events = try await fixture.auditEvents()
        #expect(events.contains("2fa.enrolled") && events.contains("2fa.disabled"))
    }
}

extension TwoFactorBrokerTests {
    @Test("wrong and right codes arriving together: approved exactly once, the challenge closed, nothing resumed twice")
    func concurrentAnswers() async throws {
        let fixture = try await ChatFixture.make()
        defer { Task { await fixture.close() } }
        for round in 0..<5 {
            let broker = fixture.broker()
            let approval = Task { try await broker.approve(Self.request) }
            _ = try #require(await Self.openChallenge(broker))
            let code = fixture.code()
            let outcomes = await withTaskGroup(of: TwoFactorBroker.AnswerOutcome.self) { group in
                for index in 0..<6 {
                    let text = index == 3 ? code : String(format: "%06d", index)
                    group.addTask { await broker.answer(text, challengeID: nil, from: fixture.message(text)) }
                }
                return await group.reduce(into: [TwoFactorBroker.AnswerOutcome]()) { $0.append($1) }
            }
            #expect(outcomes.filter(\.isApproved).count <= 1, "round \(round): \(outcomes)")
            // Whatever the interleaving, the action ends (approved, or denied after three wrong codes)
            // and no challenge is left open.
            _ = try? await approval.value
            #expect(await broker.openChallenges.isEmpty, "round \(round)")
            fixture.clock.advance(30)
        }
    }

    @Test("a described action is shown whole; long arguments show their start and end with what was left out")
    func challengeText() {
        let described = ApprovalRequest(
            subject: "shell", runID: nil, trigger: .scheduler, arguments: ["input": .string("git   log")], summary: "$ git log")
        let summary = TwoFactorBroker.ChallengeSummary(id: "abc123", subject: "shell", digest: described.digest, expiresAt: Date())
        let text = TwoFactorBroker.challengeText(summary, request: described, lifetime: 120)
        #expect(text.contains("will run: $ git log") && !text.contains("arguments:"))
        let padded = "git log" + String(repeating: " ", count: 400) + "--output=/home/u/.bashrc"
        let long = ApprovalRequest(subject: "job", runID: nil, trigger: .scheduler, arguments: ["input": .string(padded)])
        let shown = TwoFactorBroker.challengeText(summary, request: long, lifetime: 120)
        #expect(shown.contains("--output=/home/u/.bashrc") && shown.contains("characters not shown"), "\(shown)")
    }
}

extension TwoFactorBroker.AnswerOutcome {
    var isApproved: Bool { if case .approved = self { true } else { false } }
}
