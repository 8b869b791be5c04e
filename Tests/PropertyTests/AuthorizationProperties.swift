import ClawSecurity
import Crypto
import Foundation
import PropertyBased
import Synchronization
import Testing

/// Invariants of capability tokens, the policy engine, rate limits and the audit chain.
@Suite("Authorization properties")
struct AuthorizationProperties {
    static let rootKey = Array("property-root-key-0123456789abcdef".utf8)
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let verifier = CapabilityVerifier(rootKey: rootKey, clock: .fixed(now))
    static let permissionNames = ["web_read", "llm", "shell", "memory", "send"]
    static let skills = ["search", "summarize", "notify"]
    static let runs = ["run-1", "run-2"]

    /// A random caveat drawn from Claw's language.
    static let caveats = Gen.int(in: 0...Int.max).map { seed -> CaveatPredicate in
        var g = SplitMix(seed: UInt64(seed))
        switch g.next() % 5 {
        case 0:
            let count = Int(g.next() % 3) + 1
            return .permissions((0..<count).map { _ in permissionNames[Int(g.next() % UInt64(permissionNames.count))] })
        case 1: return .maximumChainDepth(Int(g.next() % 4))
        case 2: return .expires(now.addingTimeInterval(Double(Int(g.next() % 7200)) - 3600))
        case 3: return .workflowRun(runs[Int(g.next() % 2)])
        default: return .skill(skills[Int(g.next() % 3)])
        }
    }

    /// Every request over the small universe the caveats talk about.
    static let requests: [CapabilityRequest] = permissionNames.flatMap { p in
        (0...4).flatMap { depth in
            ([nil] + skills.map(Optional.some)).flatMap { skill in
                ([nil] + runs.map(Optional.some)).map { run in
                    CapabilityRequest(permission: p, skill: skill, chainDepth: depth, workflowRun: run)
                }
            }
        }
    }

    static func authorized(_ token: CapabilityToken) -> Set<CapabilityRequest> {
        Set(requests.filter { (try? verifier.verify(token, for: $0)) != nil })
    }

    @Test("Attenuation never widens: a child authorizes a subset of its parent's requests")
    func attenuationNeverWidens() async {
        await propertyCheck(count: 60, input: Self.caveats.array(of: 0...4), Self.caveats.array(of: 1...4)) {
            parentCaveats, extra throws in
            let parent = CapabilityToken.mint(rootKey: Self.rootKey, identifier: "p", caveats: parentCaveats)
            let child = parent.attenuated(extra)
            let parentSet = Self.authorized(parent)
            let childSet = Self.authorized(child)
            #expect(childSet.isSubset(of: parentSet))
            // Decoding and re-encoding changes nothing.
            #expect(Self.authorized(try CapabilityToken(decoding: child.serialized(.v1))) == childSet)
        }
    }

    @Test("Changing any byte of a token makes it fail")
    func anyByteChanged() async {
        await propertyCheck(count: 300, input: Self.caveats.array(of: 0...5), Gen.int(in: 0...Int.max), Gen.uint8(in: 1...255)) {
            caveats, position, delta in
            let token = CapabilityToken.mint(rootKey: Self.rootKey, identifier: "id", caveats: caveats)
            var bytes = Array(try #require(Base64.decode(token.serialized().utf8, alphabet: .urlSafe)))
            bytes[position % bytes.count] &+= delta
            let request = CapabilityRequest(permission: "web_read")
            switch Result(catching: { () throws(ClawSecurityError) in try Macaroon(binary: bytes) }) {
            case .success(let macaroon):
                #expect(throws: ClawSecurityError.self) { try Self.verifier.verify(CapabilityToken(macaroon: macaroon), for: request) }
            case .failure(let error):
                #expect(error.code == .malformedToken)
            }
        }
    }

    static let rules = Gen.int(in: 0...Int.max).map { seed -> PolicyRule in
        var g = SplitMix(seed: UInt64(seed))
        let id = "r\(g.next() % 1000)"
        let priority = Int(g.next() % 5)
        let permission = permissionNames[Int(g.next() % UInt64(permissionNames.count))]
        let action: PolicyRule.Action = g.next() % 2 == 0 ? .allow : .deny
        switch g.next() % 4 {
        case 0: return PolicyRule(id: id, priority: priority, kind: .permissionOverride(permission: permission, action: action, expiresAt: nil))
        case 1: return PolicyRule(id: id, priority: priority, kind: .mcpRestriction(toolPattern: Glob(["*", "shell*", "web_?ead"][Int(g.next() % 3)]), action: action))
        case 2: return PolicyRule(id: id, priority: priority, kind: .chainRestriction(callerPattern: Glob("*"), maxDepth: Int(g.next() % 3)))
        default:
            let start = Int(g.next() % 24)
            return PolicyRule(id: id, priority: priority, kind: .timeWindow(
                permission: g.next() % 2 == 0 ? nil : permission, denyStartHour: start, denyEndHour: (start + 1 + Int(g.next() % 22)) % 24,
                timeZone: TimeZone(identifier: "UTC")!))
        }
    }

    static let contexts = Gen.int(in: 0...Int.max).map { seed -> AuthContext in
        var g = SplitMix(seed: UInt64(seed))
        let types: [AuthContext.CallerType] = [.core, .mcp, .chat, .workflow]
        return AuthContext(
            caller: "c\(g.next() % 3)", callerType: types[Int(g.next() % 4)],
            permission: permissionNames[Int(g.next() % UInt64(permissionNames.count))],
            tool: ["shell_exec", "web_read", nil][Int(g.next() % 3)], chainDepth: Int(g.next() % 4),
            timestamp: now.addingTimeInterval(Double(g.next() % 86_400)))
    }

    static func unique(_ rules: [PolicyRule]) -> [PolicyRule] {
        var seen = Set<String>()
        return rules.filter { seen.insert($0.id).inserted }
    }

    @Test("Adding a deny rule never turns a denial into an allow, nor any decision into an allow")
    func denyRulesOnlyNarrow() async {
        await propertyCheck(count: 200, input: Self.rules.array(of: 0...12), Self.rules, Self.contexts.array(of: 1...8)) {
            base, extra, contexts in
            let rules = Self.unique(base)
            var deny = extra
            if case .permissionOverride(let p, _, let e) = deny.kind { deny.kind = .permissionOverride(permission: p, action: .deny, expiresAt: e) }
            if case .mcpRestriction(let t, _) = deny.kind { deny.kind = .mcpRestriction(toolPattern: t, action: .deny) }
            deny.id = "added-deny"
            let before = PolicyEngine(rules: rules)
            let after = PolicyEngine(rules: rules + [deny])
            for context in contexts {
                let a = before.evaluate(context)
                let b = after.evaluate(context)
                if !a.isAllowed { #expect(!b.isAllowed) }
            }
        }
    }

    @Test("Random concurrent schedules never get more than max_calls into any window")
    func rateLimitIsExact() async {
        await propertyCheck(count: 40, input: Gen.int(in: 1...5), Gen.int(in: 1...10), Gen.int(in: 0...9).array(of: 1...60)) {
            maxCalls, window, offsets in
            let limiter = RateLimiter()
            let engine = PolicyEngine(rules: [PolicyRule(id: "rl", priority: 1, kind: .rateLimit(permission: nil, maxCalls: maxCalls, window: TimeInterval(window)))], limiter: limiter)
            let admitted = Collector()
            await withTaskGroup(of: Void.self) { group in
                for (i, offset) in offsets.enumerated() {
                    group.addTask {
                        // Calls land at whole seconds in random order across tasks; the window is (t - w, t].
                        let t = Double(offset) + Double(i % 3) * 0.25
                        let context = AuthContext(caller: "c", callerType: .core, permission: "p", timestamp: Self.now.addingTimeInterval(t))
                        if engine.evaluate(context).isAllowed { admitted.append(t) }
                    }
                }
            }
            let times = admitted.values.sorted()
            for t in times {
                let inWindow = times.filter { $0 > t - Double(window) && $0 <= t }.count
                #expect(inWindow <= maxCalls)
            }
        }
    }

    @Test("Any random edit of an audit chain fails verify()")
    func auditEdits() async {
        await propertyCheck(count: 100, input: Gen.int(in: 2...12), Gen.int(in: 0...Int.max), Gen.int(in: 0...4)) {
            count, seed, kind in
            let store = InMemoryAuditStore()
            let log = AuditLog(store: store, key: .init(data: Array(repeating: 7, count: 32)))
            for i in 0..<count {
                try await log.record(event: "e", outcome: "deny", reason: "r\(i)", context: .object(["i": .int(Int64(i))]))
            }
            var entries = try await store.entries()
            var g = SplitMix(seed: UInt64(seed))
            let i = Int(g.next() % UInt64(entries.count))
            switch kind {
            case 0: entries[i] = entries[i].tampered(reason: entries[i].reason + "!")
            case 1: entries.remove(at: i)
            case 2:
                let j = (i + 1 + Int(g.next() % UInt64(entries.count - 1))) % entries.count
                entries.swapAt(i, j)
            case 3: entries[i] = entries[i].tampered(sequence: entries[i].sequence + 1 + g.next() % 5)
            default:
                var mac = entries[i].mac
                mac[Int(g.next() % 32)] ^= 1 << UInt8(g.next() % 8)
                entries[i] = entries[i].tampered(mac: mac)
            }
            store.overwrite(entries)
            await #expect(throws: ClawSecurityError.auditTampered) { try await log.verify() }
        }
    }
}

/// A tiny deterministic generator, seeded by the property framework's inputs.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Collects values from concurrent tasks.
final class Collector: Sendable {
    private let storage = Mutex([Double]())
    func append(_ value: Double) { storage.withLock { $0.append(value) } }
    var values: [Double] { storage.withLock { $0 } }
}
