// libFuzzer target: the policy JSON loader, the context parser and the JSON parser under them.
//
// Never crashes, and checks that
//   - any JSON the parser accepts re-parses from its canonical text to the same value;
//   - a loaded policy evaluates any context without trapping, deterministically;
//   - every loaded rule exports (as the policy store keeps it) to JSON that loads back to the same rule;
//   - a parsed context evaluates under the fuzzed rules without trapping.

import CFuzzerDriver
import ClawSecurity
import Foundation

enum Fixture {
    static let context = AuthContext(
        caller: "researcher", callerType: .mcp, permission: "web_read", tool: "shell_exec", chainDepth: 1,
        timestamp: Date(timeIntervalSince1970: 1_800_000_000))
}

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let value = try? JSONValue(parsing: bytes) {
        guard let again = try? JSONValue(parsing: value.canonicalText), again.canonicalText == value.canonicalText else {
            fatalError("canonical JSON does not re-parse to the same value")
        }
    }
    let text = String(decoding: bytes, as: UTF8.self)
    if let rules = try? PolicyRule.parseFile(text) {
        let first = PolicyEngine(rules: rules).evaluate(Fixture.context)
        let second = PolicyEngine(rules: rules.reversed()).evaluate(Fixture.context)
        guard first == second else { fatalError("the decision depends on rule order") }
        for rule in rules {
            guard let again = try? PolicyRule(json: rule.json), again == rule else {
                fatalError("a rule does not load back from its exported JSON")
            }
        }
    }
    if let context = try? AuthContext(json: text) {
        _ = PolicyEngine(rules: []).evaluate(context)
    }
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
