/// Layer 5: where to cut text so that it fits a byte budget, at a sentence end when there is one in the
/// last half of the budget, else at a space, else at a UTF-8 boundary.
enum SizeGuard {
    /// The number of bytes to keep (at most `budget`, never inside a UTF-8 sequence).
    static func cut(_ text: [UInt8], budget: Int) -> Int {
        guard text.count > budget else { return text.count }
        guard budget > 0 else { return 0 }
        let floor = budget / 2
        // A sentence end: '.', '!', '?' (or a line break) followed by whitespace, within the budget.
        var i = budget - 1
        while i >= floor {
            let b = text[i]
            if b == 0x0A { return Self.trimmed(text, i) }
            if (b == 0x2E || b == 0x21 || b == 0x3F), i + 1 < text.count, text[i + 1] == 0x20 || text[i + 1] == 0x0A {
                return i + 1
            }
            // CJK full stop, exclamation and question marks (U+3002, U+FF01, U+FF1F).
            if i >= 2, i + 1 <= budget, (text[i - 2], text[i - 1], b) == (0xE3, 0x80, 0x82)
                || (text[i - 2], text[i - 1], b) == (0xEF, 0xBC, 0x81) || (text[i - 2], text[i - 1], b) == (0xEF, 0xBC, 0x9F) {
                return i + 1
            }
            i -= 1
        }
        i = budget
        while i > floor {
            if text[i] == 0x20 || text[i] == 0x09 { return Self.trimmed(text, i) }
            i -= 1
        }
        var cut = budget
        while cut > 0, text[cut] & 0xC0 == 0x80 { cut -= 1 }
        return trimmed(text, cut)
    }

    /// `end` moved back over spaces, tabs and line breaks.
    private static func trimmed(_ text: [UInt8], _ end: Int) -> Int {
        var end = end
        while end > 0, text[end - 1] == 0x20 || text[end - 1] == 0x0A || text[end - 1] == 0x09 { end -= 1 }
        return end
    }
}
