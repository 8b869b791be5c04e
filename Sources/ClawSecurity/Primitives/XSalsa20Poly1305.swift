#if canImport(CCryptoBoringSSL)
import CCryptoBoringSSL
#endif

/// NaCl's `crypto_secretbox` (XSalsa20-Poly1305), which macaroons use to hide a third-party caveat's
/// key in its verification id: `nonce 24 ‖ tag 16 ‖ ciphertext`, as PyNaCl and libsodium write it.
///
/// Salsa20 and HSalsa20 are implemented here; Poly1305 is BoringSSL's. On platforms without swift-crypto's
/// BoringSSL, third-party caveats are refused rather than handled by an untested path.
enum XSalsa20Poly1305 {
    static let keyCount = 32
    static let nonceCount = 24
    static let tagCount = 16

    /// Whether this platform can seal and open boxes.
    static var isAvailable: Bool {
        #if canImport(CCryptoBoringSSL)
        true
        #else
        false
        #endif
    }

    /// Seals a message: returns nonce ‖ tag ‖ ciphertext.
    static func seal(_ message: [UInt8], key: [UInt8], nonce: [UInt8]) -> [UInt8]? {
        guard isAvailable, key.count == keyCount, nonce.count == nonceCount else { return nil }
        let stream = keystream(key: key, nonce: nonce, count: 32 + message.count)
        var ciphertext = [UInt8](repeating: 0, count: message.count)
        for i in 0..<message.count { ciphertext[i] = message[i] ^ stream[32 + i] }
        guard let tag = poly1305(ciphertext, key: Array(stream[0..<32])) else { return nil }
        return nonce + tag + ciphertext
    }

    /// Opens nonce ‖ tag ‖ ciphertext, or returns `nil` when it does not authenticate.
    static func open(_ box: [UInt8], key: [UInt8]) -> [UInt8]? {
        guard isAvailable, key.count == keyCount, box.count >= nonceCount + tagCount else { return nil }
        let nonce = Array(box[0..<nonceCount])
        let tag = Array(box[nonceCount..<nonceCount + tagCount])
        let ciphertext = Array(box[(nonceCount + tagCount)...])
        let stream = keystream(key: key, nonce: nonce, count: 32 + ciphertext.count)
        guard let expected = poly1305(ciphertext, key: Array(stream[0..<32])),
            ConstantTime.equalFixedSize(expected, tag)
        else { return nil }
        var message = [UInt8](repeating: 0, count: ciphertext.count)
        for i in 0..<ciphertext.count { message[i] = ciphertext[i] ^ stream[32 + i] }
        return message
    }

    private static func poly1305(_ message: [UInt8], key: [UInt8]) -> [UInt8]? {
        #if canImport(CCryptoBoringSSL)
        var mac = [UInt8](repeating: 0, count: 16)
        withUnsafeTemporaryAllocation(byteCount: 512, alignment: 64) { state in
            let statePointer = OpaquePointer(state.baseAddress!)
            key.withUnsafeBufferPointer { k in
                CCryptoBoringSSL_CRYPTO_poly1305_init(.init(statePointer), k.baseAddress)
            }
            message.withUnsafeBufferPointer { m in
                CCryptoBoringSSL_CRYPTO_poly1305_update(.init(statePointer), m.baseAddress, m.count)
            }
            mac.withUnsafeMutableBufferPointer { out in
                CCryptoBoringSSL_CRYPTO_poly1305_finish(.init(statePointer), out.baseAddress)
            }
            state.initializeMemory(as: UInt8.self, repeating: 0)
        }
        return mac
        #else
        return nil
        #endif
    }

    /// XSalsa20 keystream: HSalsa20 derives a subkey from the first 16 nonce bytes; Salsa20 runs with the last 8.
    static func keystream(key: [UInt8], nonce: [UInt8], count: Int) -> [UInt8] {
        let subkey = hsalsa20(key: key, input: Array(nonce[0..<16]))
        var out = [UInt8]()
        out.reserveCapacity(count + 64)
        var counter: UInt64 = 0
        while out.count < count {
            out.append(contentsOf: salsa20Block(key: subkey, nonce: Array(nonce[16..<24]), counter: counter))
            counter += 1
        }
        return Array(out[0..<count])
    }

    private static let sigma: [UInt32] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574]

    private static func words(_ bytes: [UInt8]) -> [UInt32] {
        stride(from: 0, to: bytes.count, by: 4).map {
            UInt32(bytes[$0]) | UInt32(bytes[$0 + 1]) << 8 | UInt32(bytes[$0 + 2]) << 16 | UInt32(bytes[$0 + 3]) << 24
        }
    }

    private static func initialState(key: [UInt32], input: [UInt32]) -> [UInt32] {
        [sigma[0], key[0], key[1], key[2], key[3], sigma[1], input[0], input[1],
         input[2], input[3], sigma[2], key[4], key[5], key[6], key[7], sigma[3]]
    }

    private static func rounds(_ x: inout [UInt32]) {
        func rotl(_ v: UInt32, _ n: UInt32) -> UInt32 { (v << n) | (v >> (32 - n)) }
        func quarter(_ a: Int, _ b: Int, _ c: Int, _ d: Int) {
            x[b] ^= rotl(x[a] &+ x[d], 7)
            x[c] ^= rotl(x[b] &+ x[a], 9)
            x[d] ^= rotl(x[c] &+ x[b], 13)
            x[a] ^= rotl(x[d] &+ x[c], 18)
        }
        for _ in 0..<10 {
            quarter(0, 4, 8, 12); quarter(5, 9, 13, 1); quarter(10, 14, 2, 6); quarter(15, 3, 7, 11)
            quarter(0, 1, 2, 3); quarter(5, 6, 7, 4); quarter(10, 11, 8, 9); quarter(15, 12, 13, 14)
        }
    }

    static func hsalsa20(key: [UInt8], input: [UInt8]) -> [UInt8] {
        var x = initialState(key: words(key), input: words(input))
        rounds(&x)
        return [x[0], x[5], x[10], x[15], x[6], x[7], x[8], x[9]].flatMap { w in
            (0..<4).map { UInt8(truncatingIfNeeded: w >> (8 * $0)) }
        }
    }

    static func salsa20Block(key: [UInt8], nonce: [UInt8], counter: UInt64) -> [UInt8] {
        let n = words(nonce)
        let input = [n[0], n[1], UInt32(truncatingIfNeeded: counter), UInt32(truncatingIfNeeded: counter >> 32)]
        let initial = initialState(key: words(key), input: input)
        var x = initial
        rounds(&x)
        return (0..<16).flatMap { i in
            let w = x[i] &+ initial[i]
            return (0..<4).map { UInt8(truncatingIfNeeded: w >> (8 * $0)) }
        }
    }
}
