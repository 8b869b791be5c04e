import ClawSecurity
import Foundation
import Testing

@Suite("Policy engine")
struct PolicyEngineTests {
    static let noon = RFC3339.parse("2026-11-26T12:00:00Z")!

    static func context(
        _ permission: String = "web_read", caller: String = "researcher", type: AuthContext.CallerType = .core,
        tool: String? = nil, depth: Int = 0, at: Date = noon
    ) -> AuthContext {
        AuthContext(caller: caller, callerType: type, permission: permission, tool: tool, chainDepth: depth, timestamp: at)
    }

    static func rules(_ json: String) throws -> [PolicyRule] { try PolicyRule.parseFile(json) }

    @Test("No rules: allowed by default, with no deciding rule")
    func empty() {
        let decision = PolicyEngine(rules: []).evaluate(Self.context())
        #expect(decision.isAllowed)
        #expect(decision.ruleID == nil)
    }

    @Test("Higher priority decides first; deny wins at equal priority; ties are broken by id")
    func ordering() throws {
        let rules = try Self.rules("""
        [
          {"id": "b-allow", "type": "permission_override", "priority": 5, "enabled": true, "config": {"permission": "llm", "action": "allow"}},
          {"id": "a-allow", "type": "permission_override", "priority": 5, "enabled": true, "config": {"permission": "llm", "action": "allow"}},
          {"id": "z-deny", "type": "permission_override", "priority": 5, "enabled": true, "config": {"permission": "llm", "action": "deny"}},
          {"id": "top", "type": "permission_override", "priority": 9, "enabled": true, "config": {"permission": "web_read", "action": "allow"}},
          {"id": "under", "type": "permission_override", "priority": 1, "enabled": true, "config": {"permission": "web_read", "action": "deny"}},
          {"id": "off", "type": "permission_override", "priority": 99, "enabled": false, "config": {"permission": "web_read", "action": "deny"}}
        ]
        """)
        let engine = PolicyEngine(rules: rules)
        let llm = engine.evaluate(Self.context("llm"))
        #expect(!llm.isAllowed)
        #expect(llm.ruleID == "z-deny")
        let web = engine.evaluate(Self.context("web_read"))
        #expect(web.isAllowed)
        #expect(web.ruleID == "top")
        // File order does not matter.
        let reversed = PolicyEngine(rules: rules.reversed())
        #expect(reversed.evaluate(Self.context("llm")) == llm)
        let allowOnly = PolicyEngine(rules: rules.filter { $0.id != "z-deny" })
        #expect(allowOnly.evaluate(Self.context("llm")).ruleID == "a-allow")
    }

    @Test("Time windows deny inside, allow outside, and cross midnight in the rule's time zone")
    func timeWindow() throws {
        let engine = PolicyEngine(rules: try Self.rules("""
        [{"id": "night", "type": "time_window", "priority": 1, "enabled": true,
          "config": {"permission": "shell", "deny_start_hour": 22, "deny_end_hour": 6, "time_zone": "Europe/Paris"}}]
        """))
        func at(_ utc: String) -> Bool { engine.evaluate(Self.context("shell", at: RFC3339.parse(utc)!)).isAllowed }
        #expect(!at("2026-11-26T21:00:00Z"))  // 22:00 in Paris (UTC+1 in winter)
        #expect(!at("2026-11-26T23:30:00Z"))
        #expect(!at("2026-11-27T04:59:59Z"))  // 05:59:59 Paris
        #expect(at("2026-11-27T05:00:00Z"))   // 06:00 Paris
        #expect(at("2026-11-26T20:59:59Z"))
        #expect(at("2026-07-01T20:30:00Z") == false)  // 22:30 Paris in summer (UTC+2)
        #expect(engine.evaluate(Self.context("web_read", at: RFC3339.parse("2026-11-26T23:30:00Z")!)).isAllowed)
    }

    @Test("Chain restrictions match caller globs, not substrings")
    func chain() throws {
        let engine = PolicyEngine(rules: try Self.rules("""
        [{"id": "no-chains", "type": "chain_restriction", "priority": 1, "enabled": true, "config": {"caller_pattern": "dynamic_*"}}]
        """))
        #expect(!engine.evaluate(Self.context(caller: "dynamic_scraper", depth: 1)).isAllowed)
        #expect(engine.evaluate(Self.context(caller: "dynamic_scraper", depth: 0)).isAllowed)
        #expect(engine.evaluate(Self.context(caller: "my_dynamic_scraper", depth: 1)).isAllowed)
    }

    @Test("MCP restrictions apply to MCP callers and matching tools only")
    func mcp() throws {
        let engine = PolicyEngine(rules: try Self.rules("""
        [{"id": "m", "type": "mcp_restriction", "priority": 1, "enabled": true, "config": {"tool_pattern": "shell_?x*", "action": "deny"}}]
        """))
        #expect(!engine.evaluate(Self.context(type: .mcp, tool: "shell_exec")).isAllowed)
        #expect(engine.evaluate(Self.context(type: .mcp, tool: "shell_run")).isAllowed)
        #expect(engine.evaluate(Self.context(type: .chat, tool: "shell_exec")).isAllowed)
        #expect(engine.evaluate(Self.context(type: .mcp, tool: nil)).isAllowed)
    }

    @Test("Overrides stop at their expiry")
    func expiry() throws {
        let engine = PolicyEngine(rules: try Self.rules("""
        [{"id": "o", "type": "permission_override", "priority": 1, "enabled": true,
          "config": {"permission": "llm", "action": "deny", "expires_at": "2026-11-26T12:00:00Z"}}]
        """))
        #expect(!engine.evaluate(Self.context("llm", at: Self.noon.addingTimeInterval(-1))).isAllowed)
        #expect(engine.evaluate(Self.context("llm", at: Self.noon)).isAllowed)
    }

    @Test("Rate limits: a sliding window per caller and permission, and denied calls are not counted")
    func rateLimit() throws {
        let engine = PolicyEngine(rules: try Self.rules("""
        [{"id": "rl", "type": "rate_limit", "priority": 1, "enabled": true, "config": {"permission": "llm", "max_calls": 3, "window_seconds": 60}},
         {"id": "deny-bob", "type": "chain_restriction", "priority": 1, "enabled": true, "config": {"caller_pattern": "bob"}}]
        """))
        for i in 0..<3 { #expect(engine.evaluate(Self.context("llm", at: Self.noon.addingTimeInterval(Double(i)))).isAllowed) }
        let limited = engine.evaluate(Self.context("llm", at: Self.noon.addingTimeInterval(10)))
        #expect(!limited.isAllowed)
        #expect(limited.ruleID == "rl")
        #expect(engine.evaluate(Self.context("llm", caller: "other", at: Self.noon.addingTimeInterval(10))).isAllowed)
        #expect(engine.evaluate(Self.context("web_read", at: Self.noon.addingTimeInterval(10))).isAllowed)
        #expect(engine.evaluate(Self.context("llm", at: Self.noon.addingTimeInterval(60.5))).isAllowed)
        // bob is denied by another rule at the same priority: his calls must not use up his budget.
        for _ in 0..<5 { #expect(!engine.evaluate(Self.context("llm", caller: "bob", depth: 1)).isAllowed) }
        #expect(engine.limiter.count(rule: "rl", caller: "bob", permission: "llm", now: Self.noon) == 0)
    }

    @Test("Rate-limit counters survive a snapshot and restore")
    func persistence() throws {
        let rules = try Self.rules("""
        [{"id": "rl", "type": "rate_limit", "priority": 1, "enabled": true, "config": {"max_calls": 2, "window_seconds": 60}}]
        """)
        let engine = PolicyEngine(rules: rules)
        _ = engine.evaluate(Self.context())
        _ = engine.evaluate(Self.context())
        let restored = RateLimiter()
        restored.restore(engine.limiter.snapshot())
        #expect(!PolicyEngine(rules: rules, limiter: restored).evaluate(Self.context()).isAllowed)
    }

    @Test("An unreadable or invalid source denies everything and says why; a good reload recovers")
    func failClosed() throws {
        struct Unreadable: Error {}
        let broken = PolicyEngine(source: { throw Unreadable() })
        let decision = broken.evaluate(Self.context())
        #expect(!decision.isAllowed)
        #expect(decision.reason.contains("cannot be read"))
        let flag = Flag()
        let engine = PolicyEngine(source: {
            if flag.value { return try PolicyRule.parseFile("[{\"id\": 1}]") }
            return []
        })
        #expect(engine.evaluate(Self.context()).isAllowed)
        flag.value = true
        #expect(engine.reload() != nil)
        #expect(!engine.evaluate(Self.context()).isAllowed)
        flag.value = false
        #expect(engine.reload() == nil)
        #expect(engine.evaluate(Self.context()).isAllowed)
    }

    @Test("Dry runs and shadow candidates report changed decisions without enforcing them")
    func dryRun() throws {
        let live = PolicyEngine(rules: [])
        let candidate = try Self.rules("""
        [{"id": "no-llm", "type": "permission_override", "priority": 1, "enabled": true, "config": {"permission": "llm", "action": "deny"}}]
        """)
        let changes = try live.dryRun(candidate: candidate, contexts: [Self.context("llm"), Self.context("web_read")])
        #expect(changes.count == 1)
        #expect(changes.first?.candidate.ruleID == "no-llm")
        try live.setCandidate(candidate)
        #expect(live.evaluate(Self.context("llm")).isAllowed)
        #expect(live.recordedChanges().count == 1)
        try live.setCandidate(nil)
        #expect(live.recordedChanges().isEmpty)
    }

    @Test("Loading is strict and names the rule and the field", arguments: [
        ("{}", "JSON array"),
        ("[1]", "rule #1 is not a JSON object"),
        ("[{\"type\": \"rate_limit\"}]", "rule #1, field 'id'"),
        ("[{\"id\": \"r\", \"type\": \"nope\", \"priority\": 1, \"enabled\": true, \"config\": {}}]", "rule 'r', field 'type'"),
        ("[{\"id\": \"r\", \"type\": \"rate_limit\", \"enabled\": true, \"config\": {}}]", "field 'priority'"),
        ("[{\"id\": \"r\", \"type\": \"rate_limit\", \"priority\": 1, \"config\": {}}]", "field 'enabled'"),
        ("[{\"id\": \"r\", \"type\": \"rate_limit\", \"priority\": 1, \"enabled\": \"yes\", \"config\": {}}]", "field 'enabled'"),
        ("[{\"id\": \"r\", \"type\": \"rate_limit\", \"priority\": 1, \"enabled\": true, \"config\": {\"max_calls\": 5}}]", "config.window_seconds"),
        ("[{\"id\": \"r\", \"type\": \"rate_limit\", \"priority\": 1, \"enabled\": true, \"config\": {\"max_calls\": 0, \"window_seconds\": 5}}]", "config.max_calls"),
        ("[{\"id\": \"r\", \"type\": \"rate_limit\", \"priority\": 1, \"enabled\": true, \"config\": {\"max_calls\": 1, \"window_seconds\": 5, \"burst\": 2}}]", "config.burst"),
        ("[{\"id\": \"r\", \"type\": \"time_window\", \"priority\": 1, \"enabled\": true, \"config\": {\"deny_start_hour\": 24, \"deny_end_hour\": 3}}]", "config.deny_start_hour"),
        ("[{\"id\": \"r\", \"type\": \"time_window\", \"priority\": 1, \"enabled\": true, \"config\": {\"deny_start_hour\": 2, \"deny_end_hour\": 3, \"time_zone\": \"Mars/Olympus\"}}]", "config.time_zone"),
        ("[{\"id\": \"r\", \"type\": \"permission_override\", \"priority\": 1, \"enabled\": true, \"config\": {\"permission\": \"x\", \"action\": \"maybe\"}}]", "config.action"),
        ("[{\"id\": \"r\", \"type\": \"permission_override\", \"priority\": 1, \"enabled\": true, \"config\": {\"permission\": \"x\", \"action\": \"deny\", \"expires_at\": \"soon\"}}]", "config.expires_at"),
        ("[{\"id\": \"r\", \"type\": \"mcp_restriction\", \"priority\": 1, \"enabled\": true, \"config\": {\"action\": \"deny\"}}]", "config.tool_pattern"),
        ("[{\"id\": \"r\", \"type\": \"mcp_restriction\", \"priority\": 1, \"enabled\": true, \"config\": {\"tool_pattern\": \"a\", \"action\": \"deny\"}, \"note\": 1}]", "field 'note'"),
        ("[{\"id\": \"r\", \"type\": \"chain_restriction\", \"priority\": 1, \"enabled\": true, \"config\": {\"caller_pattern\": \"a\"}}, {\"id\": \"r\", \"type\": \"chain_restriction\", \"priority\": 1, \"enabled\": true, \"config\": {\"caller_pattern\": \"a\"}}]", "used twice"),
    ])
    func strictLoading(json: String, message: String) {
        do {
            _ = try PolicyRule.parseFile(json)
            Issue.record("accepted: \(json)")
        } catch {
            #expect(error.code == .invalidPolicy)
            #expect(error.reason.contains(message), "\(error.reason)")
        }
    }

    @Test("Contexts parse strictly", arguments: [
        "{\"caller\": \"a\", \"caller_type\": \"core\", \"permission\": \"p\"}",
        "{\"caller\": \"a\", \"caller_type\": \"robot\", \"permission\": \"p\", \"timestamp\": \"2026-11-26T12:00:00Z\"}",
        "{\"caller\": \"a\", \"caller_type\": \"core\", \"permission\": \"p\", \"timestamp\": \"noon\"}",
        "{\"caller\": \"a\", \"caller_type\": \"core\", \"permission\": \"p\", \"timestamp\": \"2026-11-26T12:00:00Z\", \"chain_depth\": -1}",
        "{\"caller\": \"a\", \"caller_type\": \"core\", \"permission\": \"p\", \"timestamp\": \"2026-11-26T12:00:00Z\", \"self\": \"admin\"}",
        "[]",
    ])
    func strictContexts(json: String) {
        #expect(throws: ClawSecurityError.invalidContext) { try AuthContext(json: json) }
    }

    @Test("Globs match whole names")
    func globs() {
        #expect(Glob("shell_*").matches("shell_exec"))
        #expect(!Glob("shell_*").matches("my_shell_exec"))
        #expect(Glob("*").matches(""))
        #expect(Glob("a?c").matches("abc"))
        #expect(Glob("a?c").matches("aéc"))
        #expect(!Glob("a?c").matches("ac"))
        #expect(Glob("*_admin_*").matches("x_admin_y"))
        #expect(!Glob("exact").matches("exactly"))
    }
}

/// A mutable flag shared with a policy source in tests.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var _value = false
    var value: Bool {
        get { lock.withLock { _value } }
        set { lock.withLock { _value = newValue } }
    }
}
