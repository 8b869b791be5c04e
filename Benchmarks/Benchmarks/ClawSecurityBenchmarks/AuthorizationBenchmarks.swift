import Benchmark
import ClawSecurity
import Foundation

#if canImport(CCryptoBoringSSL)
import CCryptoBoringSSL
#endif

// Authorization benchmarks: capability tokens (macaroons) and the policy engine. Their peers (pymacaroons,
// cedarpy, casbin) are measured in the same session by Benchmarks/peers/bench_authz_peers.py, which builds
// the same tokens and the same policy scenario; keep the two files in step.
//
// Every benchmark here uses the default configuration of ClawSecurityBenchmarks.swift (1,000 operations per
// measured iteration, per-operation figures), except the policy load, which is one operation per iteration.

// MARK: - Capability tokens

/// The fixed token inputs, the same bytes as bench_authz_peers.py's KEY / IDENTIFIER / LOCATION / CAVEATS.
enum TokenScenario {
    static let rootKey = Array("claw-benchmark-capability-root-key-0123456789abcdef".utf8)
    static let identifier = "key-id-2026-11/agent-7f3a"
    static let location = CapabilityToken.defaultLocation  // "claw", which the verifier insists on

    /// Five Claw caveats. Their texts are exactly bench_authz_peers.py's CAVEATS:
    /// `permissions = web_read,web_fetch`, `skill = researcher`, `workflow_run = wf-42`, `chain_depth <= 3`,
    /// `expires < 2099-01-01T00:00:00Z`.
    static let caveats: [CaveatPredicate] = [
        .permissions(["web_read", "web_fetch"]),
        .skill("researcher"),
        .workflowRun("wf-42"),
        .maximumChainDepth(3),
        .expires(Date(timeIntervalSince1970: 4_070_908_800)),  // 2099-01-01T00:00:00Z
    ]

    /// The verifier's clock: 2026-06-01T00:00:00Z.
    static let now = Date(timeIntervalSince1970: 1_780_272_000)

    /// A request every caveat allows.
    static let request = CapabilityRequest(permission: "web_read", skill: "researcher", chainDepth: 1, workflowRun: "wf-42")

    /// The V2 text both sides produce for this token.
    static let expectedV2 =
        "AgEEY2xhdwIZa2V5LWlkLTIwMjYtMTEvYWdlbnQtN2YzYQACIHBlcm1pc3Npb25zID0gd2ViX3JlYWQsd2ViX2ZldGNoAAISc2tpbGwgPSByZXNl"
        + "YXJjaGVyAAIUd29ya2Zsb3dfcnVuID0gd2YtNDIAAhBjaGFpbl9kZXB0aCA8PSAzAAIeZXhwaXJlcyA8IDIwOTktMDEtMDFUMDA6MDA6MDBaAAAG"
        + "IFS-QQyFCFYLNdWG21w8-bI2li6drO3-ZkhkegI1eb-a"

    static func mint() -> CapabilityToken {
        CapabilityToken.mint(rootKey: rootKey, identifier: identifier, caveats: caveats, location: location)
    }
}

// MARK: - Policy scenario

/// The peers' policy scenario (bench_authz_peers.py, after /work/shared/peers/bench_policy.py), mapped onto
/// Claw's rule types.
///
/// Peers: N permission-per-principal permits `(agent, action, resource)` (about 10 per agent), plus 3 forbids
/// that override permits: `exec` on `shell` for anyone, anything on `secrets` for `agent0`, `write` on `res3`
/// for anyone. 8 requests are cycled: 4 allowed by a permit, 2 forbidden although a permit matches, 2 with
/// no matching permit.
///
/// Claw: rules name permissions, not principals, and the engine allows what no rule decides (the capability
/// token has already limited the call). So:
/// * every permit `(agent, action, resource)` becomes `permission_override` allow for the permission
///   `action:resource` (every permit in the scenario names its own resource, except `secrets` and `shell`,
///   which have one permit each, so no two permits share a permission; the agent is not in the rule);
/// * the forbids become deny rules at the same priority, where Claw's "deny wins within a priority" mirrors
///   "forbid overrides permit": f0 `permission_override` deny `exec:shell`; f1 `mcp_restriction` deny of
///   tools matching `*:secrets` (any action on `secrets`, by any MCP caller, not only `agent0`); f2
///   `permission_override` deny `write:res3`;
/// * four more rules exercise the other types on the decision path: `rate_limit` on request 1's permission
///   (1,000 calls per 1 s per caller; the clock advances 10 ms per decision, so about 12 calls per window:
///   never limited), `time_window` on request 2's permission (deny 16:00–23:00 UTC; the clock starts at
///   00:00 and advances at most 13.9 h in a run: never inside), `chain_restriction` on callers `agent*`
///   deeper than 4 (requests are at depth 0–2) and `mcp_restriction` deny of tools `admin:*`.
///
/// All N + 7 rules have priority 0. Each request is an MCP tool call by the agent, with tool = permission =
/// `action:resource`, so the two `mcp_restriction` globs run on every decision. Claw decides the 8 requests
/// allow ×4, deny ×2, and default-allow ×2 for the 2 with no permit, which the peers deny; the closed-world
/// variant adds two global `time_window` rules at priority −1 that together deny all 24 hours, and then
/// decides all 8 as the peers do.
enum PolicyScenario {
    typealias Triple = (agent: String, action: String, resource: String)

    static let actions = ["read", "write", "call", "list"]

    static func permits(_ n: Int) -> [Triple] {
        let agents = max(1, n / 10)
        var out: [Triple] = [("agent0", "read", "secrets"), ("agent\(1 % agents)", "exec", "shell")]
        for i in 2..<n { out.append(("agent\(i % agents)", actions[i % 4], "res\(i)")) }
        return out
    }

    /// (principal or nil for any, action or nil for any, resource)
    static let forbids: [(String?, String?, String)] = [(nil, "exec", "shell"), ("agent0", nil, "secrets"), (nil, "write", "res3")]

    static func requests(_ n: Int) -> [Triple] {
        let ps = permits(n)
        var pick = [ps[2], ps[n / 3], ps[n / 2], ps[n - 1]].filter { !($0.action == "write" && $0.resource == "res3") }
        while pick.count < 4 { pick.append(ps[2 + pick.count % max(1, n - 2)]) }
        var reqs = pick
        reqs += [ps[0], ps[1]]  // forbidden over a permit
        reqs += [("agent0", "list", "res999999"), ("nobody", "read", ps[2].resource)]  // no permit
        return Array(reqs.prefix(8))
    }

    /// The peers' answer (forbid overrides permit, default deny).
    static func reference(_ n: Int, _ r: Triple) -> Bool {
        for (fs, fa, fo) in forbids where (fs == nil || fs == r.agent) && (fa == nil || fa == r.action) && fo == r.resource {
            return false
        }
        return permits(n).contains { $0 == r }
    }

    static func permission(_ r: Triple) -> String { r.action + ":" + r.resource }

    static let utc = TimeZone(identifier: "UTC")!

    /// The rules as JSON objects, in AlexClaw's policy file format.
    static func ruleObjects(_ n: Int, closedWorld: Bool = false) -> [JSONValue] {
        func rule(_ id: String, _ type: String, _ config: [String: JSONValue], priority: Int64 = 0) -> JSONValue {
            .object(["id": .string(id), "type": .string(type), "priority": .int(priority), "enabled": .bool(true),
                     "config": .object(config)])
        }
        var out = [JSONValue]()
        for (i, p) in permits(n).enumerated() {
            out.append(rule("p\(i)", "permission_override", ["permission": .string(permission(p)), "action": .string("allow")]))
        }
        out.append(rule("f0", "permission_override", ["permission": .string("exec:shell"), "action": .string("deny")]))
        out.append(rule("f1", "mcp_restriction", ["tool_pattern": .string("*:secrets"), "action": .string("deny")]))
        out.append(rule("f2", "permission_override", ["permission": .string("write:res3"), "action": .string("deny")]))
        let reqs = requests(n)
        out.append(rule("x-rate", "rate_limit", ["permission": .string(permission(reqs[0])), "max_calls": .int(1000),
                                                 "window_seconds": .int(1)]))
        out.append(rule("x-time", "time_window", ["permission": .string(permission(reqs[1])), "deny_start_hour": .int(16),
                                                  "deny_end_hour": .int(23), "time_zone": .string("UTC")]))
        out.append(rule("x-chain", "chain_restriction", ["caller_pattern": .string("agent*"), "max_depth": .int(4)]))
        out.append(rule("x-mcp", "mcp_restriction", ["tool_pattern": .string("admin:*"), "action": .string("deny")]))
        if closedWorld {
            // Claw has no default-deny rule; two time windows that cover the whole day stand in for one.
            out.append(rule("z-closed-am", "time_window", ["deny_start_hour": .int(0), "deny_end_hour": .int(12)], priority: -1))
            out.append(rule("z-closed-pm", "time_window", ["deny_start_hour": .int(12), "deny_end_hour": .int(0)], priority: -1))
        }
        return out
    }

    static func policyFile(_ n: Int, closedWorld: Bool = false) -> String {
        JSONValue.array(ruleObjects(n, closedWorld: closedWorld)).canonicalText
    }

    /// The same rules built in code, checked against the file's.
    static func rules(_ n: Int, closedWorld: Bool = false) -> [PolicyRule] {
        var out = [PolicyRule]()
        for (i, p) in permits(n).enumerated() {
            out.append(PolicyRule(id: "p\(i)", kind: .permissionOverride(permission: permission(p), action: .allow, expiresAt: nil)))
        }
        out.append(PolicyRule(id: "f0", kind: .permissionOverride(permission: "exec:shell", action: .deny, expiresAt: nil)))
        out.append(PolicyRule(id: "f1", kind: .mcpRestriction(toolPattern: Glob("*:secrets"), action: .deny)))
        out.append(PolicyRule(id: "f2", kind: .permissionOverride(permission: "write:res3", action: .deny, expiresAt: nil)))
        let reqs = requests(n)
        out.append(PolicyRule(id: "x-rate", kind: .rateLimit(permission: permission(reqs[0]), maxCalls: 1000, window: 1)))
        out.append(PolicyRule(id: "x-time", kind: .timeWindow(permission: permission(reqs[1]), denyStartHour: 16, denyEndHour: 23, timeZone: utc)))
        out.append(PolicyRule(id: "x-chain", kind: .chainRestriction(callerPattern: Glob("agent*"), maxDepth: 4)))
        out.append(PolicyRule(id: "x-mcp", kind: .mcpRestriction(toolPattern: Glob("admin:*"), action: .deny)))
        if closedWorld {
            out.append(PolicyRule(id: "z-closed-am", priority: -1, kind: .timeWindow(permission: nil, denyStartHour: 0, denyEndHour: 12, timeZone: utc)))
            out.append(PolicyRule(id: "z-closed-pm", priority: -1, kind: .timeWindow(permission: nil, denyStartHour: 12, denyEndHour: 0, timeZone: utc)))
        }
        return out
    }

    /// 2026-11-26T00:00:00Z; the decision clock starts here and advances `step` per decision.
    static let start = Date(timeIntervalSince1970: 1_795_651_200)
    static let step: TimeInterval = 0.01

    static func contexts(_ n: Int) -> [AuthContext] {
        requests(n).enumerated().map { j, r in
            AuthContext(
                caller: r.agent, callerType: .mcp, permission: permission(r), tool: permission(r), chainDepth: j % 3,
                timestamp: start)
        }
    }

    /// Claw's expected answers: the peers' answers, except that the open-world set allows the 2 requests
    /// no permit matches.
    static func expected(_ n: Int, closedWorld: Bool) -> [Bool] {
        requests(n).enumerated().map { j, r in closedWorld || j < 6 ? reference(n, r) : true }
    }
}

/// The decision clock of one policy benchmark: it only moves forward, across iterations.
final class DecisionClock: @unchecked Sendable {
    var tick = 0
}

/// Registers one "8 contexts cycled" policy benchmark; every decision is checked against `expected`.
func policyBenchmark(_ name: String, engine: PolicyEngine, contexts: [AuthContext], expected: [Bool]) {
    precondition(contexts.count == 8 && expected.count == 8)
    let clock = DecisionClock()
    Benchmark(name) { benchmark in
        var tick = clock.tick
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            let j = tick & 7
            var context = contexts[j]
            context.timestamp = PolicyScenario.start.addingTimeInterval(Double(tick) * PolicyScenario.step)
            let decision = engine.evaluate(context)
            if decision.isAllowed != expected[j] { fatalError("\(name): request \(j) decided \(decision)") }
            blackHole(decision)
            tick += 1
        }
        cpu.stop(benchmark)
        clock.tick = tick
    }
}

func registerAuthorizationBenchmarks() {
    // MARK: Capability tokens (macaroons), 5 caveats

    let token = TokenScenario.mint()
    let v2 = token.serialized()
    let v1 = token.serialized(.v1)
    let v2JSON = token.serialized(.v2JSON)
    let verifier = CapabilityVerifier(rootKey: TokenScenario.rootKey, clock: .fixed(TokenScenario.now))
    // The very token bench_authz_peers.py builds with pymacaroons (it asserts the same text).
    precondition(v2 == TokenScenario.expectedV2)
    precondition(token.caveatTexts == [
        "permissions = web_read,web_fetch", "skill = researcher", "workflow_run = wf-42", "chain_depth <= 3",
        "expires < 2099-01-01T00:00:00Z",
    ])
    for text in [v2, v1, v2JSON] {
        let decoded = try! CapabilityToken(decoding: text)
        precondition(decoded == token)
        _ = try! verifier.verify(decoded, for: TokenScenario.request)
    }
    // A request one caveat refuses must fail, or the benchmark would time the wrong path.
    precondition((try? verifier.verify(token, for: CapabilityRequest(permission: "llm", skill: "researcher", chainDepth: 1, workflowRun: "wf-42"))) == nil)

    Benchmark("CapabilityToken.mint 5 caveats + serialize V2") { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(TokenScenario.mint().serialized())
        }
        cpu.stop(benchmark)
    }

    Benchmark("CapabilityToken.mint 5 caveats (no serialize)") { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(TokenScenario.mint())
        }
        cpu.stop(benchmark)
    }

    Benchmark("CapabilityToken.serialized V2 (5 caveats)") { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(token.serialized())
        }
        cpu.stop(benchmark)
    }

    Benchmark("CapabilityVerifier.verify 5 caveats (decoded token)") { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(try verifier.verify(token, for: TokenScenario.request))
        }
        cpu.stop(benchmark)
    }

    Benchmark("CapabilityToken(decoding:) V2 (5 caveats)") { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(try CapabilityToken(decoding: v2))
        }
        cpu.stop(benchmark)
    }

    Benchmark("CapabilityToken(decoding:) V1 (5 caveats)") { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(try CapabilityToken(decoding: v1))
        }
        cpu.stop(benchmark)
    }

    Benchmark("CapabilityToken(decoding:) V2 JSON (5 caveats)") { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(try CapabilityToken(decoding: v2JSON))
        }
        cpu.stop(benchmark)
    }

    Benchmark("CapabilityToken decode V2 + verify 5 caveats") { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(try verifier.verify(try CapabilityToken(decoding: v2), for: TokenScenario.request))
        }
        cpu.stop(benchmark)
    }

    // MARK: Diagnostics: the parts of verify and decode

    // Macaroon(decoding:) without CapabilityToken's Foundation whitespace trimming.
    Benchmark("diagnostic: Macaroon(decoding:) V2 (5 caveats, no trimming)") { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(try Macaroon(decoding: v2))
        }
        cpu.stop(benchmark)
    }

    Benchmark("diagnostic: Macaroon(decoding:) V1 (5 caveats, no trimming)") { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(try Macaroon(decoding: v1))
        }
        cpu.stop(benchmark)
    }

    Benchmark("diagnostic: Macaroon(decoding:) V2 JSON (5 caveats, no trimming)") { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(try Macaroon(decoding: v2JSON))
        }
        cpu.stop(benchmark)
    }

    // The JSON parse inside the V2 JSON decode, with the limits Macaroon(decoding:) passes.
    let v2JSONBytes = Array(v2JSON.utf8)
    Benchmark("diagnostic: JSONValue(parsing:) of the V2 JSON token") { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(try JSONValue(parsing: v2JSONBytes, limits: .init(maximumBytes: 64 * 1024, maximumDepth: 4)))
        }
        cpu.stop(benchmark)
    }

    // CapabilityToken(decoding:) trims white space with Foundation before Macaroon(decoding:); this is that call alone.
    Benchmark("diagnostic: String.trimmingCharacters(in: .whitespacesAndNewlines), V2 token") { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(v2.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        cpu.stop(benchmark)
    }

    // What CapabilityVerifier does per caveat besides the HMAC: parse the caveat's bytes and check it.
    let caveatBytes = token.macaroon.caveats.map(\.identifier)
    Benchmark("diagnostic: CaveatPredicate(utf8:) + check, 5 caveats") { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            for bytes in caveatBytes {
                blackHole(try CaveatPredicate(utf8: bytes).check(TokenScenario.request, now: TokenScenario.now))
            }
        }
        cpu.stop(benchmark)
    }

    #if canImport(CCryptoBoringSSL)
    // The chain verify must compute: key derivation, identifier, 5 caveats = 7 HMAC-SHA256, one-shot BoringSSL
    // into fixed buffers, no allocation: the floor under verify (and under mint, which computes the same chain).
    let identifierBytes = Array(TokenScenario.identifier.utf8)
    let generatorKey = Array("macaroons-key-generator".utf8)
    let rootKey = TokenScenario.rootKey
    var floorCheck = [UInt8](repeating: 0, count: 32)
    func hmacChain(into sig: inout [UInt8]) {
        var length: UInt32 = 0
        var key = [UInt8](repeating: 0, count: 32)
        CCryptoBoringSSL_HMAC(CCryptoBoringSSL_EVP_sha256(), generatorKey, generatorKey.count, rootKey, rootKey.count, &key, &length)
        CCryptoBoringSSL_HMAC(CCryptoBoringSSL_EVP_sha256(), key, 32, identifierBytes, identifierBytes.count, &sig, &length)
        for caveat in caveatBytes {
            CCryptoBoringSSL_HMAC(CCryptoBoringSSL_EVP_sha256(), sig, 32, caveat, caveat.count, &key, &length)
            swap(&key, &sig)
        }
    }
    hmacChain(into: &floorCheck)
    precondition(floorCheck == token.macaroon.signature)

    Benchmark("diagnostic: BoringSSL HMAC-SHA256 x7 (the chain of 5 caveats)") { benchmark in
        var sig = [UInt8](repeating: 0, count: 32)
        var key = [UInt8](repeating: 0, count: 32)
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            var length: UInt32 = 0
            CCryptoBoringSSL_HMAC(CCryptoBoringSSL_EVP_sha256(), generatorKey, generatorKey.count, rootKey, rootKey.count, &key, &length)
            CCryptoBoringSSL_HMAC(CCryptoBoringSSL_EVP_sha256(), key, 32, identifierBytes, identifierBytes.count, &sig, &length)
            for caveat in caveatBytes {
                CCryptoBoringSSL_HMAC(CCryptoBoringSSL_EVP_sha256(), sig, 32, caveat, caveat.count, &key, &length)
                swap(&key, &sig)
            }
            blackHole(sig)
        }
        cpu.stop(benchmark)
    }
    #endif

    // MARK: Policy decisions, N = 10 / 100 / 1,000 permits (+ 7 rules)

    for n in [10, 100, 1000] {
        let file = PolicyScenario.policyFile(n)
        let rules = try! PolicyRule.parseFile(file)
        precondition(rules == PolicyScenario.rules(n))
        let reqs = PolicyScenario.requests(n)
        let peerAnswers = reqs.map { PolicyScenario.reference(n, $0) }
        precondition(peerAnswers == [true, true, true, true, false, false, false, false])
        let expected = PolicyScenario.expected(n, closedWorld: false)
        precondition(expected == [true, true, true, true, false, false, true, true])
        policyBenchmark(
            "PolicyEngine.evaluate N=\(n) (\(rules.count) rules, 8-request mix)",
            engine: PolicyEngine(rules: rules), contexts: PolicyScenario.contexts(n), expected: expected)
    }

    // The same at N = 1,000 with a stand-in for default deny, so that all 8 answers equal the peers'.
    let closedRules = try! PolicyRule.parseFile(PolicyScenario.policyFile(1000, closedWorld: true))
    precondition(closedRules == PolicyScenario.rules(1000, closedWorld: true))
    policyBenchmark(
        "PolicyEngine.evaluate N=1000 closed world (\(closedRules.count) rules, 8-request mix)",
        engine: PolicyEngine(rules: closedRules), contexts: PolicyScenario.contexts(1000),
        expected: PolicyScenario.expected(1000, closedWorld: true))

    // Diagnostics: the fixed cost of one decision, and one glob.
    // One permission_override allow rule and a core caller: the lock, the index lookup, the Decision and its
    // reason strings, and nothing else.
    let oneRule = PolicyEngine(rules: [PolicyRule(id: "p0", kind: .permissionOverride(permission: "read:res500", action: .allow, expiresAt: nil))])
    let oneContext = AuthContext(caller: "agent0", callerType: .core, permission: "read:res500", timestamp: PolicyScenario.start)
    precondition(oneRule.evaluate(oneContext).ruleID == "p0")
    Benchmark("diagnostic: PolicyEngine.evaluate, 1 permission_override rule, core caller") { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(oneRule.evaluate(oneContext))
        }
        cpu.stop(benchmark)
    }

    let secretsGlob = Glob("*:secrets")
    precondition(!secretsGlob.matches("read:res500") && secretsGlob.matches("read:secrets"))
    Benchmark("diagnostic: Glob *:secrets against read:res500 (no match)") { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(secretsGlob.matches("read:res500"))
        }
        cpu.stop(benchmark)
    }

    // What a time_window rule computes before it compares hours: the zone's offset at the call's time.
    Benchmark("diagnostic: TimeZone(UTC).secondsFromGMT(for:) (one time_window check)") { benchmark in
        let zone = PolicyScenario.utc
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(zone.secondsFromGMT(for: PolicyScenario.start))
        }
        cpu.stop(benchmark)
    }

    // Loading 1,007 rules: parse the policy file and index it (Cedar's counterpart: PolicySet.from_str).
    let file1000 = PolicyScenario.policyFile(1000)
    Benchmark(
        "PolicyRule.parseFile + PolicyEngine(rules:) N=1000 (1007 rules)",
        configuration: .init(scalingFactor: .one, maxIterations: 1_000)
    ) { benchmark in
        let cpu = ThreadCPUClock.start()
        for _ in benchmark.scaledIterations {
            blackHole(PolicyEngine(rules: try PolicyRule.parseFile(file1000)))
        }
        cpu.stop(benchmark)
    }
}
