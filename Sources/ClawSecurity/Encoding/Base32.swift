/// RFC 4648 Base32, as authenticator apps use it for TOTP secrets.
///
/// Decoding is tolerant in the ways people type secrets (lower case, missing or present `=` padding,
/// spaces and hyphens between groups) and strict in everything else: a character outside the alphabet,
/// padding in the middle, a length no encoding can have, or non-zero trailing bits are errors.
public enum Base32 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)
    private static let table: [UInt8] = {
        var out = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() {
            out[Int(c)] = UInt8(i)
            out[Int(c | 0x20)] = UInt8(i)  // lower case; digits map onto themselves
        }
        return out
    }()

    /// Encodes bytes as upper-case Base32.
    /// - Parameters:
    ///   - bytes: The bytes to encode.
    ///   - padded: Whether to append `=` up to a multiple of 8 characters (authenticator URIs omit it).
    /// - Returns: The encoded text.
    public static func encode(_ bytes: some Sequence<UInt8>, padded: Bool = false) -> String {
        var out = [UInt8]()
        var acc: UInt64 = 0
        var bits = 0
        for b in bytes {
            acc = (acc << 8) | UInt64(b)
            bits += 8
            while bits >= 5 {
                bits -= 5
                out.append(alphabet[Int((acc >> UInt64(bits)) & 0x1F)])
            }
        }
        if bits > 0 {
            out.append(alphabet[Int((acc << UInt64(5 - bits)) & 0x1F)])
        }
        if padded {
            while out.count % 8 != 0 { out.append(UInt8(ascii: "=")) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes Base32 text.
    /// - Parameter text: The encoded secret; case, `=` padding, spaces and hyphens are tolerated.
    /// - Returns: The decoded bytes.
    /// - Throws: ``ClawSecurityError/Code/invalidBase32`` for anything that is not Base32. The error
    ///   names the position of the first bad character, never the text itself.
    public static func decode(_ text: some StringProtocol) throws(ClawSecurityError) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count * 5 / 8)
        var acc: UInt64 = 0
        var bits = 0
        var symbols = 0
        var padding = 0
        for (position, c) in text.utf8.enumerated() {
            if c == UInt8(ascii: " ") || c == UInt8(ascii: "-") {
                guard padding == 0 else { throw invalid("separator after padding", at: position) }
                continue
            }
            if c == UInt8(ascii: "=") {
                padding += 1
                continue
            }
            guard padding == 0 else { throw invalid("data after padding", at: position) }
            let v = table[Int(c)]
            guard v != 0xFF else { throw invalid("character outside the Base32 alphabet", at: position) }
            symbols += 1
            acc = (acc << 5) | UInt64(v)
            bits += 5
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt64(bits)))
            }
        }
        // A final group of 1, 3 or 6 symbols cannot come from whole bytes.
        let tail = symbols % 8
        guard tail != 1, tail != 3, tail != 6 else {
            throw ClawSecurityError(.invalidBase32, "Base32 text has a length no encoding can have")
        }
        if padding > 0 {
            guard (symbols + padding) % 8 == 0, padding < 8 else {
                throw ClawSecurityError(.invalidBase32, "Base32 padding does not complete the last group")
            }
        }
        guard acc & ((1 << UInt64(bits)) - 1) == 0 else {
            throw ClawSecurityError(.invalidBase32, "Base32 text has non-zero trailing bits")
        }
        return out
    }

    private static func invalid(_ what: String, at position: Int) -> ClawSecurityError {
        ClawSecurityError(.invalidBase32, "invalid Base32: \(what) at position \(position)")
    }
}
