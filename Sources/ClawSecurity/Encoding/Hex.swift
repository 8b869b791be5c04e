/// Lower-case hexadecimal encoding and a strict decoder.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Encodes bytes as lower-case hex.
    /// - Parameter bytes: The bytes to encode.
    /// - Returns: Two lower-case hex digits per byte.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes hex text, accepting either case.
    /// - Parameter text: An even number of hex digits, nothing else.
    /// - Returns: The bytes.
    /// - Throws: ``ClawSecurityError/Code/invalidHex`` for an odd length or a non-hex character.
    public static func decode(_ text: some StringProtocol) throws(ClawSecurityError) -> [UInt8] {
        try decode(utf8: text.utf8)
    }

    /// Decodes hex digits given as UTF-8 bytes, accepting either case.
    /// - Parameter utf8: An even number of hex digits, nothing else.
    /// - Returns: The bytes.
    /// - Throws: ``ClawSecurityError/Code/invalidHex`` for an odd length or a non-hex character.
    public static func decode(utf8 text: some Collection<UInt8>) throws(ClawSecurityError) -> [UInt8] {
        let utf8 = Array(text)
        guard utf8.count % 2 == 0 else {
            throw ClawSecurityError(.invalidHex, "hex text has an odd number of digits")
        }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let hi = nibble(utf8[i]), let lo = nibble(utf8[i + 1]) else {
                throw ClawSecurityError(.invalidHex, "hex text holds a character that is not a hex digit")
            }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    @inline(__always)
    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
