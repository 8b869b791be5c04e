import ArgumentParser
import ClawWorkflow
import Crypto
import Foundation

/// `claw workflow`: validate and run workflow files.
struct WorkflowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workflow",
        abstract: "Validate and run workflows.",
        subcommands: [Validate.self, Run.self]
    )

    static func registry() throws -> SkillRegistry {
        let registry = SkillRegistry()
        do {
            try BuiltinSkills.register(in: registry)
        } catch {
            throw CommandFailure.fail(error.description)
        }
        return registry
    }

    static func read(_ path: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CommandFailure.fail("cannot read \(path)")
        }
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every problem of a workflow file, one line each naming the step; exit 1 when there is any.")

        @Argument(help: "The workflow file (JSON).")
        var file: String

        func run() async throws {
            let text = try WorkflowCommand.read(file)
            let problems: [String]
            do {
                problems = try Workflow(json: text).validate(registry: try WorkflowCommand.registry())
            } catch let error as WorkflowError {
                problems = [error.reason]
            }
            if problems.isEmpty {
                print("valid")
            } else {
                for problem in problems { print(problem) }
                throw ExitCode(1)
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a workflow with the built-in skills and print the run record as JSON; exit 1 unless it succeeded.",
            discussion: "Tokens are minted under SECRET_KEY_BASE when it is set, else under a key made for this run only.")

        @Argument(help: "The workflow file (JSON).")
        var file: String

        @Option(help: "The first step's input as JSON.")
        var input: String?

        @Option(help: "A policy file to enforce.")
        var policies: String?

        @Option(help: "An audit log file to append denials to.")
        var audit: String?

        func run() async throws {
            let workflow: Workflow
            do {
                workflow = try Workflow(json: try WorkflowCommand.read(file))
            } catch let error as WorkflowError {
                throw CommandFailure.fail(error.reason)
            }
            var inputValue = JSONValue.null
            if let input {
                inputValue = try CommandFailure.guarding { try JSONValue(parsing: input) }
            }
            let keyRing: KeyRing
            if ProcessInfo.processInfo.environment[KeyRing.environmentVariable] != nil {
                keyRing = try StateDatabase.keyRing()
            } else {
                keyRing = try KeyRing(secretKeyBase: SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
            }
            let rules = try policies.map { path in try CommandFailure.guarding { try PolicyRule.parseFile(try WorkflowCommand.read(path)) } } ?? []
            let log = audit.map { AuditLog(store: FileAuditStore(url: URL(fileURLWithPath: $0)), keyRing: keyRing) }
            let runtime = SkillRuntime(registry: try WorkflowCommand.registry(), keyRing: keyRing, policy: PolicyEngine(rules: rules), audit: log)
            let record: RunRecord
            do {
                record = try await WorkflowExecutor(runtime: runtime).run(
                    workflow, input: inputValue, trigger: Trigger(callerType: .core, identity: "cli"))
            } catch let error as WorkflowError {
                throw CommandFailure.fail(error.reason)
            }
            print(record.json.canonicalText)
            if record.status != .succeeded { throw ExitCode(1) }
        }
    }
}
