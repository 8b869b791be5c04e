/// Writes extracted text (layer 4) and takes out invisible characters on the way (layer 3): runs of
/// whitespace collapse to one space outside preformatted elements, block boundaries and `<br>` give line
/// breaks (at most one blank line in a row), and nothing leads or trails.
struct TextWriter {
    var out: [UInt8] = []
    /// Whether invisible characters are removed (layer 3 on).
    let stripsInvisible: Bool
    /// Invisible characters removed, and the first few distinct ones (for the report).
    var invisibleRemoved = 0
    var invisibleSeen: [UInt32: Int] = [:]
    /// Where the first removal happened in `out` (for the report's excerpt).
    var firstInvisibleAt: Int?

    private var pendingSpace = false
    private var pendingNewlines = 0

    init(stripsInvisible: Bool, capacity: Int) {
        self.stripsInvisible = stripsInvisible
        out.reserveCapacity(capacity)
    }

    /// Asks for a line break before the next text (a block element starts or ends).
    mutating func blockBoundary() {
        if pendingNewlines == 0 { pendingNewlines = 1 }
        pendingSpace = false
    }

    /// A `<br>`: a line break even on an empty line (up to one blank line).
    mutating func lineBreak() {
        pendingNewlines = min(pendingNewlines + 1, 2)
        pendingSpace = false
    }

    /// A space unless one is pending or a line starts (between table cells).
    mutating func space() { pendingSpace = true }

    @inline(__always)
    private mutating func flushPending() {
        if out.isEmpty {
            pendingNewlines = 0
            pendingSpace = false
            return
        }
        if pendingNewlines > 0 {
            // Trailing spaces never end a line.
            while out.last == 0x20 { out.removeLast() }
            for _ in 0 ..< pendingNewlines { out.append(0x0A) }
            pendingNewlines = 0
            pendingSpace = false
        } else if pendingSpace {
            if out.last != 0x0A && out.last != 0x20 { out.append(0x20) }
            pendingSpace = false
        }
    }

    /// Writes text (valid UTF-8), collapsing whitespace unless `preformatted`.
    mutating func write(_ text: UnsafeBufferPointer<UInt8>, preformatted: Bool) {
        let n = text.count
        var i = 0
        while i < n {
            let b = text[i]
            if b > 0x20 && b < 0x7F {
                // A run of printable ASCII, single spaces between words included (they stay as they are).
                var j = i + 1
                while j < n {
                    let c = text[j]
                    if c > 0x20 && c < 0x7F {
                        j += 1
                    } else if c == 0x20, j + 1 < n, text[j + 1] > 0x20, text[j + 1] < 0x7F {
                        j += 2
                    } else {
                        break
                    }
                }
                flushPending()
                out.append(contentsOf: UnsafeBufferPointer(rebasing: text[i ..< j]))
                i = j
                continue
            }
            if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0C || b == 0x0D {
                if preformatted {
                    if b == 0x0A {
                        flushPending()
                        out.append(0x0A)
                    } else {
                        flushPending()
                        out.append(b == 0x09 ? 0x09 : 0x20)
                    }
                } else {
                    pendingSpace = true
                }
                i += 1
                continue
            }
            if b < 0x80 {
                // Other C0 controls and DEL.
                if stripsInvisible {
                    noteInvisible(UInt32(b))
                } else {
                    flushPending()
                    out.append(b)
                }
                i += 1
                continue
            }
            let (value, length) = Self.decode(text, at: i)
            if stripsInvisible, InvisibleCharacters.isInvisible(value) {
                noteInvisible(value)
            } else if InvisibleCharacters.isSpace(value) && !preformatted {
                pendingSpace = true
            } else if InvisibleCharacters.isLineBreak(value) {
                lineBreak()
            } else {
                flushPending()
                out.append(contentsOf: UnsafeBufferPointer(rebasing: text[i ..< i + length]))
            }
            i += length
        }
    }

    private mutating func noteInvisible(_ value: UInt32) {
        invisibleRemoved += 1
        if firstInvisibleAt == nil { firstInvisibleAt = out.count }
        if invisibleSeen.count < 16 || invisibleSeen[value] != nil { invisibleSeen[value, default: 0] += 1 }
    }

    /// Decodes the scalar at `i` of valid UTF-8.
    @inline(__always)
    static func decode(_ text: UnsafeBufferPointer<UInt8>, at i: Int) -> (UInt32, Int) {
        let b = UInt32(text[i])
        let n = text.count
        if b < 0xE0, i + 1 < n { return (((b & 0x1F) << 6) | (UInt32(text[i + 1]) & 0x3F), 2) }
        if b < 0xF0, i + 2 < n {
            return (((b & 0x0F) << 12) | ((UInt32(text[i + 1]) & 0x3F) << 6) | (UInt32(text[i + 2]) & 0x3F), 3)
        }
        if i + 3 < n {
            return (((b & 0x07) << 18) | ((UInt32(text[i + 1]) & 0x3F) << 12) | ((UInt32(text[i + 2]) & 0x3F) << 6)
                | (UInt32(text[i + 3]) & 0x3F), 4)
        }
        return (0xFFFD, 1)
    }

    /// The text without trailing whitespace.
    mutating func finish() -> [UInt8] {
        while let last = out.last, last == 0x20 || last == 0x0A || last == 0x09 { out.removeLast() }
        return out
    }
}
