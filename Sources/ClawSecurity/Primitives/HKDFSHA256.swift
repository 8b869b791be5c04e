import Crypto
import Foundation

#if canImport(CCryptoBoringSSL)
import CCryptoBoringSSL
#endif

/// HKDF-SHA256 (RFC 5869), the one key derivation ClawSecurity uses.
package enum HKDFSHA256 {
    /// The longest output RFC 5869 allows: 255 blocks of 32 bytes.
    package static let maximumOutputCount = 255 * SHA256.byteCount

    /// Derives `count` bytes, or returns `nil` when `count` is outside 0...8160.
    /// - Parameters:
    ///   - ikm: The input keying material.
    ///   - salt: The salt; empty means 32 zero bytes, as RFC 5869 says.
    ///   - info: The context label.
    ///   - count: The output length.
    /// - Returns: The output keying material.
    package static func derive(
        ikm: SymmetricKey, salt: some DataProtocol, info: some DataProtocol, count: Int,
        backend: AESGCM256.Backend = .preferred
    ) -> [UInt8]? {
        guard count >= 0, count <= maximumOutputCount else { return nil }
        if count == 0 { return [] }
        #if canImport(CCryptoBoringSSL)
        if backend == .boringSSL {
            let salt = Array(salt)
            let info = Array(info)
            return [UInt8](unsafeUninitializedCapacity: count) { out, n in
                let ok = ikm.withUnsafeBytes { k in
                    salt.withUnsafeBufferPointer { s in
                        info.withUnsafeBufferPointer { i in
                            CCryptoBoringSSL_HKDF(
                                out.baseAddress, count, CCryptoBoringSSL_EVP_sha256(),
                                k.baseAddress?.assumingMemoryBound(to: UInt8.self), k.count,
                                s.baseAddress, s.count, i.baseAddress, i.count)
                        }
                    }
                }
                precondition(ok == 1, "HKDF-SHA256 failed")
                n = count
            }
        }
        #endif
        let key = HKDF<SHA256>.deriveKey(inputKeyMaterial: ikm, salt: salt, info: info, outputByteCount: count)
        return key.withUnsafeBytes { Array($0) }
    }
}
