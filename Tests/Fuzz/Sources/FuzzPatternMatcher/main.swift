// libFuzzer target: the pattern file loader and layer 6's Aho-Corasick matcher.
//
// The input is a pattern file and a text, separated by the first NUL byte (no NUL: the text alone, matched
// with phrases taken from its own words). Never crashes, and checks that
//   - a pattern file that loads has only phrases with letters, and loads again from its own fields;
//   - the matcher finds exactly as many matches as a naive search of every folded phrase in the folded text.

import CFuzzerDriver
@testable import ClawSecurity
import Foundation

func naiveCount(_ patterns: InjectionPatterns, in text: String) -> Int {
    let haystack = TextFolding.fold(text)
    var count = 0
    for pattern in patterns.patterns {
        let needle = TextFolding.fold(pattern.phrase)
        guard needle.count <= haystack.count else { continue }
        for start in 0 ... (haystack.count - needle.count) where haystack[start ..< start + needle.count].elementsEqual(needle) {
            count += 1
        }
    }
    return count
}

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let patterns: InjectionPatterns
    let text: String
    if let nul = bytes.firstIndex(of: 0) {
        text = String(decoding: bytes[(nul + 1)...], as: UTF8.self)
        guard let loaded = try? InjectionPatterns(json: Array(bytes[..<nul])) else { return 0 }
        guard let again = try? InjectionPatterns(loaded.patterns, source: loaded.source), again == loaded else {
            fatalError("a loaded pattern list does not validate again")
        }
        patterns = loaded
    } else {
        text = String(decoding: bytes, as: UTF8.self)
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).prefix(12)
        let phrases = zip(words, words.dropFirst()).map { InjectionPattern(phrase: "\($0) \($1)", family: "f") }
            + words.map { InjectionPattern(phrase: String($0), family: "w") }
        guard let built = try? InjectionPatterns(phrases) else { return 0 }
        patterns = built
    }
    let matcher = InjectionPatternMatcher(patterns: patterns)
    let found = matcher.matches(in: text)
    let utf8Count = text.utf8.count
    for match in found where match.range.lowerBound > match.range.upperBound || match.range.upperBound > utf8Count {
        fatalError("match range \(match.range) outside the text")
    }
    let naive = naiveCount(patterns, in: text)
    guard found.count == naive else { fatalError("matcher found \(found.count), naive search \(naive)") }
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
