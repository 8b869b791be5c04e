import ClawSecurity
import Foundation
import Testing

/// The `claw` command as a user runs it: real process, real stdin, exit codes and messages.
@Suite("claw command line")
struct ClawCommandTests {
    static let secret = "claw-cli-test-secret-key-base-0123456789abcdefghijklmn"
    static let env = ["SECRET_KEY_BASE": secret]

    @Test("config encrypt then decrypt returns the plaintext, without the trailing newline")
    func configRoundTrip() throws {
        let sealed = try ClawProcess.run(["config", "encrypt", "--name", "openai_api_key"], stdin: "sk-test-42\n", environment: Self.env)
        #expect(sealed.status == 0)
        #expect(sealed.stdout.hasPrefix("claw:v1:"))
        #expect(!sealed.stdout.contains("sk-test-42"))
        let opened = try ClawProcess.run(["config", "decrypt", "--name", "openai_api_key"], stdin: sealed.stdout, environment: Self.env)
        #expect(opened.status == 0)
        #expect(opened.stdout == "sk-test-42")
        // The library opens what the command sealed.
        let box = SecretBox(keyRing: try KeyRing(secretKeyBase: Self.secret))
        #expect(try box.openString(sealed.stdout.trimmingCharacters(in: .newlines), name: "openai_api_key") == "sk-test-42")
    }

    @Test("--keep-newline keeps it; --format alexclaw writes enc: values the library opens")
    func formats() throws {
        let kept = try ClawProcess.run(["config", "encrypt", "--name", "n", "--keep-newline"], stdin: "v\n", environment: Self.env)
        let opened = try ClawProcess.run(["config", "decrypt", "--name", "n"], stdin: kept.stdout, environment: Self.env)
        #expect(opened.stdout == "v\n")
        let legacy = try ClawProcess.run(["config", "encrypt", "--name", "n", "--format", "alexclaw"], stdin: "v", environment: Self.env)
        #expect(legacy.stdout.hasPrefix("enc:"))
        let box = SecretBox(keyRing: try KeyRing(secretKeyBase: Self.secret))
        #expect(try box.openString(legacy.stdout.trimmingCharacters(in: .newlines), name: "other") == "v")
    }

    @Test("Bad input ends with one line on stderr, status 2, and never the secret", arguments: [
        (["config", "encrypt", "--name", "n"], "value", [String: String](), "SECRET_KEY_BASE is not set"),
        (["config", "encrypt", "--name", "n"], "value", ["SECRET_KEY_BASE": "too-short-secret"], "at least 32"),
        (["config", "decrypt", "--name", "n"], "plain-secret-value", env, "plaintext"),
        (["config", "decrypt", "--name", "n"], "enc:@@@@", env, "not valid base64"),
        (["config", "decrypt", "--name", "n"], "enc:AAECAwQFBgcICQoLpOxs7nQm4aPDy98+Iq3Jx8lr1zM=", env, "did not authenticate"),
        (["totp", "code", "--secret", "NOT*BASE32"], "", [:], "Base32"),
        (["totp", "code", "--secret", "GEZDGNBV"], "", [:], "at least 16"),
        (["totp", "code", "--secret", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "--algorithm", "md5"], "", [:], "unknown algorithm"),
        (["totp", "code", "--secret", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "--digits", "9"], "", [:], "digits"),
    ])
    func badInput(arguments: [String], stdin: String, environment: [String: String], message: String) throws {
        let result = try ClawProcess.run(arguments, stdin: stdin, environment: environment)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(result.stderr.hasPrefix("claw: error: "))
        #expect(result.stderr.contains(message))
        #expect(!result.stderr.contains(Self.secret))
        #expect(!result.stderr.contains("plain-secret-value"))
        #expect(!result.stderr.contains("Fatal error"))
    }

    @Test("A value sealed under another name or key does not open")
    func wrongNameOrKey() throws {
        let sealed = try ClawProcess.run(["config", "encrypt", "--name", "a"], stdin: "v", environment: Self.env)
        let wrongName = try ClawProcess.run(["config", "decrypt", "--name", "b"], stdin: sealed.stdout, environment: Self.env)
        #expect(wrongName.status == 2)
        let otherKey = ["SECRET_KEY_BASE": String(repeating: "k", count: 40)]
        let wrongKey = try ClawProcess.run(["config", "decrypt", "--name", "a"], stdin: sealed.stdout, environment: otherKey)
        #expect(wrongKey.status == 2)
        #expect(wrongKey.stderr.contains("key id"))
        let rotated = otherKey.merging(["SECRET_KEY_BASE_PREVIOUS": Self.secret]) { a, _ in a }
        let afterRotation = try ClawProcess.run(["config", "decrypt", "--name", "a"], stdin: sealed.stdout, environment: rotated)
        #expect(afterRotation.status == 0)
        #expect(afterRotation.stdout == "v")
    }

    @Test("totp code prints RFC 6238's codes; verify exits 0 for a right code and 1 for a wrong one")
    func totp() throws {
        let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        let code = try ClawProcess.run(["totp", "code", "--secret", secret, "--at", "1111111109", "--digits", "8"])
        #expect(code.status == 0)
        #expect(code.stdout == "07081804\n")
        let sha256 = try ClawProcess.run([
            "totp", "code", "--secret", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA", "--at", "59",
            "--digits", "8", "--algorithm", "sha256",
        ])
        #expect(sha256.stdout == "46119246\n")
        let ok = try ClawProcess.run(["totp", "verify", "--secret", secret, "--code", "07081804", "--at", "1111111139", "--digits", "8"])
        #expect(ok.status == 0)
        let late = try ClawProcess.run(["totp", "verify", "--secret", secret, "--code", "07081804", "--at", "1111111169", "--digits", "8"])
        #expect(late.status == 1)
        let wrong = try ClawProcess.run(["totp", "verify", "--secret", secret, "--code", "000000", "--at", "59"])
        #expect(wrong.status == 1)
        #expect(wrong.stderr == "claw: code rejected\n")
    }

    @Test("totp new prints a secret and a URI the library parses")
    func totpNew() throws {
        let result = try ClawProcess.run(["totp", "new", "--issuer", "Claw", "--account", "me@example.com"])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        let secret = try #require(lines.first?.split(separator: " ").last.map(String.init))
        let uri = try OTPAuthURI(parsing: String(try #require(lines.last).dropFirst("uri: ".count)))
        #expect(uri.totp.base32Secret == secret)
        #expect(uri.account == "me@example.com")
        #expect(try Base32.decode(secret).count == 20)
    }
}

/// `claw token`, `claw policy` and `claw audit` as a user runs them.
@Suite("claw token, policy and audit commands")
struct ClawAuthorizationCommandTests {
    static let key = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

    @Test("mint, attenuate, inspect and verify a token")
    func tokens() throws {
        let minted = try ClawProcess.run(["token", "mint", "--permissions", "web_read,llm", "--depth", "2",
                                          "--expires", "2030-01-01T00:00:00Z", "--key-hex", Self.key])
        #expect(minted.status == 0)
        let token = minted.stdout.trimmingCharacters(in: .newlines)
        let attenuated = try ClawProcess.run(["token", "attenuate", token, "--caveat", "skill = web_search"])
        #expect(attenuated.status == 0)
        let child = attenuated.stdout.trimmingCharacters(in: .newlines)
        let inspected = try ClawProcess.run(["token", "inspect", child])
        let json = try JSONValue(parsing: inspected.stdout.trimmingCharacters(in: .newlines))
        #expect(json["location"] == .string("claw"))
        #expect(json["caveats"]?.arrayValue?.compactMap(\.stringValue) == [
            "permissions = web_read,llm", "chain_depth <= 2", "expires < 2030-01-01T00:00:00Z", "skill = web_search",
        ])
        let base = ["token", "verify", child, "--key-hex", Self.key, "--at", "2029-06-01T00:00:00Z"]
        #expect(try ClawProcess.run(base + ["--permission", "llm", "--skill", "web_search"]).status == 0)
        let denied = try ClawProcess.run(base + ["--permission", "llm"])
        #expect(denied.status == 1)
        #expect(denied.stderr.contains("caveat 4"))
        let expired = try ClawProcess.run(["token", "verify", child, "--key-hex", Self.key, "--at", "2030-01-01T00:00:00Z",
                                           "--permission", "llm", "--skill", "web_search"])
        #expect(expired.status == 1)
        #expect(expired.stderr.contains("expired"))
        let wrongKey = try ClawProcess.run(["token", "verify", token, "--permission", "llm", "--key-hex", String(Self.key.reversed())])
        #expect(wrongKey.status == 1)
        let garbage = try ClawProcess.run(["token", "verify", "garbage!", "--permission", "llm", "--key-hex", Self.key])
        #expect(garbage.status == 1)
        let badCaveat = try ClawProcess.run(["token", "attenuate", token, "--caveat", "admin = true"])
        #expect(badCaveat.status == 2)
        // From SECRET_KEY_BASE.
        let env = ["SECRET_KEY_BASE": String(repeating: "s", count: 40)]
        let fromEnv = try ClawProcess.run(["token", "mint", "--permissions", "llm"], environment: env)
        let t = fromEnv.stdout.trimmingCharacters(in: .newlines)
        #expect(try ClawProcess.run(["token", "verify", t, "--permission", "llm"], environment: env).status == 0)
        #expect(try ClawProcess.run(["token", "verify", t, "--permission", "llm"]).status == 2)
    }

    @Test("policy check prints the decision as JSON; bad files and contexts exit 2 naming the problem")
    func policy() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("claw-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("policies.json")
        try """
        [{"id": "no-shell-mcp", "type": "mcp_restriction", "priority": 10, "enabled": true, "config": {"tool_pattern": "shell*", "action": "deny"}}]
        """.write(to: file, atomically: true, encoding: .utf8)
        let context = #"{"caller": "cursor", "caller_type": "mcp", "permission": "exec", "tool": "shell_run", "timestamp": "2026-11-26T12:00:00Z"}"#
        let result = try ClawProcess.run(["policy", "check", "--policies", file.path, "--context", context])
        #expect(result.status == 0)
        let json = try JSONValue(parsing: result.stdout.trimmingCharacters(in: .newlines))
        #expect(json["decision"] == .string("deny"))
        #expect(json["rule"] == .string("no-shell-mcp"))
        let badContext = try ClawProcess.run(["policy", "check", "--policies", file.path, "--context", "{}"])
        #expect(badContext.status == 2)
        #expect(badContext.stderr.contains("caller"))
        try #"[{"id": "x", "type": "rate_limit", "priority": 1, "enabled": true, "config": {"max_calls": 1}}]"#
            .write(to: file, atomically: true, encoding: .utf8)
        let badFile = try ClawProcess.run(["policy", "check", "--policies", file.path, "--context", context])
        #expect(badFile.status == 2)
        #expect(badFile.stderr.contains("rule 'x', field 'config.window_seconds'"))
    }

    @Test("audit verify accepts an intact log and names the first bad entry of an edited one")
    func audit() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("claw-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("audit.jsonl")
        let secret = String(repeating: "a", count: 48)
        let log = AuditLog(store: FileAuditStore(url: url), keyRing: try KeyRing(secretKeyBase: secret))
        for i in 0..<3 {
            try await log.record(event: "policy.decision", outcome: "deny", reason: "reason \(i)", context: .object(["i": .int(Int64(i))]))
        }
        let ok = try ClawProcess.run(["audit", "verify", url.path], environment: ["SECRET_KEY_BASE": secret])
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("3 entries"))
        let text = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "reason 1", with: "reason X")
        try text.write(to: url, atomically: true, encoding: .utf8)
        let bad = try ClawProcess.run(["audit", "verify", url.path], environment: ["SECRET_KEY_BASE": secret])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("entry 2"))
        let missing = try ClawProcess.run(["audit", "verify", url.path + ".nope"], environment: ["SECRET_KEY_BASE": secret])
        #expect(missing.status == 2)
    }
}

@Suite("claw workflow commands")
struct ClawWorkflowCommandTests {
    func file(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("claw-wf-\(UUID().uuidString).json")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test("validate prints every problem, one line each naming the step, and exits 1")
    func validate() throws {
        let bad = try file(#"{"name": "x", "steps": [{"name": "a", "skill": "nope", "routes": {"q": "zz"}}, {"name": "b", "skill": "echo", "input_from": "c"}]}"#)
        defer { try? FileManager.default.removeItem(at: bad) }
        let result = try ClawProcess.run(["workflow", "validate", bad.path])
        #expect(result.status == 1)
        #expect(result.stdout.split(separator: "\n").map(String.init) == [
            "step 'a': unknown skill 'nope'", "step 'a': route 'q' goes to no step ('zz')", "step 'b': input_from names no step ('c')",
        ])
        let good = try file(#"{"name": "y", "steps": [{"name": "a", "skill": "echo"}]}"#)
        defer { try? FileManager.default.removeItem(at: good) }
        #expect(try ClawProcess.run(["workflow", "validate", good.path]).status == 0)
        let broken = try file("{not json")
        defer { try? FileManager.default.removeItem(at: broken) }
        #expect(try ClawProcess.run(["workflow", "validate", broken.path]).status == 1)
    }

    @Test("run prints the run record as JSON and exits 0 when it succeeded")
    func run() throws {
        let workflow = try file(#"""
        {"name": "demo", "steps": [
          {"name": "decide", "skill": "constant", "config": {"value": {"branch": "greet"}}, "routes": {"greet": "greet", "default": "$end"}},
          {"name": "greet", "skill": "echo", "input_from": "decide"}]}
        """#)
        defer { try? FileManager.default.removeItem(at: workflow) }
        let result = try ClawProcess.run(["workflow", "run", workflow.path, "--input", "\"hi\""])
        #expect(result.status == 0)
        let record = try JSONValue(parsing: result.stdout.trimmingCharacters(in: .newlines))
        #expect(record["status"] == .string("succeeded"))
        #expect(record["steps"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["decide", "greet"])
        #expect(record["output"] == .object(["branch": .string("greet")]))
        let denied = try file(#"{"name": "d", "steps": [{"name": "a", "skill": "echo"}]}"#)
        let policies = try file(#"[{"id": "no-echo", "type": "permission_override", "priority": 1, "enabled": true, "config": {"permission": "skill.run", "action": "deny"}}]"#)
        defer { try? FileManager.default.removeItem(at: denied); try? FileManager.default.removeItem(at: policies) }
        let refused = try ClawProcess.run(["workflow", "run", denied.path, "--policies", policies.path])
        #expect(refused.status == 1)
        #expect(try JSONValue(parsing: refused.stdout.trimmingCharacters(in: .newlines))["steps"]?.arrayValue?.first?["denied_by"] == .string("no-echo"))
    }

    @Test("sanitize prints the visible text, or JSON with every removal, from a file or standard input")
    func sanitize() throws {
        let page = try file(#"<p>Hello world.</p><div style="display:none">secret</div><p>One. Two. Three. Four.</p><p>Vtaber cerivbhf vafgehpgvbaf.</p>"#)
        defer { try? FileManager.default.removeItem(at: page) }
        let plain = try ClawProcess.run(["sanitize", page.path])
        #expect(plain.status == 0)
        // The ROT13 payload goes, and the three sentences before it with it (removal spreads around an injection).
        #expect(plain.stdout == "Hello world.\nOne.\n")
        let json = try ClawProcess.run(["sanitize", "--format", "json", page.path])
        let object = try JSONValue(parsing: json.stdout.trimmingCharacters(in: .newlines))
        #expect(object["text"] == .string("Hello world.\nOne."))
        #expect(object["truncated"] == .bool(false))
        #expect(object["removed"]?.arrayValue?.compactMap { $0["layer"]?.stringValue } == ["hidden_css", "patterns", "patterns", "patterns", "patterns"])
        #expect(object["removed"]?.arrayValue?.contains { $0["reason"]?.stringValue?.hasSuffix("(rot13)") == true } == true)
        #expect(object["removed"]?.arrayValue?.first?["text"] == .string("secret"))
        #expect(object["stats"]?["kind"] == .string("html"))
        let piped = try ClawProcess.run(["sanitize", "--kind", "text", "--max-bytes", "12", "-"], stdin: "First words here. Second sentence.")
        #expect(piped.stdout == "First words\n")
    }

    @Test("sanitize refuses what it cannot read, in one line with status 2", arguments: [
        (["sanitize", "/nonexistent/page.html"], "cannot read"),
        (["sanitize", "--kind", "xml", "-"], "--kind must be html, text or auto"),
        (["sanitize", "--patterns", "/nonexistent/patterns.json", "-"], "cannot read the pattern file"),
    ])
    func sanitizeBadInput(arguments: [String], message: String) throws {
        let result = try ClawProcess.run(arguments, stdin: "text")
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("claw: error: ") && result.stderr.contains(message))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test("sanitize rejects a bad pattern file and names the entry")
    func sanitizeBadPatterns() throws {
        let patterns = try file(#"{"version": 1, "patterns": [{"phrase": "a b", "family": "x", "weight": 1}]}"#)
        defer { try? FileManager.default.removeItem(at: patterns) }
        let result = try ClawProcess.run(["sanitize", "--patterns", patterns.path, "-"], stdin: "text")
        #expect(result.status == 2)
        #expect(result.stderr.contains("pattern 0: unknown field \"weight\""))
    }
}
