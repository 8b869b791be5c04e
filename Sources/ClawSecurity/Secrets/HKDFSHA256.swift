import Crypto
import Foundation

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
        ikm: SymmetricKey, salt: some DataProtocol, info: some DataProtocol, count: Int
    ) -> [UInt8]? {
        guard count >= 0, count <= maximumOutputCount else { return nil }
        if count == 0 { return [] }
        let key = HKDF<SHA256>.deriveKey(inputKeyMaterial: ikm, salt: salt, info: info, outputByteCount: count)
        return key.withUnsafeBytes { Array($0) }
    }
}
