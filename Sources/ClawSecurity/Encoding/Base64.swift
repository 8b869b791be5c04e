/// Strict RFC 4648 base64, in the two alphabets Claw's formats use.
///
/// Decoding is strict: a character outside the alphabet, white space, wrong padding or non-zero
/// trailing bits make it fail, so every stored value has exactly one accepted spelling.
///
/// The loops work on raw buffers, three bytes (four characters) at a time, with a 4,096-entry table that
/// turns 12 bits into two characters at once.
public enum Base64 {
    /// Which RFC 4648 alphabet and padding rule a value uses.
    public struct Alphabet: Sendable, Hashable {
        let isURLSafe: Bool
        let padded: Bool

        /// The standard alphabet (`+`, `/`) with `=` padding, as AlexClaw and Python's `b64encode` write it.
        public static let standard = Alphabet(isURLSafe: false, padded: true)
        /// The URL-safe alphabet (`-`, `_`) without padding.
        public static let urlSafe = Alphabet(isURLSafe: true, padded: false)

        var characters: [UInt8] { isURLSafe ? Base64.urlSafeCharacters : Base64.standardCharacters }
        var pairs: [UInt16] { isURLSafe ? Base64.urlSafePairs : Base64.standardPairs }
        var decodeTable: [UInt8] { isURLSafe ? Base64.urlSafeDecode : Base64.standardDecode }
    }

    static let standardCharacters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    static let urlSafeCharacters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    static let standardPairs = pairTable(standardCharacters)
    static let urlSafePairs = pairTable(urlSafeCharacters)
    static let standardDecode = decodeTable(standardCharacters)
    static let urlSafeDecode = decodeTable(urlSafeCharacters)

    /// For each 12-bit value, its two characters as a little-endian `UInt16`.
    private static func pairTable(_ characters: [UInt8]) -> [UInt16] {
        (0..<4096).map { v in UInt16(characters[v >> 6]) | UInt16(characters[v & 0x3F]) << 8 }
    }

    private static func decodeTable(_ table: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in table.enumerated() { out[Int(c)] = UInt8(i) }
        return out
    }

    /// Returns the length of the encoding of `count` bytes.
    public static func encodedCount(_ count: Int, alphabet: Alphabet) -> Int {
        alphabet.padded ? (count + 2) / 3 * 4 : (count * 4 + 2) / 3
    }

    /// Encodes bytes into a string.
    /// - Parameters:
    ///   - bytes: The bytes to encode.
    ///   - alphabet: The alphabet and padding rule.
    /// - Returns: The encoded text.
    public static func encode(_ bytes: some Collection<UInt8>, alphabet: Alphabet = .standard) -> String {
        if let text = bytes.withContiguousStorageIfAvailable({ encode(UnsafeRawBufferPointer($0), alphabet: alphabet) }) {
            return text
        }
        return Array(bytes).withUnsafeBytes { encode($0, alphabet: alphabet) }
    }

    /// Encodes a raw buffer into a string.
    static func encode(_ bytes: UnsafeRawBufferPointer, alphabet: Alphabet) -> String {
        String(unsafeUninitializedCapacity: encodedCount(bytes.count, alphabet: alphabet)) { out in
            encode(bytes, alphabet: alphabet, into: UnsafeMutableRawBufferPointer(out))
        }
    }

    /// Encodes into a buffer that holds at least `encodedCount` bytes and returns how many it wrote.
    @discardableResult
    static func encode(
        _ input: UnsafeRawBufferPointer, alphabet: Alphabet, into out: UnsafeMutableRawBufferPointer
    ) -> Int {
        let n = input.count
        guard n > 0 else { return 0 }
        let src = input.baseAddress!
        let dst = out.baseAddress!
        let full = n / 3 * 3
        var i = 0
        var o = 0
        alphabet.pairs.withUnsafeBufferPointer { pairs in
            while i < full {
                let v = UInt32(src.load(fromByteOffset: i, as: UInt8.self)) << 16
                    | UInt32(src.load(fromByteOffset: i + 1, as: UInt8.self)) << 8
                    | UInt32(src.load(fromByteOffset: i + 2, as: UInt8.self))
                dst.storeBytes(of: pairs[Int(v >> 12)].littleEndian, toByteOffset: o, as: UInt16.self)
                dst.storeBytes(of: pairs[Int(v & 0xFFF)].littleEndian, toByteOffset: o + 2, as: UInt16.self)
                i += 3
                o += 4
            }
        }
        let rest = n - full
        guard rest > 0 else { return o }
        alphabet.characters.withUnsafeBufferPointer { t in
            let b0 = src.load(fromByteOffset: full, as: UInt8.self)
            let b1: UInt8 = rest == 2 ? src.load(fromByteOffset: full + 1, as: UInt8.self) : 0
            dst.storeBytes(of: t[Int(b0 >> 2)], toByteOffset: o, as: UInt8.self)
            dst.storeBytes(of: t[Int((b0 & 0x03) << 4 | b1 >> 4)], toByteOffset: o + 1, as: UInt8.self)
            o += 2
            if rest == 2 {
                dst.storeBytes(of: t[Int((b1 & 0x0F) << 2)], toByteOffset: o, as: UInt8.self)
                o += 1
            }
            if alphabet.padded {
                for _ in 0..<(3 - rest) {
                    dst.storeBytes(of: UInt8(ascii: "="), toByteOffset: o, as: UInt8.self)
                    o += 1
                }
            }
        }
        return o
    }

    /// Decodes text strictly, or returns `nil` when it is not a canonical encoding.
    /// - Parameters:
    ///   - text: The encoded text, as UTF-8 bytes.
    ///   - alphabet: The alphabet and padding rule the text must follow.
    /// - Returns: The decoded bytes, or `nil` for any malformed input.
    public static func decode(_ text: some Collection<UInt8>, alphabet: Alphabet = .standard) -> [UInt8]? {
        let run = { (input: UnsafeRawBufferPointer) -> [UInt8]? in
            var ok = false
            let out = [UInt8](unsafeUninitializedCapacity: maxDecodedCount(input.count)) { buffer, count in
                if let n = decode(input, alphabet: alphabet, into: UnsafeMutableRawBufferPointer(buffer)) {
                    count = n
                    ok = true
                } else {
                    count = 0
                }
            }
            return ok ? out : nil
        }
        if let result = text.withContiguousStorageIfAvailable({ run(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return Array(text).withUnsafeBytes(run)
    }

    /// The most bytes that `count` characters can decode to.
    static func maxDecodedCount(_ count: Int) -> Int { count / 4 * 3 + 2 }

    /// Decodes into a buffer of at least `maxDecodedCount(input.count)` bytes; returns the count or `nil`.
    static func decode(
        _ input: UnsafeRawBufferPointer, alphabet: Alphabet, into out: UnsafeMutableRawBufferPointer
    ) -> Int? {
        let count = input.count
        var body = count
        if alphabet.padded {
            guard count % 4 == 0 else { return nil }
            if count > 0, input[count - 1] == UInt8(ascii: "=") { body -= 1 }
            if count > 1, input[count - 2] == UInt8(ascii: "=") { body -= 1 }
        }
        // Without padding, or once padding is removed, a final group of 1 character is impossible.
        guard body % 4 != 1 else { return nil }
        guard body > 0 else { return 0 }
        let src = input.baseAddress!
        let dst = out.baseAddress!
        return alphabet.decodeTable.withUnsafeBufferPointer { t -> Int? in
            var i = 0
            var o = 0
            let full = body / 4 * 4
            while i < full {
                let a = t[Int(src.load(fromByteOffset: i, as: UInt8.self))]
                let b = t[Int(src.load(fromByteOffset: i + 1, as: UInt8.self))]
                let c = t[Int(src.load(fromByteOffset: i + 2, as: UInt8.self))]
                let d = t[Int(src.load(fromByteOffset: i + 3, as: UInt8.self))]
                guard (a | b | c | d) & 0x80 == 0 else { return nil }
                let v = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                dst.storeBytes(of: UInt8(truncatingIfNeeded: v >> 16), toByteOffset: o, as: UInt8.self)
                dst.storeBytes(of: UInt8(truncatingIfNeeded: v >> 8), toByteOffset: o + 1, as: UInt8.self)
                dst.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: o + 2, as: UInt8.self)
                i += 4
                o += 3
            }
            let rest = body - full
            if rest >= 2 {
                let a = t[Int(src.load(fromByteOffset: i, as: UInt8.self))]
                let b = t[Int(src.load(fromByteOffset: i + 1, as: UInt8.self))]
                let c = rest == 3 ? t[Int(src.load(fromByteOffset: i + 2, as: UInt8.self))] : 0
                guard (a | b | c) & 0x80 == 0 else { return nil }
                dst.storeBytes(of: a << 2 | b >> 4, toByteOffset: o, as: UInt8.self)
                o += 1
                if rest == 3 {
                    dst.storeBytes(of: b << 4 | c >> 2, toByteOffset: o, as: UInt8.self)
                    o += 1
                    // Non-canonical trailing bits would give two spellings to one value.
                    guard c & 0x03 == 0 else { return nil }
                } else {
                    guard b & 0x0F == 0 else { return nil }
                }
            }
            return o
        }
    }
}
