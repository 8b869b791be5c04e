// libFuzzer target: layer 6's text normalization (TextFolding) over any Unicode text.
//
// Never crashes, and checks that
//   - folded text uses only the 28 symbols, starts and ends with one separator, never has two in a row;
//   - folding is stable under what it folds away: ASCII case, added spaces and punctuation between words,
//     and zero-width characters;
//   - the streaming scan sees the same symbols (a phrase made of the folded text's first words matches).

import CFuzzerDriver
@testable import ClawSecurity
import Foundation

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let folded = TextFolding.fold(text)
    guard folded.first == TextFolding.separator, folded.last == TextFolding.separator,
          folded.allSatisfy({ $0 < TextFolding.symbolCount }) else { fatalError("bad symbols \(folded)") }
    for (a, b) in zip(folded, folded.dropFirst()) where a == TextFolding.separator && b == TextFolding.separator {
        fatalError("two separators in a row")
    }
    let asciiLower = String(text.unicodeScalars.map { $0.isASCII ? Character(String($0).lowercased()) : Character($0) })
    guard TextFolding.fold(asciiLower) == folded else { fatalError("ASCII case changes the folding") }
    let spaced = text.replacingOccurrences(of: " ", with: " ,;\u{200B} \n")
    guard TextFolding.fold(spaced) == folded else { fatalError("separators change the folding") }
    // A phrase of the first (up to) three folded words is found by the matcher.
    let words = TextFolding.describe(folded).split(separator: " ").prefix(3)
    if !words.isEmpty, words.allSatisfy({ !$0.contains("?") }),
       let patterns = try? InjectionPatterns([InjectionPattern(phrase: words.joined(separator: " "), family: "f")]) {
        guard !InjectionPatternMatcher(patterns: patterns).matches(in: text).isEmpty else {
            fatalError("the text's own first words are not found in it")
        }
    }
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
