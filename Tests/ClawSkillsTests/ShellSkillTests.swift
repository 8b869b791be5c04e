@testable import ClawSkills
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An approval provider that answers yes or no and remembers what it saw.
private final class ShellTestApprover: ApprovalProvider {
    struct Refused: Error {}
    let answer: Bool
    let seen = Mutex([ApprovalRequest]())
    init(answer: Bool) { self.answer = answer }
    func approve(_ request: ApprovalRequest) async throws {
        seen.withLock { $0.append(request) }
        if !answer { throw Refused() }
    }
}

/// A fresh, empty working directory, removed by the caller.
private func makeWorkingDirectory() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("claw-shell-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// The processes, zombies excepted, whose process group is `group` (read from /proc).
private func livingMembers(ofGroup group: pid_t) -> [pid_t] {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
    var members: [pid_t] = []
    for entry in entries {
        guard let pid = pid_t(entry), let (state, pgrp) = processState(pid) else { continue }
        if pgrp == group && state != "Z" && state != "X" { members.append(pid) }
    }
    return members
}

/// A process's state letter and process group, or nil when it is gone.
private func processState(_ pid: pid_t) -> (state: Character, pgrp: pid_t)? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 2, let state = fields[0].first, let pgrp = pid_t(fields[2]) else { return nil }
    return (state, pgrp)
}

/// Whether a process is gone or dead (a zombie waiting for a parent that may never reap it).
private func isDead(_ pid: pid_t) -> Bool {
    guard let (state, _) = processState(pid) else { return true }
    return state == "Z" || state == "X"
}

/// Polls a condition a bounded number of times (SIGKILL is asynchronous).
private func eventually(_ condition: () -> Bool) async -> Bool {
    for _ in 0..<500 {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

@Suite("Shell runner: real processes")
struct ShellRunnerTests {
    static let tools = try! ShellCommandGuard(parsing: [
        "echo ...", "printf ...", "env", "pwd", "head -c * /dev/zero", "seq ...", "false", "ls ...", "sh -c *",
    ])

    @Test("echo and printf run without a shell and return their output")
    func output() async throws {
        let runner = ShellRunner()
        let echo = try await runner.run(Self.tools.check("echo 'hello   world' done"))
        #expect(echo == ShellRunner.Result(exitCode: 0, standardOutput: "hello   world done\n"))
        // printf sees its format as one argument; nothing is expanded on the way.
        let printf = try await runner.run(Self.tools.check("printf '%s+%s.' a 'b c'"))
        #expect(printf.standardOutput == "a+b c.")
        #expect(printf.exitCode == 0)
    }

    @Test("The child's environment is fixed (no user or system configuration read), and it runs in the working directory")
    func cleanEnvironment() async throws {
        let directory = try makeWorkingDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        setenv("CLAW_SHELL_TEST_SECRET", "do-not-leak", 1)
        let runner = ShellRunner(configuration: .init(workingDirectory: directory))
        let env = try await runner.run(Self.tools.check("env"))
        let lines = env.standardOutput.split(separator: "\n").map(String.init).sorted()
        #expect(lines == [
            "CURL_HOME=/dev/null", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1", "HOME=/dev/null", "LANG=C.UTF-8",
            "PATH=/usr/local/bin:/usr/bin:/bin", "XDG_CONFIG_HOME=/dev/null",
        ])
        #expect(!env.standardOutput.contains("do-not-leak"))
        let pwd = try await runner.run(Self.tools.check("pwd"))
        #expect(pwd.standardOutput == directory + "\n")
    }

    @Test("A dotfile one command leaves in the working directory is not read by the next (HOME is /dev/null)")
    func plantedConfiguration() async throws {
        let directory = try makeWorkingDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // What an earlier allowed download could have left behind.
        try "[alias]\n\tplanted = !echo PLANTED\n".write(toFile: directory + "/.gitconfig", atomically: true, encoding: .utf8)
        let runner = ShellRunner(configuration: .init(workingDirectory: directory))
        let git = try await runner.run(try ShellCommandGuard(parsing: ["git config --get alias.planted"]).check("git config --get alias.planted"))
        #expect(git.exitCode == 1 && !git.standardOutput.contains("PLANTED"), "\(git)")
    }

    @Test("The default working directory is a private folder of this user, never the shared temporary folder itself")
    func privateDefault() async throws {
        let runner = ShellRunner()
        let pwd = try await runner.run(Self.tools.check("pwd"))
        let path = pwd.standardOutput.trimmingCharacters(in: .newlines)
        #expect(path.hasSuffix("/claw-shell-\(geteuid())"))
        var info = stat()
        #expect(lstat(path, &info) == 0 && info.st_mode & 0o777 == 0o700 && info.st_uid == geteuid())
        // The same check on another path (the shared default stays as it is for the tests running alongside):
        // a folder open to others, as another user could have made it first, or a link, is refused.
        let open = try makeWorkingDirectory()
        defer { try? FileManager.default.removeItem(atPath: open) }
        chmod(open, 0o777)
        #expect(throws: ClawSecurityError.self) { try ShellRunner.preparePrivateFolder(open) }
        chmod(open, 0o700)
        try ShellRunner.preparePrivateFolder(open)
        let link = open + "-link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: open)
        defer { try? FileManager.default.removeItem(atPath: link) }
        #expect(throws: ClawSecurityError.self) { try ShellRunner.preparePrivateFolder(link) }
    }

    @Test("Each stream keeps at most the limit and the rest is drained and reported as truncated")
    func outputCap() async throws {
        let runner = ShellRunner()
        let zeros = try await runner.run(Self.tools.check("head -c 200000 /dev/zero"))
        #expect(zeros.standardOutput.utf8.count == 64 * 1024)
        #expect(zeros.truncated)
        #expect(zeros.exitCode == 0)
        #expect(!zeros.timedOut)

        let small = ShellRunner(configuration: .init(outputLimit: 1000))
        let numbers = try await small.run(Self.tools.check("seq 1 200000"))
        #expect(numbers.standardOutput.utf8.count == 1000)
        #expect(numbers.standardOutput.hasPrefix("1\n2\n3\n"))
        #expect(numbers.truncated)
        #expect(numbers.exitCode == 0)  // seq was not blocked on a full pipe, nor killed

        let exact = try await ShellRunner(configuration: .init(outputLimit: 5)).run(Self.tools.check("printf abcde"))
        #expect(exact.standardOutput == "abcde")
        #expect(!exact.truncated)
    }

    @Test("A timeout kills the whole process group, grandchildren included")
    func timeoutKillsGroup() async throws {
        let runner = ShellRunner(configuration: .init(timeout: .milliseconds(300)))
        let started = Mutex<pid_t>(0)
        // The shell prints its background child's pid, then waits for two sleeps that would last 5 minutes.
        let result = try await runner.run(
            executable: "/bin/sh", arguments: ["-c", "sleep 300 & echo $!; sleep 300; wait"],
            onStart: { pid in started.withLock { $0 = pid } })
        let group = started.withLock { $0 }
        #expect(group > 1)
        #expect(result.timedOut)
        #expect(result.terminationSignal == SIGKILL)
        #expect(result.exitCode == 128 + SIGKILL)
        let grandchild = try #require(pid_t(result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(grandchild != group)
        #expect(await eventually { isDead(grandchild) && livingMembers(ofGroup: group).isEmpty })
    }

    @Test("Cancelling the caller kills the whole process group and throws CancellationError")
    func cancellationKillsGroup() async throws {
        let runner = ShellRunner(configuration: .init(timeout: .seconds(120)))
        let started = Mutex<pid_t>(0)
        let task = Task {
            try await runner.run(
                executable: "/bin/sh", arguments: ["-c", "sleep 300 & sleep 300; wait"],
                onStart: { pid in started.withLock { $0 = pid } })
        }
        // Wait (bounded) until the shell and both sleeps are running.
        #expect(await eventually { let group = started.withLock { $0 }; return group > 1 && livingMembers(ofGroup: group).count >= 3 })
        let group = started.withLock { $0 }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(await eventually { livingMembers(ofGroup: group).isEmpty })
    }

    @Test("When the child exits, a background process it left behind is killed too")
    func noBackgroundSurvivor() async throws {
        let runner = ShellRunner(configuration: .init(timeout: .seconds(120)))
        let started = Mutex<pid_t>(0)
        let result = try await runner.run(
            executable: "/bin/sh", arguments: ["-c", "sleep 300 & echo $!"], onStart: { pid in started.withLock { $0 = pid } })
        #expect(!result.timedOut)
        #expect(result.exitCode == 0)
        let grandchild = try #require(pid_t(result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)))
        let group = started.withLock { $0 }
        #expect(await eventually { isDead(grandchild) && livingMembers(ofGroup: group).isEmpty })
    }

    @Test("The child leads its own process group and session")
    func ownGroup() async throws {
        let runner = ShellRunner()
        let started = Mutex<pid_t>(0)
        // $$ is the shell's pid; ps is not needed: /proc/self/stat holds pgrp (field 5) and session (field 6).
        let result = try await runner.run(
            executable: "/bin/sh", arguments: ["-c", "echo $$; cut -d' ' -f5,6 /proc/$$/stat"],
            onStart: { pid in started.withLock { $0 = pid } })
        let pid = started.withLock { $0 }
        #expect(result.standardOutput == "\(pid)\n\(pid) \(pid)\n")
    }

    @Test("A non-zero exit is a result, with its standard error")
    func nonZeroExit() async throws {
        let runner = ShellRunner()
        let failed = try await runner.run(Self.tools.check("false"))
        #expect(failed.exitCode == 1)
        #expect(failed.terminationSignal == nil)
        let missing = try await runner.run(Self.tools.check("ls /claw-no-such-directory"))
        #expect(missing.exitCode != 0)
        #expect(missing.standardOutput.isEmpty)
        #expect(!missing.standardError.isEmpty)
        let three = try await runner.run(Self.tools.check("sh -c 'exit 3'"))
        #expect(three.exitCode == 3)
    }

    @Test("A program outside the fixed directories, or a missing working directory, fails to launch")
    func launchFailures() async throws {
        let unknown = try ShellCommandGuard(parsing: ["claw-no-such-program", "/opt/claw/no/such/program"])
        await #expect(throws: ClawSecurityError.shellLaunchFailed) { try await ShellRunner().run(unknown.check("claw-no-such-program")) }
        await #expect(throws: ClawSecurityError.shellLaunchFailed) { try await ShellRunner().run(unknown.check("/opt/claw/no/such/program")) }
        let nowhere = ShellRunner(configuration: .init(workingDirectory: "/claw-no-such-directory"))
        await #expect(throws: ClawSecurityError.shellLaunchFailed) { try await nowhere.run(Self.tools.check("pwd")) }
    }
}

@Suite("Shell skill: through the skill runtime")
struct ShellSkillTests {
    static let ring = try! KeyRing(secretKeyBase: "shell-skill-test-secret-key-base-0123456789abcdef")
    static let user = Trigger(callerType: .chat, identity: "telegram:42")

    struct Fixture {
        let registry = SkillRegistry()
        let store = InMemoryAuditStore()
        let runtime: SkillRuntime

        init(skill: ShellSkill, approvals: (any ApprovalProvider)?, policy: [PolicyRule] = []) throws {
            try registry.register(skill, isCore: true)
            runtime = SkillRuntime(
                registry: registry, keyRing: ShellSkillTests.ring, policy: PolicyEngine(rules: policy),
                audit: AuditLog(store: store, keyRing: ShellSkillTests.ring), approvals: approvals,
                configuration: .init(timeout: .seconds(120)))
        }

        func run(_ input: JSONValue) async throws -> JSONValue {
            try await runtime.run(skill: ShellSkill.name, input: input, trigger: ShellSkillTests.user)
        }
    }

    static func enabled(_ rules: [String], in directory: String? = nil) throws -> ShellSkill {
        ShellSkill(configuration: try .init(enabled: true, parsingRules: rules, workingDirectory: directory))
    }

    @Test("The descriptor declares shell, external output and approval, whatever the configuration")
    func descriptor() throws {
        for skill in [ShellSkill(), try Self.enabled(["ls ..."])] {
            #expect(skill.descriptor.name == "shell")
            #expect(skill.descriptor.permissions == ["shell"])
            #expect(skill.descriptor.isExternal)
            #expect(skill.descriptor.requiresApproval)
        }
        #expect(!ShellSkill.Configuration().enabled)
    }

    @Test("An approved command runs and returns argv, exit code, output and flags")
    func approvedRun() async throws {
        let approver = ShellTestApprover(answer: true)
        let f = try Fixture(skill: Self.enabled(["echo ...", "false"]), approvals: approver)
        let output = try await f.run(["input": "echo hello 'big world'"])
        #expect(output == [
            "command": ["echo", "hello", "big world"], "exit_code": 0, "stdout": "hello big world", "stderr": "",
            "truncated": false, "timed_out": false,
        ])
        #expect(approver.seen.withLock { $0.map(\.subject) } == ["shell"])
        let failed = try await f.run(["input": ["command": "false"]])
        #expect(failed["exit_code"] == 1)
        let fromConfig = try await f.run(["config": ["command": "echo configured"]])
        #expect(fromConfig["stdout"] == "configured")
        let fromArray = try await f.run(["input": ["command": ["echo", "a b"]]])
        #expect(fromArray["command"] == ["echo", "a b"])
        #expect(fromArray["stdout"] == "a b")
    }

    @Test("Without an approval provider, or when approval is refused, nothing runs")
    func approvalRequired() async throws {
        let directory = try makeWorkingDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let skill = try Self.enabled(["touch ran"], in: directory)
        let marker = directory + "/ran"

        let none = try Fixture(skill: skill, approvals: nil)
        await #expect(throws: WorkflowError(.approvalRefused, "")) { try await none.run(["input": "touch ran"]) }
        let refused = try Fixture(skill: skill, approvals: ShellTestApprover(answer: false))
        await #expect(throws: WorkflowError(.approvalRefused, "")) { try await refused.run(["input": "touch ran"]) }
        #expect(!FileManager.default.fileExists(atPath: marker))

        let approved = try Fixture(skill: skill, approvals: ShellTestApprover(answer: true))
        _ = try await approved.run(["input": "touch ran"])
        #expect(FileManager.default.fileExists(atPath: marker))
    }

    @Test("A disabled skill refuses even when approved")
    func disabled() async throws {
        let f = try Fixture(skill: ShellSkill(configuration: .init(rules: [try ShellAllowRule(parsing: "echo ...")])),
                            approvals: ShellTestApprover(answer: true))
        await #expect(throws: ShellSkill.Refused(.shellDisabled)) { try await f.run(["input": "echo hi"]) }
    }

    @Test("The guard's refusals reach the caller, nothing runs, and the breaker stays closed")
    func guardRefusals() async throws {
        let f = try Fixture(skill: Self.enabled(["echo ...", "git status"]), approvals: ShellTestApprover(answer: true))
        await #expect(throws: ShellSkill.Refused(.shellMetacharacter)) { try await f.run(["input": "echo hi; rm -rf /"]) }
        await #expect(throws: ShellSkill.Refused(.shellMetacharacter)) { try await f.run(["input": ["command": ["echo", "a;b"]]]) }
        await #expect(throws: ShellSkill.Refused(.shellNotAllowed)) { try await f.run(["input": "git -c alias.x=cmd status"]) }
        await #expect(throws: ShellSkill.Refused(.shellNotAllowed)) { try await f.run(["input": "rm -rf /"]) }
        await #expect(throws: ShellSkill.Refused(.shellRefused)) { try await f.run(["input": 42]) }
        await #expect(throws: ShellSkill.Refused(.shellRefused)) { try await f.run(["input": ["command": ["echo", 1]]]) }
        await #expect(throws: ShellSkill.Refused(.shellRefused)) { try await f.run(["other": "echo hi"]) }
        // Refusals are the caller's fault, not the skill's: they never open the circuit breaker.
        for _ in 0..<20 {
            await #expect(throws: ShellSkill.Refused(.shellNotAllowed)) { try await f.run(["input": "rm -rf /"]) }
        }
        #expect(try await f.run(["input": "echo still working"])["stdout"] == "still working")
    }

    @Test("A policy that denies the shell permission stops the skill after approval, and the denial is audited")
    func policyDenies() async throws {
        let rules = try PolicyRule.parseFile(#"""
        [{"id": "no-shell", "type": "permission_override", "priority": 1, "enabled": true, "config": {"permission": "shell", "action": "deny"}}]
        """#)
        let f = try Fixture(skill: Self.enabled(["echo ..."]), approvals: ShellTestApprover(answer: true), policy: rules)
        let error = await #expect(throws: AuthorizationDenied.self) { try await f.run(["input": "echo hi"]) }
        #expect(error?.ruleID == "no-shell")
        #expect(((try? f.store.entries()) ?? []).contains { $0.context["permission"] == "shell" })
    }
}
