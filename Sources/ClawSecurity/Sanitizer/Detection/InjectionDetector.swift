/// Layers 6 and 7 over extracted text: one Aho-Corasick scan finds the injection phrases (and their ROT13
/// forms), the tone cues and the agent's skill names; sentences holding a phrase or an encoded payload are
/// removed (layer 6), and sentences whose cues score at or above the threshold (layer 7).
///
/// Removing a sentence joins its neighbours, which could form a new phrase; detection repeats on the joined
/// text until nothing more is removed (at most four rounds), so sanitizing sanitized text changes nothing.
final class InjectionDetector: Sendable {
    /// What a compiled pattern stands for.
    enum Entry: Sendable {
        case phrase(family: String, phrase: String)
        case rot13(family: String, phrase: String)
        case cue(ToneCues.Category)
        case skill(index: Int, name: String)
    }

    let automaton: PatternAutomaton
    let entries: [Entry]
    let patterns: InjectionPatterns
    let skillNames: [String]

    init(patterns: InjectionPatterns, skillNames: [String]) {
        var folded: [[UInt8]] = []
        var entries: [Entry] = []
        for pattern in patterns.patterns {
            let symbols = TextFolding.fold(pattern.phrase)
            folded.append(symbols)
            entries.append(.phrase(family: pattern.family, phrase: pattern.phrase))
            let rotated = symbols.map { $0 >= 1 && $0 <= 26 ? UInt8((Int($0) - 1 + 13) % 26 + 1) : $0 }
            folded.append(rotated)
            entries.append(.rot13(family: pattern.family, phrase: pattern.phrase))
        }
        for (category, phrases) in ToneCues.cues {
            for phrase in phrases {
                folded.append(TextFolding.fold(phrase))
                entries.append(.cue(category))
            }
        }
        for (index, name) in skillNames.enumerated() {
            let symbols = TextFolding.fold(name)
            guard symbols.count > 2, symbols.count <= PatternAutomaton.maxSymbols else { continue }
            folded.append(symbols)
            entries.append(.skill(index: index, name: name))
        }
        automaton = PatternAutomaton(patterns: folded)
        self.entries = entries
        self.patterns = patterns
        self.skillNames = skillNames
    }

    /// How far removal spreads from a detected sentence, in sentences.
    static let spreadRadius = 3
    /// Two detections at most this many sentences apart are one injection: everything between them goes.
    static let joinDistance = 40

    /// An injection is rarely one sentence: the text around it belongs to it. Everything between two
    /// detections at most ``joinDistance`` sentences apart goes; removal spreads from every
    /// detected sentence to the ``spreadRadius`` sentences on either side; from
    /// a sentence removed that way it spreads on only if that sentence speaks to the model too (it has a tone
    /// cue). Text far from any detection, and every document without one, is never touched by this.
    func spread(removals: inout [Int: (SanitizerLayer, String)], sentences: [SentenceSegmenter.Sentence],
                findings: [Finding], text: UnsafeBufferPointer<UInt8>) {
        func cued(_ index: Int) -> Bool { !findings[index].cues.isEmpty || findings[index].skills != 0 }
        let detected = removals.keys.sorted()
        for (a, b) in zip(detected, detected.dropFirst()) where b - a > 1 && b - a <= Self.joinDistance {
            let (layer, _) = removals[a]!
            for index in (a + 1) ..< b where removals[index] == nil { removals[index] = (layer, "between injections") }
        }
        var queue = removals.keys.sorted()
        var head = 0
        while head < queue.count {
            let origin = queue[head]
            head += 1
            let (layer, _) = removals[origin]!
            let first = max(0, origin - Self.spreadRadius)
            let last = min(sentences.count - 1, origin + Self.spreadRadius)
            for index in first ... last where removals[index] == nil {
                removals[index] = (layer, "beside an injection")
                if cued(index) { queue.append(index) }
            }
        }
    }

    /// The detector for the shipped patterns and no skill names, compiled once.
    static let standard = InjectionDetector(patterns: .standard, skillNames: [])

    static func make(patterns: InjectionPatterns, skillNames: [String]) -> InjectionDetector {
        if patterns == .standard && skillNames.isEmpty { return standard }
        return InjectionDetector(patterns: patterns, skillNames: skillNames)
    }

    /// What one sentence holds (a plain value: there is one per sentence).
    struct Finding {
        /// The entry of the first phrase (or ROT13 phrase) found, or -1.
        var phrase: Int32 = -1
        var cues: ToneCues.Category = []
        /// Bit `i`: skill `i` is named (skills past 63 share bit 63).
        var skills: UInt64 = 0
        var hasPhrase: Bool { phrase >= 0 }
    }

    /// Runs layers 6 and 7 (as enabled) over `text`; returns the text left and reports each removed sentence.
    func detect(_ text: [UInt8], configuration: ContentSanitizer.Configuration, report: inout ReportBuilder) -> [UInt8] {
        var current = text
        for _ in 0 ..< 4 {
            let (kept, removed) = current.withUnsafeBufferPointer { round($0, configuration: configuration, report: &report) }
            guard removed else { break }
            current = kept
        }
        return current
    }

    /// Scans the text once and removes what it finds; returns the new text and whether anything went.
    func round(_ text: UnsafeBufferPointer<UInt8>, configuration: ContentSanitizer.Configuration,
               report: inout ReportBuilder) -> ([UInt8], Bool) {
        var sentences = SentenceSegmenter.split(text)
        guard !sentences.isEmpty else { return ([], false) }
        var findings = [Finding](repeating: Finding(), count: sentences.count)
        var matches: [PatternAutomaton.Match] = []
        var longWords: [Int] = []
        automaton.scan(text, into: &matches, longWords: &longWords)
        var sentenceIndex = 0
        for end in longWords {
            while sentenceIndex + 1 < sentences.count, sentences[sentenceIndex + 1].gapStart < end { sentenceIndex += 1 }
            sentences[sentenceIndex].hasLongToken = true
        }
        // Matches come in order of their ends, so a cursor finds the sentence of each end; a start may lie in
        // an earlier sentence (a phrase across a sentence boundary takes every sentence it touches).
        var cursor = 0
        for match in matches {
            let last = max(match.start, match.end - 1)
            while cursor + 1 < sentences.count, sentences[cursor + 1].gapStart <= last { cursor += 1 }
            var first = cursor
            while first > 0, sentences[first].gapStart > match.start { first -= 1 }
            switch entries[match.pattern] {
            case .phrase, .rot13:
                guard configuration.removesInjectionPatterns else { continue }
                for index in first ... cursor where !findings[index].hasPhrase {
                    findings[index].phrase = Int32(match.pattern)
                }
            case .cue(let category):
                findings[cursor].cues.insert(category)
            case .skill(let index, _):
                findings[cursor].skills |= 1 << UInt64(min(index, 63))
            }
        }
        for (index, sentence) in sentences.enumerated() where ToneCues.startsWithRoleMarker(UnsafeBufferPointer(rebasing: text[sentence.start ..< sentence.end])) {
            findings[index].cues.insert(.roleMarker)
        }
        // What goes, and why.
        var removals: [Int: (SanitizerLayer, String)] = [:]
        for (index, sentence) in sentences.enumerated() {
            let finding = findings[index]
            if finding.hasPhrase {
                switch entries[Int(finding.phrase)] {
                case .phrase(let family, let phrase): removals[index] = (.patterns, "\(family): \"\(phrase)\"")
                case .rot13(let family, let phrase): removals[index] = (.patterns, "\(family): \"\(phrase)\" (rot13)")
                default: break
                }
                continue
            }
            if configuration.removesInjectionPatterns, sentence.hasLongToken,
               let encoded = EncodedPayloads.find(in: UnsafeBufferPointer(rebasing: text[sentence.start ..< sentence.end]), detector: self) {
                removals[index] = (.patterns, encoded)
                continue
            }
            let skillCount = finding.skills.nonzeroBitCount
            if configuration.removesImperativeTone,
               ToneCues.total(finding.cues) + (skillCount == 0 ? 0 : 2) + 1 >= configuration.toneThreshold {
                let score = ToneCues.score(finding.cues, skills: skillCount,
                                           sentence: UnsafeBufferPointer(rebasing: text[sentence.start ..< sentence.end]),
                                           threshold: configuration.toneThreshold)
                if score.total >= configuration.toneThreshold {
                    let named = skillNames.enumerated().filter { finding.skills & (1 << UInt64(min($0.offset, 63))) != 0 }.map(\.element)
                    removals[index] = (.imperativeTone, "imperative tone \(score.total) (\(score.description)"
                        + (named.isEmpty ? "" : "; skills: " + named.joined(separator: ", ")) + ")")
                }
            }
        }
        guard !removals.isEmpty else { return ([], false) }
        if configuration.removesSurroundingSentences {
            spread(removals: &removals, sentences: sentences, findings: findings, text: text)
        }
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var gapHasNewline = false
        var removedSinceKept = false
        for (index, sentence) in sentences.enumerated() {
            let gap = UnsafeBufferPointer(rebasing: text[sentence.gapStart ..< sentence.start])
            if let (layer, reason) = removals[index] {
                removedSinceKept = true
                if gap.contains(0x0A) { gapHasNewline = true }
                let body = UnsafeBufferPointer(rebasing: text[sentence.start ..< sentence.end])
                _ = report.add(layer: layer, reason: reason, excerpt: String(decoding: body, as: UTF8.self), whole: true)
                continue
            }
            if !out.isEmpty {
                if removedSinceKept {
                    out.append(gapHasNewline || gap.contains(0x0A) ? 0x0A : 0x20)
                } else {
                    out.append(contentsOf: gap)
                }
            }
            removedSinceKept = false
            gapHasNewline = false
            out.append(contentsOf: UnsafeBufferPointer(rebasing: text[sentence.start ..< sentence.end]))
        }
        return (out, true)
    }

}
