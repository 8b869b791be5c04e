// libFuzzer target: Claw's caveat parser.
//
// Never crashes, and checks that a parsed caveat's canonical text parses to the same caveat, and that
// checking it against a request never traps.

import CFuzzerDriver
import ClawSecurity
import Foundation

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let caveat = try? CaveatPredicate(parsing: text) else { return 0 }
    guard let again = try? CaveatPredicate(parsing: caveat.description), again == caveat else {
        fatalError("a caveat's canonical text does not parse back to it")
    }
    _ = caveat.check(CapabilityRequest(permission: "web_read", skill: "s", chainDepth: 1, workflowRun: "r"), now: Date())
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
