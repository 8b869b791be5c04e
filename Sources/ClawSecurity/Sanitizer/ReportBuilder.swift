/// Collects a ``SanitizerReport``'s removals while the layers run: the list is capped, the counts are not,
/// and excerpts are kept short and free of invisible characters.
struct ReportBuilder {
    var removals: [SanitizerRemoval] = []
    var excerpts: [[UInt8]] = []
    /// Removals whose excerpt is the whole removed sentence (layers 6 and 7), not cut to the excerpt length
    /// (only to ``maxSentenceExcerpt`` characters, so a report stays bounded).
    var whole: [Bool] = []
    static let maxSentenceExcerpt = 2000
    var unlisted = 0
    var counts: [SanitizerLayer: Int] = [:]
    var limit = 100

    /// Counts a removal that is not listed (such as a dropped script).
    mutating func count(_ layer: SanitizerLayer, _ amount: Int = 1) { counts[layer, default: 0] += amount }

    /// Lists a removal; returns its index for ``appendExcerpt(_:to:limit:)``, or -1 past the cap.
    mutating func add(layer: SanitizerLayer, reason: String, excerpt: String = "", whole: Bool = false) -> Int32 {
        count(layer)
        guard removals.count < limit else {
            unlisted += 1
            return -1
        }
        removals.append(SanitizerRemoval(layer: layer, reason: reason, excerpt: excerpt))
        excerpts.append(Array(excerpt.utf8))
        self.whole.append(whole)
        return Int32(removals.count - 1)
    }

    /// Adds removed text to a removal's excerpt, up to a bound (the excerpt is cut to `limit` characters
    /// when the report is built).
    mutating func appendExcerpt(_ text: UnsafeBufferPointer<UInt8>, to index: Int32, limit: Int) {
        guard index >= 0 else { return }
        let room = limit * 8 - excerpts[Int(index)].count
        guard room > 0 else { return }
        excerpts[Int(index)].append(contentsOf: text.prefix(room))
    }

    /// The removals with their excerpts: whitespace collapsed, invisible characters dropped, at most
    /// `excerptLength` characters.
    func build(excerptLength: Int) -> [SanitizerRemoval] {
        var result = removals
        for index in result.indices where whole[index] && result[index].excerpt.count > Self.maxSentenceExcerpt {
            result[index].excerpt = String(result[index].excerpt.prefix(Self.maxSentenceExcerpt))
        }
        for index in result.indices where !whole[index] {
            let raw = excerpts[index]
            // Cut at a scalar boundary first (the raw bytes were capped without regard to UTF-8).
            var scalars = String.UnicodeScalarView()
            var lastWasSpace = true
            var characters = 0
            for scalar in String(decoding: raw, as: UTF8.self).unicodeScalars {
                if InvisibleCharacters.isInvisible(scalar.value) && scalar.value != 0x0A && scalar.value != 0x09 { continue }
                let isSpace = scalar.properties.isWhitespace
                if isSpace {
                    if lastWasSpace { continue }
                    scalars.append(" ")
                } else {
                    scalars.append(scalar)
                }
                lastWasSpace = isSpace
                characters += 1
                if characters >= excerptLength { break }
            }
            var text = String(scalars)
            while text.last == " " { text.removeLast() }
            result[index].excerpt = text
        }
        return result
    }
}
