// libFuzzer target: the workflow loader, its validation and the cron parser.
//
// Never crashes, and checks that
//   - a workflow that loads re-loads from its exported JSON to the same workflow;
//   - validation terminates and names problems without trapping, whatever the graph;
//   - a cron expression that parses yields a next fire strictly after the start, or none;
//   - a run record read back from stored JSON (as the run store keeps it) exports to the same JSON.

import CFuzzerDriver
import ClawWorkflow
import Foundation

enum Fixture {
    static let registry: SkillRegistry = {
        let registry = SkillRegistry()
        try! BuiltinSkills.register(in: registry)
        return registry
    }()
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
}

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let workflow = try? Workflow(json: text) {
        guard let again = try? Workflow(json: workflow.json), again == workflow else {
            fatalError("an exported workflow does not load back to itself")
        }
        _ = workflow.validate(registry: Fixture.registry)
    }
    if let value = try? JSONValue(parsing: text), let record = try? RunRecord(json: value) {
        guard let again = try? RunRecord(json: record.json), again.json.canonicalText == record.json.canonicalText else {
            fatalError("a run record does not read back from its exported JSON")
        }
    }
    if size <= 200, let schedule = try? CronSchedule(text) {
        if let next = schedule.next(after: Fixture.start), next <= Fixture.start {
            fatalError("a cron schedule fired at or before its start")
        }
    }
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
