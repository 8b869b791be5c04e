extension Workflow {
    /// Checks everything a run relies on and returns every problem found, each naming its step.
    ///
    /// Problems: duplicate step names; a skill or fallback skill the registry does not hold (unless the step
    /// skips missing skills); a route, error route or `input_from` to no step; `route` without an error
    /// route; `fallback` without a fallback skill; a step no path from the first step reaches; a loop in
    /// which no step sets `max_visits`; a schedule that does not parse.
    /// - Parameter registry: The skills; `nil` skips the skill checks.
    /// - Returns: The problems, empty when the workflow is valid.
    public func validate(registry: SkillRegistry?) -> [String] {
        var problems = [String]()
        var index = [String: Int]()
        for (i, step) in steps.enumerated() {
            if index[step.name] != nil { problems.append("step '\(step.name)': the name is used twice") } else { index[step.name] = i }
        }
        func exists(_ target: String) -> Bool { target == Self.end || index[target] != nil }
        for step in steps {
            let label = "step '\(step.name)'"
            if let registry {
                if registry.entry(step.skill) == nil, step.onMissingSkill != .skip {
                    problems.append("\(label): unknown skill '\(step.skill)'")
                }
                if let fallback = step.fallbackSkill, registry.entry(fallback) == nil {
                    problems.append("\(label): unknown fallback skill '\(fallback)'")
                }
            }
            for (branch, target) in step.routes.sorted(by: { $0.key < $1.key }) where !exists(target) {
                problems.append("\(label): route '\(branch)' goes to no step ('\(target)')")
            }
            if let target = step.defaultRoute, !exists(target) { problems.append("\(label): the default route goes to no step ('\(target)')") }
            if step.onError == .route {
                if let target = step.errorRoute {
                    if !exists(target) { problems.append("\(label): the error route goes to no step ('\(target)')") }
                } else {
                    problems.append("\(label): on_error is 'route' but error_route is missing")
                }
            }
            if step.onCircuitOpen == .fallback, step.fallbackSkill == nil {
                problems.append("\(label): on_circuit_open is 'fallback' but fallback_skill is missing")
            }
            if let source = step.inputFrom, index[source] == nil { problems.append("\(label): input_from names no step ('\(source)')") }
        }
        guard problems.isEmpty || !steps.isEmpty else { return problems }
        // Reachability from the first step.
        var reached = Set<Int>([0])
        var frontier = [0]
        while let i = frontier.popLast() {
            for target in successors(of: i) {
                if let j = index[target], reached.insert(j).inserted { frontier.append(j) }
            }
        }
        for (i, step) in steps.enumerated() where !reached.contains(i) {
            problems.append("step '\(step.name)': no path from the first step reaches it")
        }
        // Loops: every strongly connected component with a cycle needs a bounded step.
        for component in stronglyConnectedComponents(index: index) {
            let names = component.map { steps[$0].name }
            let cyclic = component.count > 1 || successors(of: component[0]).contains(steps[component[0]].name)
            if cyclic, !component.contains(where: { steps[$0].maximumVisits != nil }) {
                problems.append("step '\(names.sorted()[0])': loop through \(names.sorted().joined(separator: ", ")) has no max_visits bound")
            }
        }
        if let schedule {
            do {
                _ = try CronSchedule(schedule, timeZone: timeZone ?? "UTC")
            } catch {
                problems.append("schedule: \(error.reason)")
            }
        }
        return problems
    }

    /// Tarjan's algorithm over the step graph.
    private func stronglyConnectedComponents(index: [String: Int]) -> [[Int]] {
        var order = [Int](repeating: -1, count: steps.count)
        var low = [Int](repeating: 0, count: steps.count)
        var onStack = [Bool](repeating: false, count: steps.count)
        var stack = [Int]()
        var counter = 0
        var components = [[Int]]()
        func visit(_ v: Int) {
            order[v] = counter
            low[v] = counter
            counter += 1
            stack.append(v)
            onStack[v] = true
            for target in successors(of: v) {
                guard let w = index[target] else { continue }
                if order[w] < 0 {
                    visit(w)
                    low[v] = min(low[v], low[w])
                } else if onStack[w] {
                    low[v] = min(low[v], order[w])
                }
            }
            if low[v] == order[v] {
                var component = [Int]()
                while let w = stack.popLast() {
                    onStack[w] = false
                    component.append(w)
                    if w == v { break }
                }
                components.append(component)
            }
        }
        for v in steps.indices where order[v] < 0 { visit(v) }
        return components
    }
}
