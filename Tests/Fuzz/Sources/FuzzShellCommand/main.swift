// libFuzzer target: the shell command guard.
//
// Never crashes on any bytes, and checks that
// - a refusal carries only a shell error code;
// - an accepted command's program is allow-listed, holds no `/`, and its argv matches the reported rule
//   element-wise (with the exact argument count unless the rule ends with `...`);
// - no accepted argument holds a shell metacharacter or a control character;
// - the canonical rendering of an accepted command tokenizes back to the same argv and is accepted again;
// - the input, read as a rule, either is refused as an invalid rule or round-trips through its text form.

import CFuzzerDriver
import ClawSecurity
import Foundation

let rules = try! ShellCommandGuard(parsing: [
    "git status", "git log --oneline -n *", "curl -s https://*", "ls ...", "echo 'hello world'", "cat *.txt",
    "/opt/tools/bin/report --day ?", "printf ...",
])
let forbidden = Set(";|&$`<>(){}*?~!\\\n\r\0".unicodeScalars)
let shellCodes: Set<ClawSecurityError.Code> = [.shellRefused, .shellMetacharacter, .shellNotAllowed]

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let command = try rules.check(text)
        guard rules.rules.contains(command.rule), command.rule.program == command.program else {
            fatalError("an accepted command's rule is not in the allow-list or names another program")
        }
        guard !command.program.contains("/") || command.rule.pinsPath else {
            fatalError("a program with a slash was accepted without a pinned rule")
        }
        let count = command.arguments.count
        let patterns = command.rule.patterns.count
        guard command.rule.allowsMoreArguments ? count >= patterns : count == patterns else {
            fatalError("an accepted command has the wrong number of arguments for its rule")
        }
        guard command.rule.matches(program: command.program, arguments: command.arguments) else {
            fatalError("an accepted command does not match its rule")
        }
        for argument in command.argv {
            for scalar in argument.unicodeScalars where forbidden.contains(scalar) || scalar.properties.generalCategory == .control {
                fatalError("an accepted argument holds a metacharacter or a control character")
            }
        }
        guard let again = try? ShellCommandGuard.tokenize(command.description), again == command.argv,
              let reapproved = try? rules.check(command.description), reapproved == command else {
            fatalError("an accepted command's canonical rendering does not tokenize back to its argv")
        }
    } catch {
        guard shellCodes.contains(error.code) else { fatalError("the guard threw an unexpected code") }
    }
    do {
        let rule = try ShellAllowRule(parsing: text)
        guard let back = try? ShellAllowRule(parsing: rule.description), back == rule else {
            fatalError("a rule's text form does not parse back to it")
        }
    } catch {
        guard error.code == .shellInvalidRule else { fatalError("rule parsing threw an unexpected code") }
    }
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
