import ClawGateways
import Foundation
import PropertyBased
import Testing

/// Invariants of chat command parsing and of the action digest a 2FA challenge shows.
@Suite("Chat and approval properties")
struct ChatCommandProperties {
    static let words = Gen.letterOrNumber.string(of: 0...12)
    static let tools: Set<String> = [
        "help", "status", "skills", "workflows", "runs", "run", "cancel", "shell", "setup_2fa", "confirm_2fa", "disable_2fa",
        "approve", "deny", "unknown", "malformed", "chat",
    ]

    @Test("any text parses to a command whose tool is one the policy engine knows; text without a slash is chat or a code")
    func parsesEverything() async {
        await propertyCheck(count: 500, input: Gen.element(of: ["", "/", "/run ", "/shell ", "/approve ", "/setup 2fa ", " "]), Self.words, Self.words) {
            prefix, first, second in
            let text = (prefix ?? "") + first + " " + second
            let command = ChatCommand(parsing: text)
            #expect(Self.tools.contains(command.tool), "\(text) -> \(command)")
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.hasPrefix("/") {
                #expect(command == .text(trimmed) || command == .code(trimmed))
            }
        }
    }

    @Test("/shell keeps the command line exactly as typed after the command")
    func shellKeepsTheLine() async {
        await propertyCheck(count: 300, input: Self.words, Self.words) { first, second in
            let line = "git \(first) --x=\(second)"
            #expect(ChatCommand(parsing: "/shell \(line)") == .shell(line))
        }
    }

    @Test("the digest depends on exactly the subject and the arguments, not on who asked")
    func digest() async {
        await propertyCheck(count: 300, input: Self.words, Self.words, Self.words) { subject, argument, other in
            let a = ApprovalRequest(subject: subject, runID: "r1", trigger: .scheduler, arguments: ["input": .string(argument)])
            let b = ApprovalRequest(subject: subject, runID: nil, trigger: Trigger(callerType: .chat, identity: "x"), arguments: ["input": .string(argument)])
            #expect(a.digest == b.digest && a.digest.count == 16)
            if other != argument {
                let c = ApprovalRequest(subject: subject, runID: "r1", trigger: .scheduler, arguments: ["input": .string(other)])
                #expect(c.digest != a.digest)
            }
        }
    }
}
