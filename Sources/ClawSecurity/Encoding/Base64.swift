/// Strict RFC 4648 base64, in the two alphabets Claw's formats use.
///
/// Decoding is strict: a character outside the alphabet, white space, wrong padding or non-zero
/// trailing bits make it fail, so every stored value has exactly one accepted spelling.
public enum Base64 {
    /// Which RFC 4648 alphabet and padding rule a value uses.
    public struct Alphabet: Sendable, Hashable {
        let table: [UInt8]
        let padded: Bool

        /// The standard alphabet (`+`, `/`) with `=` padding, as AlexClaw and Python's `b64encode` write it.
        public static let standard = Alphabet(
            table: Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8), padded: true)
        /// The URL-safe alphabet (`-`, `_`) without padding.
        public static let urlSafe = Alphabet(
            table: Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8), padded: false)
    }

    private static let standardDecode: [UInt8] = decodeTable(Alphabet.standard.table)
    private static let urlSafeDecode: [UInt8] = decodeTable(Alphabet.urlSafe.table)

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
        let n = encodedCount(bytes.count, alphabet: alphabet)
        return String(unsafeUninitializedCapacity: n) { out in
            encode(bytes, alphabet: alphabet, into: UnsafeMutableRawBufferPointer(out))
        }
    }

    /// Encodes bytes into a buffer that holds at least `encodedCount` bytes and returns how many it wrote.
    @discardableResult
    static func encode(
        _ bytes: some Collection<UInt8>, alphabet: Alphabet, into out: UnsafeMutableRawBufferPointer
    ) -> Int {
        alphabet.table.withUnsafeBufferPointer { t in
            var o = 0
            var it = bytes.makeIterator()
            while let b0 = it.next() {
                let b1 = it.next()
                let b2 = b1 == nil ? nil : it.next()
                out[o] = t[Int(b0 >> 2)]
                out[o + 1] = t[Int((b0 & 0x03) << 4 | (b1 ?? 0) >> 4)]
                o += 2
                if let b1 {
                    out[o] = t[Int((b1 & 0x0F) << 2 | (b2 ?? 0) >> 6)]
                    o += 1
                } else if alphabet.padded {
                    out[o] = UInt8(ascii: "=")
                    out[o + 1] = UInt8(ascii: "=")
                    o += 2
                    break
                }
                if let b2 {
                    out[o] = t[Int(b2 & 0x3F)]
                    o += 1
                } else {
                    if alphabet.padded {
                        out[o] = UInt8(ascii: "=")
                        o += 1
                    }
                    break
                }
            }
            return o
        }
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
        let table = alphabet.padded ? standardDecode : urlSafeDecode
        return table.withUnsafeBufferPointer { t -> Int? in
            var o = 0
            var acc: UInt32 = 0
            var bits: UInt32 = 0
            for i in 0..<body {
                let v = t[Int(input[i])]
                guard v != 0xFF else { return nil }
                acc = (acc << 6) | UInt32(v)
                bits += 6
                if bits >= 8 {
                    bits -= 8
                    out[o] = UInt8(truncatingIfNeeded: acc >> bits)
                    o += 1
                }
            }
            // Non-canonical trailing bits would give two spellings to one value.
            guard acc & ((1 << bits) - 1) == 0 else { return nil }
            return o
        }
    }
}
