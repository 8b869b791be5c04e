import Crypto
import Foundation

#if canImport(CCryptoBoringSSL)
import CCryptoBoringSSL
#endif

/// HMAC-SHA256 for short messages with a fresh key each time, as macaroon chains and comparisons need.
///
/// swift-crypto's `HMAC` builds a `SymmetricKey` and a generic hasher per call; BoringSSL's one-shot `HMAC`
/// does the same work without allocating. Both backends pass Wycheproof.
package enum HMACSHA256 {
    /// The MAC size in bytes.
    package static let byteCount = 32

    /// Writes HMAC-SHA256(key, message) into `out` (32 bytes).
    @inline(__always)
    package static func authenticate(
        key: UnsafeRawBufferPointer, message: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer,
        backend: AESGCM256.Backend = .preferred
    ) {
        precondition(out.count >= byteCount)
        switch backend {
        #if canImport(CCryptoBoringSSL)
        case .boringSSL:
            var length: UInt32 = 0
            let result = CCryptoBoringSSL_HMAC(
                CCryptoBoringSSL_EVP_sha256(), key.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, key.count,
                message.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!,
                message.count, out.baseAddress!.assumingMemoryBound(to: UInt8.self), &length)
            precondition(result != nil && length == 32, "HMAC-SHA256 failed")
        #endif
        case .swiftCrypto:
            let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key))
            mac.withUnsafeBytes { out.copyMemory(from: $0) }
        }
    }

    /// Returns HMAC-SHA256(key, message).
    package static func authenticate(key: [UInt8], message: [UInt8], backend: AESGCM256.Backend = .preferred) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: byteCount) { out, n in
            key.withUnsafeBytes { k in
                message.withUnsafeBytes { m in
                    authenticate(key: k, message: m, into: UnsafeMutableRawBufferPointer(out), backend: backend)
                }
            }
            n = byteCount
        }
    }
}
