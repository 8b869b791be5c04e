import ClawSkills
import Foundation
import Synchronization
import Testing

@Suite("shell approvals show what will run")
struct ShellApprovalTests {
    final class RecordingApprovals: ApprovalProvider {
        let requests = Mutex([ApprovalRequest]())
        func approve(_ request: ApprovalRequest) async throws { requests.withLock { $0.append(request) } }
    }

    static func runtime(_ approvals: RecordingApprovals) throws -> SkillRuntime {
        let registry = SkillRegistry()
        let shell = ShellSkill(configuration: try .init(enabled: true, parsingRules: ["echo ...", "git log ..."]))
        try registry.register(shell, isCore: true)
        return SkillRuntime(
            registry: registry, keyRing: try KeyRing(secretKeyBase: String(repeating: "s", count: 40)), policy: PolicyEngine(rules: []),
            audit: nil, approvals: approvals)
    }

    @Test("the approver sees the normalized command that runs, whichever input field carries it")
    func summaryIsWhatRuns() async throws {
        let approvals = RecordingApprovals()
        let runtime = try Self.runtime(approvals)
        let spaced = "echo" + String(repeating: " ", count: 400) + "padded"
        let output = try await runtime.run(skill: "shell", input: ["input": .string(spaced)], trigger: .scheduler)
        #expect(output["stdout"]?.stringValue?.contains("padded") == true)
        // A decoy in config does not change what is shown: `input` wins both for the summary and for the run.
        _ = try await runtime.run(
            skill: "shell", input: ["config": ["command": "echo harmless"], "input": ["command": "echo real"]], trigger: .scheduler)
        let summaries = approvals.requests.withLock { $0.map(\.summary) }
        #expect(summaries == ["$ echo padded", "$ echo real"])
    }

    @Test("a command the guard refuses is refused before anyone is asked")
    func refusedBeforeApproval() async throws {
        let approvals = RecordingApprovals()
        let runtime = try Self.runtime(approvals)
        for line in ["rm -rf /", "echo $(id)", "git -c alias.x=y log"] {
            await #expect(throws: ShellSkill.Refused.self) { _ = try await runtime.run(skill: "shell", input: ["input": .string(line)], trigger: .scheduler) }
        }
        #expect(approvals.requests.withLock { $0.isEmpty })
    }
}
