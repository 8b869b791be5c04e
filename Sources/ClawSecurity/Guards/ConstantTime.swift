import Crypto
import Foundation

/// Comparisons whose running time reveals neither the contents nor the length of what they compare.
public enum ConstantTime {
    /// A key drawn once per process; comparing MACs under it hides what is compared from timing.
    private static let comparisonKey = SecureRandom.bytes(32)

    /// Returns whether two byte sequences are equal, without leaking where they differ or how long they are.
    ///
    /// Both sides are reduced to HMAC-SHA256 under a random per-process key, and the two 32-byte MACs are
    /// compared with ``equalFixedSize(_:_:)``. The time taken depends only on the inputs' lengths through
    /// the hashing, never on their contents, and a mismatch in length looks like any other mismatch.
    /// - Parameters:
    ///   - lhs: One value, such as a token presented by a client.
    ///   - rhs: The other, such as the expected token.
    /// - Returns: `true` when both are the same bytes.
    public static func equals(_ lhs: some DataProtocol, _ rhs: some DataProtocol) -> Bool {
        withContiguous(lhs) { a in withContiguous(rhs) { b in equals(a, b) } }
    }

    /// Returns whether two buffers hold the same bytes, without leaking where they differ or how long they are.
    /// - Parameters:
    ///   - lhs: One buffer.
    ///   - rhs: The other.
    /// - Returns: `true` when both are the same bytes.
    public static func equals(_ lhs: UnsafeRawBufferPointer, _ rhs: UnsafeRawBufferPointer) -> Bool {
        withUnsafeTemporaryAllocation(byteCount: 64, alignment: 16) { macs in
            comparisonKey.withUnsafeBytes { key in
                HMACSHA256.authenticate(key: key, message: lhs, into: UnsafeMutableRawBufferPointer(rebasing: macs[0..<32]))
                HMACSHA256.authenticate(key: key, message: rhs, into: UnsafeMutableRawBufferPointer(rebasing: macs[32..<64]))
            }
            return equalFixedSize(
                UnsafeRawBufferPointer(rebasing: macs[0..<32]), UnsafeRawBufferPointer(rebasing: macs[32..<64]))
        }
    }

    private static func withContiguous<R>(_ data: some DataProtocol, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        if let result = data.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) { return result }
        return Array(data).withUnsafeBytes(body)
    }

    /// Returns whether two strings have the same UTF-8 bytes, in time independent of their contents.
    /// - Parameters:
    ///   - lhs: One string.
    ///   - rhs: The other.
    /// - Returns: `true` when both are the same bytes.
    public static func equals(_ lhs: String, _ rhs: String) -> Bool {
        var lhs = lhs
        var rhs = rhs
        return lhs.withUTF8 { a in rhs.withUTF8 { b in equals(UnsafeRawBufferPointer(a), UnsafeRawBufferPointer(b)) } }
    }

    /// Compares two buffers of the same public length (MACs, digests) by accumulating XORs, with no early exit.
    /// - Parameters:
    ///   - lhs: One buffer.
    ///   - rhs: The other buffer.
    /// - Returns: `true` when they have the same length and bytes. Different lengths return `false` at
    ///   once: use this only where the length is public, and ``equals(_:_:)`` otherwise.
    public static func equalFixedSize(_ lhs: UnsafeRawBufferPointer, _ rhs: UnsafeRawBufferPointer) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<lhs.count { diff |= lhs[i] ^ rhs[i] }
        return diff == 0
    }

    /// Compares two byte arrays of the same public length with no early exit.
    /// - Parameters:
    ///   - lhs: One array.
    ///   - rhs: The other array.
    /// - Returns: `true` when they have the same length and bytes.
    public static func equalFixedSize(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        lhs.withUnsafeBytes { a in rhs.withUnsafeBytes { b in equalFixedSize(a, b) } }
    }
}
