/// Lexical clean-up of CSS before it is read: comments become a space (as they separate tokens in CSS),
/// escapes are decoded (`\64 isplay` and `disp\lay` are `display`), ASCII is lowered (property names and
/// the keywords that hide are case-insensitive), and runs of whitespace become one space.
enum CSSText {
    /// The cleaned bytes.
    static func normalize(_ css: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(css.count)
        var i = 0
        let n = css.count
        var lastWasSpace = true
        @inline(__always) func appendSpace() {
            if !lastWasSpace { out.append(0x20) }
            lastWasSpace = true
        }
        while i < n {
            let b = css[i]
            if b == 0x2F, i + 1 < n, css[i + 1] == 0x2A {
                // A comment, to "*/" or the end.
                i += 2
                while i + 1 < n, !(css[i] == 0x2A && css[i + 1] == 0x2F) { i += 1 }
                i = min(n, i + 2)
                appendSpace()
                continue
            }
            if b == 0x5C {
                i += 1
                guard i < n else { break }
                let c = css[i]
                if Hex.nibble(c) != nil {
                    var value: UInt32 = 0
                    var digits = 0
                    while i < n, digits < 6, let nibble = Hex.nibble(css[i]) {
                        value = value &* 16 &+ UInt32(nibble)
                        digits += 1
                        i += 1
                    }
                    if i < n, css[i].isASCIIWhitespace { i += 1 }
                    if value == 0 || value > 0x10FFFF || (0xD800 ... 0xDFFF).contains(value) { value = 0xFFFD }
                    if value < 0x80 {
                        appendByte(UInt8(value))
                    } else {
                        out.append(contentsOf: String(Character(Unicode.Scalar(value)!)).utf8)
                        lastWasSpace = false
                    }
                } else if c == 0x0A || c == 0x0C {
                    i += 1 // an escaped newline continues a string
                } else {
                    appendByte(c)
                    i += 1
                }
                continue
            }
            if b.isASCIIWhitespace {
                appendSpace()
            } else {
                appendByte(b)
            }
            i += 1
        }
        if out.last == 0x20 { out.removeLast() }
        return out

        func appendByte(_ byte: UInt8) {
            out.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
            lastWasSpace = false
        }
    }


    /// Trims spaces at both ends.
    static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var slice = bytes
        while let first = slice.first, first == 0x20 { slice = slice.dropFirst() }
        while let last = slice.last, last == 0x20 { slice = slice.dropLast() }
        return slice
    }

    /// Splits at `separator` outside parentheses and quotes.
    static func split(_ bytes: ArraySlice<UInt8>, at separator: UInt8) -> [ArraySlice<UInt8>] {
        var parts: [ArraySlice<UInt8>] = []
        var depth = 0
        var quote: UInt8 = 0
        var start = bytes.startIndex
        for i in bytes.indices {
            let b = bytes[i]
            if quote != 0 {
                if b == quote { quote = 0 }
            } else if b == 0x22 || b == 0x27 {
                quote = b
            } else if b == 0x28 {
                depth += 1
            } else if b == 0x29 {
                depth = max(0, depth - 1)
            } else if b == separator && depth == 0 {
                parts.append(bytes[start ..< i])
                start = i + 1
            }
        }
        parts.append(bytes[start ..< bytes.endIndex])
        return parts
    }
}
