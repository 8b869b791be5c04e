#if canImport(CCryptoBoringSSL)
import CCryptoBoringSSL
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Cryptographically secure random bytes for keys, nonces and identifiers.
///
/// Small requests (nonces) are served from a 4 KiB pool filled by BoringSSL's `RAND_bytes`, because each
/// `RAND_bytes` call pays a fixed cost (on AMD processors mostly `RDRAND`) that dwarfs 12 bytes. Every
/// byte is handed out once. The pool lives in its own page marked `MADV_WIPEONFORK` where the kernel
/// supports it, so a forked child finds it zeroed (marked empty) and refills it, never repeating a nonce of
/// its parent; where that advice is unavailable the pool is not used. Large requests bypass the pool.
enum SecureRandom {
    /// Requests up to this size come from the pool.
    static let pooledLimit = 64

    /// Fills `buffer` with random bytes.
    static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        if buffer.count <= pooledLimit, let pool = Pool.shared {
            pool.take(into: buffer)
            return
        }
        direct(base, buffer.count)
    }

    static func direct(_ base: UnsafeMutableRawPointer, _ count: Int) {
        #if canImport(CCryptoBoringSSL)
        precondition(CCryptoBoringSSL_RAND_bytes(base.assumingMemoryBound(to: UInt8.self), count) == 1)
        #else
        var generator = SystemRandomNumberGenerator()
        let out = UnsafeMutableRawBufferPointer(start: base, count: count)
        for i in 0..<count { out[i] = generator.next() }
        #endif
    }

    /// Returns `count` random bytes.
    static func bytes(_ count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { out, n in
            fill(UnsafeMutableRawBufferPointer(out))
            n = count
        }
    }

    /// A page of random bytes, consumed front to back, wiped by the kernel in forked children.
    final class Pool: Sendable {
        static let shared: Pool? = Pool()

        static let size = 4096
        /// Page layout: [0..<8] the number of bytes already used (0 after a fork wipes the page means
        /// "empty": the `filled` word is 0 too), [8..<16] `filled` flag, [64..<64+size] the bytes.
        nonisolated(unsafe) private let page: UnsafeMutableRawPointer
        private let lock = Mutex(())

        private init?() {
            #if os(Linux)
            let length = 64 + Self.size
            guard let mapped = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
                mapped != MAP_FAILED
            else { return nil }
            // MADV_WIPEONFORK is 18 on Linux 4.14 and later; without it the pool must not be used.
            guard madvise(mapped, length, 18) == 0 else {
                munmap(mapped, length)
                return nil
            }
            page = mapped
            page.storeBytes(of: 0, toByteOffset: 8, as: UInt64.self)
            #else
            return nil
            #endif
        }

        func take(into buffer: UnsafeMutableRawBufferPointer) {
            lock.withLock { _ in
                var used = Int(page.load(fromByteOffset: 0, as: UInt64.self))
                let filled = page.load(fromByteOffset: 8, as: UInt64.self) == 1
                if !filled || used + buffer.count > Self.size {
                    SecureRandom.direct(page + 64, Self.size)
                    used = 0
                    page.storeBytes(of: 1, toByteOffset: 8, as: UInt64.self)
                }
                let source = page + 64 + used
                buffer.baseAddress!.copyMemory(from: source, byteCount: buffer.count)
                // Erase what was handed out, so the pool never holds a nonce already in use.
                memset(source, 0, buffer.count)
                page.storeBytes(of: UInt64(used + buffer.count), toByteOffset: 0, as: UInt64.self)
            }
        }
    }
}
