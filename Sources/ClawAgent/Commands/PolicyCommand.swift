import ArgumentParser
import ClawSecurity
import Foundation

/// `claw policy`: check a decision against a policy file.
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Evaluate policy rules.",
        subcommands: [Check.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the decision for a context as JSON: {\"decision\", \"reason\", \"rule\"}.",
            discussion: "A bad policy file or context exits 2 with the rule and field named; a denial still exits 0."
        )

        @Option(help: "The policy file: a JSON array of rules.")
        var policies: String

        @Option(help: "The context as a JSON object (caller, caller_type, permission, tool, chain_depth, workflow_run_id, timestamp).")
        var context: String

        func run() throws {
            let text: String
            do {
                text = try String(contentsOfFile: policies, encoding: .utf8)
            } catch {
                throw CommandFailure.fail("cannot read the policy file \(policies)")
            }
            let rules = try CommandFailure.guarding { try PolicyRule.parseFile(text) }
            let parsed = try CommandFailure.guarding { try AuthContext(json: context) }
            print(PolicyEngine(rules: rules).evaluate(parsed).description)
        }
    }
}
