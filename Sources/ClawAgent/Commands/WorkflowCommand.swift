import ArgumentParser
import ClawStorage
import ClawWorkflow
import Crypto
import Foundation

/// `claw workflow`: validate and run workflow files.
struct WorkflowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workflow",
        abstract: "Validate, store and run workflows.",
        subcommands: [Validate.self, Run.self, Save.self, List.self, Delete.self]
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

    /// The skills `claw serve` can register, for validating a workflow before it is stored (`llm` and
    /// `shell` are listed whether or not this machine configures them; a run fails if they are not).
    static func agentRegistry() throws -> SkillRegistry {
        let registry = try registry()
        let descriptors = [
            SkillDescriptor(name: "memory", permissions: ["memory"]), SkillDescriptor(name: "notify", permissions: ["send_message"]),
            SkillDescriptor(name: "web_fetch", permissions: ["web_read"], isExternal: true),
            SkillDescriptor(name: "rss_fetch", permissions: ["web_read"], isExternal: true),
            SkillDescriptor(name: "llm", permissions: ["llm"]),
            SkillDescriptor(name: "shell", permissions: ["shell"], isExternal: true, requiresApproval: true),
        ]
        for descriptor in descriptors {
            try registry.guarded { try registry.register(ClosureSkill(descriptor) { _, _ in .null }, isCore: true) }
        }
        return registry
    }

    struct Save: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a workflow file against the agent's skills and store it (replacing one of the same name).",
            discussion: "A running `claw serve` lists the change to MCP clients at once; schedules take effect at its next start.")

        @Argument(help: "The workflow file (JSON).")
        var file: String

        func run() async throws {
            let workflow: Workflow
            do {
                workflow = try Workflow(json: try WorkflowCommand.read(file))
            } catch let error as WorkflowError {
                throw CommandFailure.fail(error.reason)
            }
            let problems = workflow.validate(registry: try WorkflowCommand.agentRegistry())
            guard problems.isEmpty else { throw CommandFailure.fail(problems.joined(separator: "; ")) }
            let database = try await StateDatabase.open()
            try await StateDatabase.guarding { () async throws(StorageError) in try await database.workflows.save(workflow) }
            await database.close()
            print("saved \(workflow.name)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the stored workflows.")

        func run() async throws {
            let database = try await StateDatabase.open()
            let all = try await StateDatabase.guarding { () async throws(StorageError) in try await database.workflows.all() }
            await database.close()
            for workflow in all {
                print("\(workflow.name)\t\(workflow.steps.count) steps\(workflow.enabled ? "" : "\tdisabled")\(workflow.schedule.map { "\tschedule \($0)" } ?? "")\(workflow.requiresApproval ? "\t2FA" : "")")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a stored workflow.")

        @Argument(help: "The workflow's name.")
        var name: String

        func run() async throws {
            let database = try await StateDatabase.open()
            let deleted = try await StateDatabase.guarding { () async throws(StorageError) in try await database.workflows.delete(named: name) }
            await database.close()
            guard deleted else { throw CommandFailure.fail("no workflow is named \(name)") }
            print("deleted \(name)")
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
