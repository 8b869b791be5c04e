import Crypto
import Foundation

#if canImport(CCryptoBoringSSL)
import CCryptoBoringSSL
#endif

/// AES-256-GCM with a 96-bit nonce and a 128-bit tag, keyed once and reused for many messages.
///
/// swift-crypto's `AES.GCM.seal` sets the key up again on every call. On Linux, where swift-crypto
/// is built on its vendored BoringSSL, this type keeps one initialised `EVP_AEAD_CTX` per key instead
/// (BoringSSL's AEAD functions take the context as `const`, so one context serves concurrent callers),
/// which removes that fixed cost. Elsewhere it falls back to swift-crypto's public API. Both backends
/// pass the same Wycheproof vectors.
package final class AESGCM256: @unchecked Sendable {
    /// Which implementation seals and opens.
    package enum Backend: Sendable, CaseIterable {
        /// swift-crypto's public `AES.GCM` API.
        case swiftCrypto
        #if canImport(CCryptoBoringSSL)
        /// BoringSSL's `EVP_AEAD` interface with a context kept for the key's lifetime.
        case boringSSL
        #endif

        /// The fastest backend available on this platform.
        package static var preferred: Backend {
            #if canImport(CCryptoBoringSSL)
            .boringSSL
            #else
            .swiftCrypto
            #endif
        }
    }

    /// The nonce size in bytes.
    package static let nonceCount = 12
    /// The tag size in bytes.
    package static let tagCount = 16

    private let key: SymmetricKey
    package let backend: Backend
    #if canImport(CCryptoBoringSSL)
    private let context: UnsafeMutablePointer<EVP_AEAD_CTX>?
    #endif

    /// Creates a cipher for a 32-byte key.
    /// - Parameters:
    ///   - key: A 256-bit key.
    ///   - backend: The implementation; the fastest one by default.
    /// - Precondition: The key is 32 bytes long.
    package init(key: SymmetricKey, backend: Backend = .preferred) {
        precondition(key.bitCount == 256, "AES-256-GCM needs a 32-byte key")
        self.key = key
        self.backend = backend
        #if canImport(CCryptoBoringSSL)
        if backend == .boringSSL {
            let context = UnsafeMutablePointer<EVP_AEAD_CTX>.allocate(capacity: 1)
            CCryptoBoringSSL_EVP_AEAD_CTX_zero(context)
            let ok = key.withUnsafeBytes { raw in
                CCryptoBoringSSL_EVP_AEAD_CTX_init(
                    context, CCryptoBoringSSL_EVP_aead_aes_256_gcm(),
                    raw.baseAddress!.assumingMemoryBound(to: UInt8.self), raw.count, Self.tagCount, nil)
            }
            precondition(ok == 1, "BoringSSL refused a 32-byte AES-GCM key")
            self.context = context
        } else {
            self.context = nil
        }
        #endif
    }

    deinit {
        #if canImport(CCryptoBoringSSL)
        if let context {
            CCryptoBoringSSL_EVP_AEAD_CTX_cleanup(context)
            CCryptoBoringSSL_OPENSSL_cleanse(context, MemoryLayout<EVP_AEAD_CTX>.size)
            context.deallocate()
        }
        #endif
    }

    /// Encrypts and authenticates a message, writing ciphertext ‖ tag to `out`.
    /// - Parameters:
    ///   - plaintext: The message.
    ///   - nonce: 12 bytes, never used twice with this key.
    ///   - aad: Data authenticated but not encrypted.
    ///   - out: A buffer of at least `plaintext.count + 16` bytes that may not overlap the inputs.
    package func seal(
        _ plaintext: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer,
        aad: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer
    ) {
        precondition(nonce.count == Self.nonceCount && out.count >= plaintext.count + Self.tagCount)
        switch backend {
        #if canImport(CCryptoBoringSSL)
        case .boringSSL:
            var written = 0
            let ok = CCryptoBoringSSL_EVP_AEAD_CTX_seal(
                context, Self.base(out), &written, out.count, Self.base(nonce), nonce.count,
                Self.base(plaintext), plaintext.count, Self.base(aad), aad.count)
            precondition(ok == 1 && written == plaintext.count + Self.tagCount, "AES-GCM seal failed")
        #endif
        case .swiftCrypto:
            // The nonce has the right size, checked above, so neither call can throw.
            let box = try! AES.GCM.seal(
                plaintext, using: key, nonce: try! AES.GCM.Nonce(data: nonce), authenticating: aad)
            box.ciphertext.copyBytes(to: out)
            box.tag.copyBytes(to: UnsafeMutableRawBufferPointer(rebasing: out[plaintext.count...]))
        }
    }

    /// Authenticates and decrypts ciphertext ‖ tag, writing the plaintext to `out`.
    /// - Parameters:
    ///   - sealed: Ciphertext followed by the 16-byte tag.
    ///   - nonce: The 12-byte nonce it was sealed with.
    ///   - aad: The associated data it was sealed with.
    ///   - out: A buffer of at least `sealed.count - 16` bytes.
    /// - Returns: `true` when the tag verified; `false` otherwise, and then `out` must be ignored.
    package func open(
        _ sealed: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer,
        aad: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer
    ) -> Bool {
        guard nonce.count == Self.nonceCount, sealed.count >= Self.tagCount,
            out.count >= sealed.count - Self.tagCount
        else { return false }
        switch backend {
        #if canImport(CCryptoBoringSSL)
        case .boringSSL:
            var written = 0
            let ok = CCryptoBoringSSL_EVP_AEAD_CTX_open(
                context, Self.base(out), &written, out.count, Self.base(nonce), nonce.count,
                Self.base(sealed), sealed.count, Self.base(aad), aad.count)
            if ok != 1 {
                CCryptoBoringSSL_ERR_clear_error()
                return false
            }
            return written == sealed.count - Self.tagCount
        #endif
        case .swiftCrypto:
            let split = sealed.count - Self.tagCount
            guard
                let box = try? AES.GCM.SealedBox(
                    nonce: AES.GCM.Nonce(data: nonce), ciphertext: sealed[..<split], tag: sealed[split...]),
                let plain = try? AES.GCM.open(box, using: key, authenticating: aad)
            else { return false }
            plain.copyBytes(to: out)
            return true
        }
    }

    /// Seals bytes into a new array holding ciphertext ‖ tag.
    package func seal(_ plaintext: [UInt8], nonce: [UInt8], aad: [UInt8] = []) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: plaintext.count + Self.tagCount) { out, count in
            plaintext.withUnsafeBytes { p in
                nonce.withUnsafeBytes { n in
                    aad.withUnsafeBytes { a in seal(p, nonce: n, aad: a, into: UnsafeMutableRawBufferPointer(out)) }
                }
            }
            count = plaintext.count + Self.tagCount
        }
    }

    /// Opens ciphertext ‖ tag into a new array, or returns `nil` when it does not authenticate.
    package func open(_ sealed: [UInt8], nonce: [UInt8], aad: [UInt8] = []) -> [UInt8]? {
        guard sealed.count >= Self.tagCount else { return nil }
        var ok = false
        let plain = [UInt8](unsafeUninitializedCapacity: sealed.count - Self.tagCount) { out, count in
            ok = sealed.withUnsafeBytes { s in
                nonce.withUnsafeBytes { n in
                    aad.withUnsafeBytes { a in open(s, nonce: n, aad: a, into: UnsafeMutableRawBufferPointer(out)) }
                }
            }
            count = ok ? sealed.count - Self.tagCount : 0
        }
        return ok ? plain : nil
    }

    #if canImport(CCryptoBoringSSL)
    nonisolated(unsafe) private static let empty = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)

    /// A non-null base address, as BoringSSL expects even for empty buffers.
    @inline(__always)
    private static func base(_ buffer: UnsafeRawBufferPointer) -> UnsafePointer<UInt8> {
        buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(empty)
    }

    @inline(__always)
    private static func base(_ buffer: UnsafeMutableRawBufferPointer) -> UnsafeMutablePointer<UInt8> {
        buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? empty
    }
    #endif
}
