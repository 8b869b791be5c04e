/// Splits extracted text into sentences, the unit layers 6 and 7 remove.
///
/// A line break always ends a sentence (text extraction puts one after every block and list item). Inside a
/// line, `.`, `!`, `?` (and `。！？`) end a sentence when whitespace follows, unless the word before a full
/// stop is a common abbreviation (`e.g.`, `approx.`) or a single letter (an initial); or directly when a lower-case word runs into a capital letter (`instructions.Ignore`). A
/// sentence longer than ``maxSentenceBytes`` is cut at a space, so one stray phrase cannot take a whole
/// unpunctuated page with it.
enum SentenceSegmenter {
    /// One sentence: its text is `start ..< end` (no leading or trailing whitespace); the whitespace before
    /// it, after the previous sentence, is `gapStart ..< start`.
    struct Sentence: Sendable, Hashable {
        var gapStart: Int
        var start: Int
        var end: Int
        /// Whether it may hold an encoded payload: three or more `%` here, or a long word found by the
        /// pattern scan.
        var hasLongToken = false
    }

    /// Bytes the segmenter stops at: line breaks, terminators, the first byte of the CJK terminators, and `%`
    /// (counted: three or more may be URL-encoding).
    static let stops: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for b in [0x0A, 0x2E, 0x21, 0x3F, 0xE3, 0xEF, 0x25] { table[b] = true }
        return table
    }()

    static let maxSentenceBytes = 1000

    static let abbreviations: Set<String> = [
        "e.g", "i.e", "etc", "vs", "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "no", "fig", "figs", "eq",
        "cf", "al", "approx", "dept", "inc", "ltd", "co", "corp", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
        "sep", "sept", "oct", "nov", "dec", "vol", "pp", "ch", "sec", "ref", "resp", "viz", "ca", "min", "max",
        "u.s", "e.v", "n.b", "ibid", "op", "ed", "eds", "rev", "gen", "col", "lt", "mt", "ft", "esp",
    ]

    /// The sentences of `text`, in order; together with their gaps they cover it, except trailing whitespace.
    static func split(_ text: UnsafeBufferPointer<UInt8>) -> [Sentence] {
        stops.withUnsafeBufferPointer { split(text, stops: $0) }
    }

    private static func split(_ text: UnsafeBufferPointer<UInt8>, stops: UnsafeBufferPointer<Bool>) -> [Sentence] {
        var sentences: [Sentence] = []
        let n = text.count
        var i = 0
        while i < n {
            // Skip the gap.
            let gapStart = i
            while i < n, text[i].isASCIIWhitespace { i += 1 }
            guard i < n else { break }
            let start = i
            var percents = 0
            var end = -1
            while i < n {
                // Fast: up to the next byte that matters.
                while i < n, !stops[Int(text[i])] { i += 1 }
                if i - start > maxSentenceBytes {
                    // Too long without an end: cut at the last space within the limit.
                    var cut = start + maxSentenceBytes
                    while cut > start + maxSentenceBytes / 2, text[cut] != 0x20 { cut -= 1 }
                    if text[cut] == 0x20 {
                        end = cut
                        i = cut
                        break
                    }
                }
                guard i < n else { break }
                let b = text[i]
                if b == 0x25 {
                    percents += 1
                    i += 1
                    continue
                }
                if b == 0x0A {
                    end = i
                    break
                }
                if b == 0x2E || b == 0x21 || b == 0x3F {
                    // A run of terminators ("?!", "...").
                    var j = i + 1
                    while j < n, text[j] == 0x2E || text[j] == 0x21 || text[j] == 0x3F { j += 1 }
                    // Closing quotes and brackets stay with the sentence.
                    while j < n, text[j] == 0x22 || text[j] == 0x27 || text[j] == 0x29 || text[j] == 0x5D { j += 1 }
                    if isBoundary(text, terminator: i, after: j, sentenceStart: start) {
                        end = j
                        i = j
                        break
                    }
                    i = j
                    continue
                }
                if b == 0xE3, i + 2 < n, text[i + 1] == 0x80, text[i + 2] == 0x82 { // 。
                    end = i + 3
                    i += 3
                    break
                }
                if b == 0xEF, i + 2 < n, text[i + 1] == 0xBC, text[i + 2] == 0x81 || text[i + 2] == 0x9F { // ！？
                    end = i + 3
                    i += 3
                    break
                }
                i += 1
            }
            if end < 0 { end = n }
            var trimmed = end
            while trimmed > start, text[trimmed - 1].isASCIIWhitespace { trimmed -= 1 }
            sentences.append(Sentence(gapStart: gapStart, start: start, end: trimmed, hasLongToken: percents >= 3))
            i = max(i, end)
        }
        return sentences
    }

    /// Whether the terminator at `terminator` (its run ending before `after`) ends the sentence.
    static func isBoundary(_ text: UnsafeBufferPointer<UInt8>, terminator: Int, after: Int, sentenceStart: Int) -> Bool {
        let n = text.count
        if after >= n { return true }
        let next = text[after]
        if next.isASCIIWhitespace {
            var k = after
            while k < n, text[k] == 0x20 || text[k] == 0x09 { k += 1 }
            if k >= n || text[k] == 0x0A { return true }
            guard text[terminator] == 0x2E else { return true }
            // The word before the full stop: an abbreviation or an initial does not end a sentence.
            var w = terminator
            while w > sentenceStart, !text[w - 1].isASCIIWhitespace, text[w - 1] != 0x28 { w -= 1 }
            let word = String(decoding: UnsafeBufferPointer(rebasing: text[w ..< terminator]), as: UTF8.self).lowercased()
            if word.count == 1, text[w] >= 0x41, text[w] <= 0x5A { return false } // an initial: "J. Smith"
            return !abbreviations.contains(word)
        }
        // No space: "instructions.Ignore" ends a sentence; "example.com", "3.14", "Node.js" do not.
        guard text[terminator] == 0x2E || text[terminator] == 0x21 || text[terminator] == 0x3F,
              next >= 0x41 && next <= 0x5A, terminator >= sentenceStart + 2 else { return false }
        let before = text[terminator - 1]
        let beforeThat = text[terminator - 2]
        return before >= 0x61 && before <= 0x7A && beforeThat >= 0x61 && beforeThat <= 0x7A
    }
}
