/// Layer 3's character classes: what a person cannot see but a model reads.
public enum InvisibleCharacters {
    /// Whether the code point is invisible: zero-width and format characters (U+200B-U+200F,
    /// U+2060-U+2064, U+FEFF, U+00AD, U+034F, U+061C, U+115F, U+1160, U+17B4, U+17B5, U+180E), bidi controls
    /// (U+202A-U+202E, U+2066-U+2069), tag characters (U+E0000-U+E007F), variation selectors (U+FE00-U+FE0F,
    /// U+E0100-U+E01EF), the filler letters U+3164 and U+FFA0, and C0/C1 controls other than tab and line
    /// feed (carriage return included: line breaks are normalized to LF before this runs).
    public static func isInvisible(_ value: UInt32) -> Bool {
        switch value {
        case 0x09, 0x0A: false
        case 0x00 ... 0x1F, 0x7F ... 0x9F: true
        case 0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x3164, 0xFFA0, 0xFEFF: true
        case 0x200B ... 0x200F, 0x202A ... 0x202E, 0x2060 ... 0x2064, 0x2066 ... 0x2069: true
        case 0xFE00 ... 0xFE0F, 0xE0000 ... 0xE007F, 0xE0100 ... 0xE01EF: true
        default: false
        }
    }

    /// Whether the code point is a space that text extraction collapses like an ASCII space: no-break
    /// space and the other Unicode spaces (a payload split by them is rejoined with one space).
    static func isSpace(_ value: UInt32) -> Bool {
        switch value {
        case 0x00A0, 0x1680, 0x2000 ... 0x200A, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }

    /// Whether the code point breaks a line (next line, line and paragraph separators).
    static func isLineBreak(_ value: UInt32) -> Bool { value == 0x85 || value == 0x2028 || value == 0x2029 }
}
