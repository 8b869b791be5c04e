/// The normalization text goes through before phrases are matched: every character becomes a small symbol
/// so that spellings a person reads as the same word match the same phrase.
///
/// - Letters fold to lower-case Latin: case, compatibility forms (fullwidth, mathematical, circled and
///   other styled letters, ligatures, as NFKC does), accents, and letters that look Latin in Cyrillic and
///   Greek (their confusable skeleton).
/// - Digits fold to the letters leetspeak uses them for (`0` o, `1` i, `3` e, `4` a, `5` s, `7` t, ...), and
///   `@` and `$` to a and s.
/// - Apostrophes vanish (`you're` is `youre`); every other run of spaces, punctuation and line breaks is one
///   word separator, so a phrase matches across them.
/// - Other letters (CJK, Arabic, ...) are word characters that match no phrase.
///
/// Symbols: 0 separator, 1 to 26 the letters a to z, 27 any other letter.
enum TextFolding {
    /// The number of symbols.
    static let symbolCount = 28
    static let separator: UInt8 = 0
    static let otherLetter: UInt8 = 27
    /// In the ASCII table: a byte that vanishes.
    static let vanish: UInt8 = 0xFE
    /// In the ASCII table: not ASCII, decode the scalar.
    static let decode: UInt8 = 0xFF

    /// The symbol of each byte below 0x80, or ``vanish``.
    static let ascii: [UInt8] = {
        var table = [UInt8](repeating: separator, count: 256)
        for b in UInt8(ascii: "a") ... UInt8(ascii: "z") { table[Int(b)] = b - 0x60 }
        for b in UInt8(ascii: "A") ... UInt8(ascii: "Z") { table[Int(b)] = b - 0x40 }
        for (digit, letter) in zip("0123456789", "oizeasgtbg") {
            table[Int(digit.asciiValue!)] = letter.asciiValue! - 0x60
        }
        table[Int(UInt8(ascii: "@"))] = 1
        table[Int(UInt8(ascii: "$"))] = 19
        table[Int(UInt8(ascii: "'"))] = vanish
        for b in 0x80 ... 0xFF { table[b] = decode }
        return table
    }()

    /// Symbols of the non-ASCII scalars that fold to Latin letters (one to three symbols each), or that
    /// vanish (combining marks, right single quotation mark). Built once from the Unicode character names.
    static let extended: [UInt32: [UInt8]] = {
        var table: [UInt32: [UInt8]] = [:]
        let ranges: [ClosedRange<UInt32>] = [
            0x00C0 ... 0x024F, 0x0250 ... 0x02AF, 0x0370 ... 0x03FF, 0x0400 ... 0x04FF, 0x0500 ... 0x052F,
            0x1D00 ... 0x1DBF, 0x1E00 ... 0x1EFF, 0x2070 ... 0x209F, 0x2100 ... 0x214F, 0x2460 ... 0x24FF,
            0xFB00 ... 0xFB06, 0xFF00 ... 0xFFEF, 0x1D400 ... 0x1D7FF, 0x1F100 ... 0x1F1FF,
        ]
        for range in ranges {
            for value in range {
                guard let scalar = Unicode.Scalar(value), let symbols = fromName(scalar) else { continue }
                table[value] = symbols
            }
        }
        // Cyrillic and Greek letters that look Latin (Unicode's confusables, lower and upper case).
        let confusables: [(String, Character)] = [
            ("аАⱥ", "a"), ("вВ", "b"), ("сСϲϹ", "c"), ("ԁ", "d"), ("еЕёЁєЄ", "e"), ("һҺ", "h"), ("іІїЇ", "i"),
            ("јЈ", "j"), ("кКκΚ", "k"), ("ӏ", "l"), ("мМΜ", "m"), ("нΗ", "h"), ("оОοΟσ", "o"), ("рРρΡ", "p"),
            ("ԛ", "q"), ("ѕЅ", "s"), ("тТτΤ", "t"), ("υ", "u"), ("νΝ", "v"), ("ԝ", "w"), ("хХχΧ", "x"),
            ("уУγΥ", "y"), ("ΖΖ", "z"), ("αΑ", "a"), ("βΒ", "b"), ("εΕ", "e"), ("ιΙ", "i"), ("ΤΤ", "t"),
        ]
        for (letters, latin) in confusables {
            for scalar in letters.unicodeScalars { table[scalar.value] = [latin.asciiValue! - 0x60] }
        }
        for value in UInt32(0x0300) ... 0x036F { table[value] = [] } // combining diacritical marks
        for value: UInt32 in [0x2018, 0x2019, 0x02BC, 0xFF07] { table[value] = [] } // apostrophes
        return table
    }()

    /// The Latin letters a styled or accented letter stands for, from its name: "LATIN SMALL LETTER E WITH
    /// ACUTE", "MATHEMATICAL BOLD CAPITAL A", "FULLWIDTH LATIN SMALL LETTER X", "LATIN SMALL LIGATURE FI",
    /// "CIRCLED DIGIT ONE" (a digit folds as ASCII digits do).
    static func fromName(_ scalar: Unicode.Scalar) -> [UInt8]? {
        if let numeric = scalar.properties.numericType, numeric == .decimal, let value = scalar.properties.numericValue,
           value >= 0, value <= 9, value == value.rounded() {
            return [ascii[Int(UInt8(ascii: "0")) + Int(value)]]
        }
        guard let name = scalar.properties.name else { return nil }
        let words = name.split(separator: " ")
        if let index = words.firstIndex(of: "LIGATURE"), index + 1 < words.count, words.first == "LATIN" {
            let letters = words[index + 1]
            guard letters.count <= 3, letters.allSatisfy({ $0.isASCII && $0.isLetter }) else { return nil }
            return letters.map { $0.lowercased().first!.asciiValue! - 0x60 }
        }
        guard let last = words.last, last.count == 1, let letter = last.first, letter.isASCII, letter.isLetter else {
            // "LATIN SMALL LETTER E WITH ACUTE": the letter before WITH.
            if let with = words.firstIndex(of: "WITH"), with >= 1, words[0] == "LATIN",
               words[with - 1].count == 1, let letter = words[with - 1].first, letter.isASCII, letter.isLetter {
                return [letter.lowercased().first!.asciiValue! - 0x60]
            }
            return nil
        }
        let styled = ["LATIN", "MATHEMATICAL", "FULLWIDTH", "CIRCLED", "PARENTHESIZED", "SQUARED", "NEGATIVE",
                      "REGIONAL", "DOUBLE-STRUCK", "SCRIPT", "BLACK-LETTER", "MODIFIER", "SUPERSCRIPT", "SUBSCRIPT"]
        guard words.contains(where: { styled.contains(String($0)) }),
              words.contains("CAPITAL") || words.contains("SMALL") || words.contains("LETTER") else { return nil }
        return [letter.lowercased().first!.asciiValue! - 0x60]
    }

    /// Folds a whole text to symbols (separators collapsed, a separator at both ends), for phrases and tests.
    static func fold(_ text: String) -> [UInt8] {
        var out: [UInt8] = [separator]
        for scalar in text.unicodeScalars {
            for symbol in symbols(of: scalar.value) where !(symbol == separator && out.last == separator) {
                out.append(symbol)
            }
        }
        if out.last != separator { out.append(separator) }
        return out
    }

    /// The symbols of one scalar (none when it vanishes).
    @inline(__always)
    static func symbols(of value: UInt32) -> [UInt8] {
        if value < 0x80 {
            let symbol = ascii[Int(value)]
            return symbol == vanish ? [] : [symbol]
        }
        if let mapped = extended[value] { return mapped }
        if InvisibleCharacters.isInvisible(value) { return [] }
        if let scalar = Unicode.Scalar(value), scalar.properties.isAlphabetic { return otherLetterSymbols }
        return separatorSymbols
    }

    // Shared so that the scan's non-ASCII path does not allocate an array per character.
    private static let otherLetterSymbols: [UInt8] = [otherLetter]
    private static let separatorSymbols: [UInt8] = [separator]

    /// Symbols as readable text: letters, `_` for a separator, `?` for other letters.
    static func describe(_ symbols: some Sequence<UInt8>) -> String {
        String(symbols.map { $0 == separator ? " " : $0 == otherLetter ? "?" : Character(Unicode.Scalar($0 + 0x60)) })
    }
}
