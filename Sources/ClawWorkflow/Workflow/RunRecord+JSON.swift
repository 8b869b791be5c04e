import Foundation

extension RunRecord {
    /// Reads a record back from ``json`` (as a run store keeps it). Times are kept to the second.
    /// - Throws: ``WorkflowError/Code/invalidWorkflow`` naming the first field that is missing or malformed.
    public init(json: JSONValue) throws(WorkflowError) {
        func fail(_ field: String) -> WorkflowError { WorkflowError(.invalidWorkflow, "run record: field '\(field)' is missing or malformed") }
        guard let o = json.objectValue else { throw fail("(root)") }
        func string(_ object: [String: JSONValue], _ key: String) throws(WorkflowError) -> String {
            guard let s = object[key]?.stringValue else { throw fail(key) }
            return s
        }
        func date(_ object: [String: JSONValue], _ key: String) throws(WorkflowError) -> Date {
            guard let d = RFC3339.parse(try string(object, key)) else { throw fail(key) }
            return d
        }
        guard let status = Status(rawValue: try string(o, "status")) else { throw fail("status") }
        guard let trigger = o["trigger"]?.objectValue,
            let callerType = AuthContext.CallerType(name: try string(trigger, "caller_type"))
        else { throw fail("trigger") }
        var steps = [Step]()
        for value in o["steps"]?.arrayValue ?? [] {
            guard let s = value.objectValue, let duration = s["duration_ms"]?.intValue, let attempts = s["attempts"]?.intValue else {
                throw fail("steps")
            }
            steps.append(Step(
                name: try string(s, "name"), skill: try string(s, "skill"), status: try string(s, "status"),
                inputDigest: try string(s, "input_sha256"), outputDigest: s["output_sha256"]?.stringValue,
                startedAt: try date(s, "started_at"), durationMilliseconds: Int(duration), attempts: Int(attempts),
                error: s["error"]?.stringValue, deniedBy: s["denied_by"]?.stringValue))
        }
        self.init(
            id: try string(o, "id"), workflow: try string(o, "workflow"),
            trigger: Trigger(callerType: callerType, identity: try string(trigger, "identity")), status: status,
            startedAt: try date(o, "started_at"), finishedAt: o["finished_at"] == nil ? nil : try date(o, "finished_at"),
            steps: steps, error: o["error"]?.stringValue, output: o["output"])
    }
}
