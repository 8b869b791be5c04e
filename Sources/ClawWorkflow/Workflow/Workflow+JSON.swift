import Foundation

extension Workflow {
    /// Parses a workflow document. Unknown fields and malformed values are errors naming the step;
    /// call ``validate(registry:)`` afterwards for the checks that need the whole graph or the registry.
    /// - Throws: ``WorkflowError/Code/invalidWorkflow``.
    public init(json text: String) throws(WorkflowError) {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: text, limits: .init(maximumBytes: 4 << 20, maximumDepth: 32))
        } catch {
            throw WorkflowError(.invalidWorkflow, "the workflow is not valid JSON: \(error.reason)")
        }
        try self.init(json: value)
    }

    /// Parses a workflow from a JSON value.
    /// - Throws: ``WorkflowError/Code/invalidWorkflow``.
    public init(json value: JSONValue) throws(WorkflowError) {
        func fail(_ what: String) -> WorkflowError { WorkflowError(.invalidWorkflow, what) }
        guard let o = value.objectValue else { throw fail("the workflow is not a JSON object") }
        let known: Set<String> = ["name", "steps", "requires_approval", "schedule", "time_zone", "enabled"]
        if let unknown = o.keys.sorted().first(where: { !known.contains($0) }) { throw fail("unknown field '\(unknown.prefix(40))'") }
        guard let name = o["name"]?.stringValue, !name.isEmpty else { throw fail("field 'name' must be a non-empty string") }
        guard let rawSteps = o["steps"]?.arrayValue, !rawSteps.isEmpty else { throw fail("field 'steps' must be a non-empty array") }
        var steps = [Step]()
        for (index, raw) in rawSteps.enumerated() { steps.append(try Step(json: raw, position: index)) }
        func bool(_ key: String, default value: Bool) throws(WorkflowError) -> Bool {
            guard let v = o[key] else { return value }
            guard let b = v.boolValue else { throw fail("field '\(key)' must be true or false") }
            return b
        }
        func string(_ key: String) throws(WorkflowError) -> String? {
            guard let v = o[key], v != .null else { return nil }
            guard let s = v.stringValue else { throw fail("field '\(key)' must be a string") }
            return s
        }
        self.init(
            name: name, steps: steps, requiresApproval: try bool("requires_approval", default: false),
            schedule: try string("schedule"), timeZone: try string("time_zone"), enabled: try bool("enabled", default: true))
    }

    /// The workflow as a JSON document that ``init(json:)`` reads back.
    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "name": .string(name), "steps": .array(steps.map(\.json)), "requires_approval": .bool(requiresApproval),
            "enabled": .bool(enabled),
        ]
        if let schedule { o["schedule"] = .string(schedule) }
        if let timeZone { o["time_zone"] = .string(timeZone) }
        return .object(o)
    }
}

extension Workflow.Step {
    init(json: JSONValue, position: Int) throws(WorkflowError) {
        var label = "step #\(position + 1)"
        func fail(_ what: String) -> WorkflowError { WorkflowError(.invalidWorkflow, "\(label): \(what)") }
        guard let o = json.objectValue else { throw fail("not a JSON object") }
        guard let name = o["name"]?.stringValue, !name.isEmpty, name != Workflow.end else {
            throw fail("field 'name' must be a non-empty string other than $end")
        }
        label = "step '\(name)'"
        let known: Set<String> = [
            "name", "skill", "config", "input_from", "routes", "timeout_ms", "retries", "on_error", "error_route",
            "on_circuit_open", "fallback_skill", "on_missing_skill", "max_visits",
        ]
        if let unknown = o.keys.sorted().first(where: { !known.contains($0) }) { throw fail("unknown field '\(unknown.prefix(40))'") }
        guard let skill = o["skill"]?.stringValue, !skill.isEmpty else { throw fail("field 'skill' must be a non-empty string") }
        func string(_ key: String) throws(WorkflowError) -> String? {
            guard let v = o[key], v != .null else { return nil }
            guard let s = v.stringValue, !s.isEmpty else { throw fail("field '\(key)' must be a non-empty string") }
            return s
        }
        func int(_ key: String, _ range: ClosedRange<Int64>) throws(WorkflowError) -> Int64? {
            guard let v = o[key], v != .null else { return nil }
            guard let i = v.intValue, range.contains(i) else { throw fail("field '\(key)' must be an integer from \(range.lowerBound) to \(range.upperBound)") }
            return i
        }
        func choice<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type, default value: E) throws(WorkflowError) -> E where E.RawValue == String {
            guard let text = try string(key) else { return value }
            guard let e = E(rawValue: text) else {
                throw fail("field '\(key)' must be one of \(E.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return e
        }
        var routes = [String: String]()
        var defaultRoute: String?
        if let r = o["routes"] {
            guard let object = r.objectValue else { throw fail("field 'routes' must be an object of branch → step") }
            for (branch, target) in object {
                guard let t = target.stringValue, !t.isEmpty else { throw fail("route '\(branch)' must name a step") }
                if branch == "default" { defaultRoute = t } else { routes[branch] = t }
            }
        }
        var retry = Workflow.Retry()
        if let r = o["retries"] {
            guard let ro = r.objectValue, ro.keys.allSatisfy(["max", "backoff_ms", "multiplier"].contains) else {
                throw fail("field 'retries' must be an object with max, backoff_ms, multiplier")
            }
            guard let max = ro["max"]?.intValue, (0...10).contains(max) else { throw fail("retries.max must be 0 to 10") }
            retry.maximum = Int(max)
            if let b = ro["backoff_ms"] {
                guard let ms = b.intValue, (0...600_000).contains(ms) else { throw fail("retries.backoff_ms must be 0 to 600000") }
                retry.backoff = .milliseconds(ms)
            }
            if let m = ro["multiplier"] {
                guard let x = m.doubleValue, x >= 1, x <= 10 else { throw fail("retries.multiplier must be 1 to 10") }
                retry.multiplier = x
            }
        }
        self.init(
            name: name, skill: skill, config: o["config"] ?? .object([:]), inputFrom: try string("input_from"), routes: routes,
            defaultRoute: defaultRoute, timeout: try int("timeout_ms", 1...3_600_000).map { .milliseconds($0) }, retry: retry,
            onError: try choice("on_error", Workflow.ErrorAction.self, default: .halt), errorRoute: try string("error_route"),
            onCircuitOpen: try choice("on_circuit_open", Workflow.CircuitOpenAction.self, default: .halt),
            fallbackSkill: try string("fallback_skill"),
            onMissingSkill: try choice("on_missing_skill", Workflow.MissingSkillAction.self, default: .halt),
            maximumVisits: try int("max_visits", 1...10_000).map(Int.init))
    }

    var json: JSONValue {
        var o: [String: JSONValue] = [
            "name": .string(name), "skill": .string(skill), "config": config, "on_error": .string(onError.rawValue),
            "on_circuit_open": .string(onCircuitOpen.rawValue), "on_missing_skill": .string(onMissingSkill.rawValue),
        ]
        if let inputFrom { o["input_from"] = .string(inputFrom) }
        var r = routes.mapValues(JSONValue.string)
        if let defaultRoute { r["default"] = .string(defaultRoute) }
        if !r.isEmpty { o["routes"] = .object(r) }
        if let timeout { o["timeout_ms"] = .int(Int64(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)) }
        if retry != Workflow.Retry() {
            let ms = retry.backoff.components.seconds * 1000 + retry.backoff.components.attoseconds / 1_000_000_000_000_000
            o["retries"] = .object(["max": .int(Int64(retry.maximum)), "backoff_ms": .int(ms), "multiplier": .double(retry.multiplier)])
        }
        if let errorRoute { o["error_route"] = .string(errorRoute) }
        if let fallbackSkill { o["fallback_skill"] = .string(fallbackSkill) }
        if let maximumVisits { o["max_visits"] = .int(Int64(maximumVisits)) }
        return .object(o)
    }
}
