/// A shell-style pattern: `*` matches any run of characters, `?` exactly one; everything else is literal.
/// A pattern matches the whole text, never a substring, byte for byte (no Unicode equivalence).
public struct Glob: Sendable, Hashable, CustomStringConvertible {
    /// The pattern's text.
    public let pattern: String
    private let bytes: [UInt8]
    private let isLiteral: Bool

    /// Creates a pattern.
    public init(_ pattern: String) {
        self.pattern = pattern
        self.bytes = Array(pattern.utf8)
        self.isLiteral = !bytes.contains(UInt8(ascii: "*")) && !bytes.contains(UInt8(ascii: "?"))
    }

    /// The pattern.
    public var description: String { pattern }

    /// Returns whether the whole text matches, in time linear in the text for each star.
    public func matches(_ text: String) -> Bool {
        // Bytes, not Unicode equivalence: "\u{212A}" (Kelvin) must not match "K".
        if isLiteral { return text.utf8.count == bytes.count && text.utf8.elementsEqual(bytes) }
        let t = Array(text.utf8)
        var p = 0
        var i = 0
        var star = -1
        var resume = 0
        while i < t.count {
            if p < bytes.count, bytes[p] == UInt8(ascii: "?") || bytes[p] == t[i] {
                if bytes[p] == UInt8(ascii: "?") {
                    // Advance over one whole UTF-8 character.
                    i += Glob.scalarLength(t[i])
                } else {
                    i += 1
                }
                p += 1
            } else if p < bytes.count, bytes[p] == UInt8(ascii: "*") {
                star = p
                resume = i
                p += 1
            } else if star >= 0 {
                p = star + 1
                resume += 1
                i = resume
            } else {
                return false
            }
        }
        while p < bytes.count, bytes[p] == UInt8(ascii: "*") { p += 1 }
        return p == bytes.count
    }

    static func scalarLength(_ lead: UInt8) -> Int {
        switch lead {
        case 0xF0...: 4
        case 0xE0...: 3
        case 0xC0...: 2
        default: 1
        }
    }
}
