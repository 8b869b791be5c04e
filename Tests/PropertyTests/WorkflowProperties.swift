import ClawWorkflow
import Foundation
import PropertyBased
import Synchronization
import Testing

/// Invariants of the one path: tokens, sanitization and chain depth, on random skills and workflows.
@Suite("Workflow properties")
struct WorkflowProperties {
    static let ring = try! KeyRing(secretKeyBase: "workflow-property-secret-key-base-0123456789abcdef")
    static let permissionNames = ["llm", "web_read", "memory", "send_message"]
    static let trigger = Trigger(callerType: .chat, identity: "user")

    static func runtime(_ registry: SkillRegistry, maximumChainDepth: Int = 3) -> SkillRuntime {
        SkillRuntime(
            registry: registry, keyRing: ring, policy: PolicyEngine(rules: []), audit: nil,
            configuration: .init(maximumChainDepth: maximumChainDepth))
    }

    final class Observations: Sendable {
        let values = Mutex([String]())
        func add(_ s: String) { values.withLock { $0.append(s) } }
        var all: [String] { values.withLock { $0 } }
    }

    @Test("A running skill's token verifies exactly for the permissions it and every caller in its chain declared")
    func tokensMatchDeclarations() async {
        let skillCount = 5
        await propertyCheck(count: 80, input: Gen.int(in: 0...15).array(of: skillCount), Gen.int(in: 0...Int.max)) { masks, seed in
            var g = SplitMix(seed: UInt64(seed))
            let registry = SkillRegistry()
            let violations = Observations()
            let declared: [Set<String>] = masks.map { mask in Set(Self.permissionNames.enumerated().filter { mask & (1 << $0.offset) != 0 }.map(\.element)) }
            // Each skill may call the next one; skill i's effective permissions are the intersection along the chain.
            let calls = (0..<skillCount).map { _ in g.next() % 2 == 0 }
            for i in 0..<skillCount {
                let next = i + 1 < skillCount && calls[i] ? "s\(i + 1)" : nil
                let expected = (0...i).reduce(Set(Self.permissionNames)) { $0.intersection(declared[$1]) }
                try registry.register(ClosureSkill(SkillDescriptor(name: "s\(i)", permissions: Array(declared[i]).sorted())) { input, context in
                    for p in Self.permissionNames {
                        let allowed = (try? await context.authorize(p)) != nil
                        if allowed != expected.contains(p) { violations.add("s\(i) \(p): \(allowed)") }
                    }
                    if let next { _ = try await context.callSkill(next, input: input) }
                    return .null
                })
            }
            _ = try await Self.runtime(registry, maximumChainDepth: skillCount).run(skill: "s0", input: .null, trigger: Self.trigger)
            #expect(violations.all.isEmpty, "\(violations.all)")
        }
    }

    @Test("Chain depth never exceeds the limit, whatever skills call")
    func depthBounded() async {
        await propertyCheck(count: 100, input: Gen.int(in: 0...4), Gen.int(in: 1...4), Gen.int(in: 0...Int.max)) { limit, fanout, seed in
            let registry = SkillRegistry()
            let depths = Observations()
            for i in 0..<3 {
                try registry.register(ClosureSkill(SkillDescriptor(name: "r\(i)")) { input, context in
                    depths.add(String(context.chainDepth))
                    var g = SplitMix(seed: UInt64(seed) &+ UInt64(context.chainDepth * 7 + i))
                    for _ in 0..<Int(g.next() % UInt64(fanout)) + 1 {
                        _ = try? await context.callSkill("r\(Int(g.next() % 3))", input: input)
                    }
                    return .null
                })
            }
            _ = try? await Self.runtime(registry, maximumChainDepth: limit).run(skill: "r0", input: .null, trigger: Self.trigger)
            let observed = depths.all.compactMap(Int.init)
            #expect(observed.allSatisfy { $0 <= limit })
            #expect(observed.contains(limit))
        }
    }

    @Test("Skipped, routed and fallback steps never let unsanitized external output through")
    func sanitizationHolds() async {
        await propertyCheck(count: 60, input: Gen.int(in: 0...Int.max).array(of: 1...6)) { seeds in
            let registry = SkillRegistry()
            try registry.register(ClosureSkill(SkillDescriptor(name: "dirty", isExternal: true)) { _, _ in
                .object(["text\u{200B}": .string("a\u{202E}b\u{E0041}"), "list": .array([.string("\u{FEFF}x")])])
            })
            try registry.register(ClosureSkill(SkillDescriptor(name: "fails", isExternal: true)) { _, _ in
                struct Boom: Error {}
                throw Boom()
            })
            try registry.register(ClosureSkill(SkillDescriptor(name: "blocked", isExternal: true)) { _, _ in .string("never\u{200B}") })
            try BuiltinSkills.register(in: registry)
            let runtime = Self.runtime(registry)
            runtime.breaker(for: "blocked").forceOpen()
            var steps = [JSONValue]()
            for (i, seed) in seeds.enumerated() {
                var g = SplitMix(seed: UInt64(seed))
                let skill = ["dirty", "fails", "blocked", "echo"][Int(g.next() % 4)]
                var step: [String: JSONValue] = ["name": .string("s\(i)"), "skill": .string(skill)]
                step["on_error"] = .string(["skip", "halt"][Int(g.next() % 2)])
                switch g.next() % 3 {
                case 0: step["on_circuit_open"] = .string("skip")
                case 1: step["on_circuit_open"] = .string("fallback"); step["fallback_skill"] = .string("dirty")
                default: break
                }
                steps.append(.object(step))
            }
            let workflow = try Workflow(json: .object(["name": .string("p"), "steps": .array(steps)]))
            let record = try await WorkflowExecutor(runtime: runtime).run(workflow, input: .string("start"), trigger: Self.trigger)
            let text = record.output?.canonicalText ?? ""
            #expect(!text.unicodeScalars.contains { [0x200B, 0x202E, 0xFEFF, 0xE0041].contains($0.value) }, "\(text)")
        }
    }
}
