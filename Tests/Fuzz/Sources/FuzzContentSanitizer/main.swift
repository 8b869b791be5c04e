// libFuzzer target: the ContentSanitizer's layers 1-5 over untrusted documents, HTML and plain text.
//
// Never crashes or hangs, and checks that
//   - the output holds no invisible character of layer 3;
//   - the output fits the byte budget (taken from the first input byte) and is a prefix of the
//     unbudgeted output;
//   - excerpts stay within their length (layers 6 and 7: the sentence, at most 2,000 characters) and the
//     listed removals within their limit.

import CFuzzerDriver
import ClawSecurity
import Foundation

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard size > 0, let data else { return 0 }
    let budget = Int(data[0]) * 4
    let bytes = UnsafeBufferPointer(start: data + 1, count: size - 1)
    var unlimited = ContentSanitizer.Configuration()
    unlimited.maxOutputBytes = nil
    unlimited.maxListedRemovals = 8
    unlimited.excerptLength = 20
    var limited = unlimited
    limited.maxOutputBytes = budget
    for kind in [ContentKind.html, .text, .auto] {
        let full = ContentSanitizer(configuration: unlimited).sanitize(bytes: bytes, kind: kind)
        let cut = ContentSanitizer(configuration: limited).sanitize(bytes: bytes, kind: kind)
        if let scalar = full.text.unicodeScalars.first(where: { InvisibleCharacters.isInvisible($0.value) }) {
            fatalError("invisible U+\(String(scalar.value, radix: 16)) in the output")
        }
        guard cut.text.utf8.count <= budget else { fatalError("output of \(cut.text.utf8.count) bytes over a budget of \(budget)") }
        guard full.text.utf8.starts(with: cut.text.utf8) else { fatalError("the cut output is not a prefix of the full output") }
        // Layers 1-5 keep a short excerpt; layers 6 and 7 the whole removed sentence, bounded.
        guard full.removals.count <= 8, full.removals.allSatisfy({
            $0.excerpt.count <= ($0.layer == .patterns || $0.layer == .imperativeTone ? 2000 : 20)
        }) else {
            fatalError("report over its limits")
        }
    }
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
