/// Layer 6's phrase matcher on its own: one Aho-Corasick automaton over normalized text (see
/// docs/SANITIZER.md for the normalization), finding every phrase on word boundaries in one pass. The
/// ContentSanitizer uses the same automaton with the phrases' ROT13 forms and the tone cues added.
public struct InjectionPatternMatcher: Sendable {
    /// One phrase found.
    public struct Match: Sendable, Hashable {
        /// The index of the pattern in ``InjectionPatterns/patterns``.
        public var pattern: Int
        /// Where it is in the text, in UTF-8 bytes (from its first letter to the end of its last word).
        public var range: Range<Int>
    }

    /// The patterns.
    public let patterns: InjectionPatterns
    let automaton: PatternAutomaton

    /// Compiles the patterns.
    public init(patterns: InjectionPatterns) {
        self.patterns = patterns
        automaton = PatternAutomaton(patterns: patterns.patterns.map { TextFolding.fold($0.phrase) })
    }

    /// Every match in UTF-8 text, in order of their ends.
    public func matches(in text: UnsafeBufferPointer<UInt8>) -> [Match] {
        var found: [PatternAutomaton.Match] = []
        automaton.scan(text, into: &found)
        return found.map { Match(pattern: $0.pattern, range: $0.start ..< $0.end) }
    }

    /// The number of matches in UTF-8 text (without building the list).
    public func count(in text: UnsafeBufferPointer<UInt8>) -> Int {
        var found: [PatternAutomaton.Match] = []
        found.reserveCapacity(64)
        automaton.scan(text, into: &found)
        return found.count
    }

    /// Every match in a string.
    public func matches(in text: String) -> [Match] {
        var text = text
        return text.withUTF8 { matches(in: $0) }
    }
}
