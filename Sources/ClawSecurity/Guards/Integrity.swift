import Crypto
import Foundation

/// SHA-256 digests of files and data, to check that a file is the one expected (a downloaded skill,
/// a backup, a pattern file).
public enum Integrity {
    /// Returns the SHA-256 of data as lower-case hex.
    /// - Parameter data: The bytes.
    /// - Returns: 64 hex digits.
    public static func sha256(_ data: some DataProtocol) -> String {
        Hex.encode(SHA256.hash(data: data))
    }

    /// Returns the SHA-256 of a file as lower-case hex, reading it in 64 KiB chunks.
    /// - Parameter url: The file.
    /// - Returns: 64 hex digits.
    /// - Throws: ``ClawSecurityError/Code/fileUnreadable`` when the file cannot be opened or read.
    public static func sha256(fileAt url: URL) throws(ClawSecurityError) -> String {
        Hex.encode(try digest(fileAt: url))
    }

    /// The SHA-256 digest of a file, read in 64 KiB chunks.
    static func digest(fileAt url: URL) throws(ClawSecurityError) -> SHA256Digest {
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw ClawSecurityError(.fileUnreadable, "cannot open \(url.path) for reading")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let chunk: Data?
            do {
                chunk = try handle.read(upToCount: 64 * 1024)
            } catch {
                throw ClawSecurityError(.fileUnreadable, "cannot read \(url.path)")
            }
            guard let chunk, !chunk.isEmpty else { break }
            hasher.update(data: chunk)
        }
        return hasher.finalize()
    }

    /// Checks a file against an expected SHA-256, in constant time.
    /// - Parameters:
    ///   - url: The file.
    ///   - expectedHex: The expected digest as 64 hex digits, in either case.
    /// - Throws: ``ClawSecurityError/Code/invalidHex`` for a malformed expectation,
    ///   ``ClawSecurityError/Code/fileUnreadable``, or ``ClawSecurityError/Code/integrityMismatch``.
    public static func verify(fileAt url: URL, expectedHex: String) throws(ClawSecurityError) {
        let expected = try Hex.decode(expectedHex)
        guard expected.count == SHA256.byteCount else {
            throw ClawSecurityError(.invalidHex, "a SHA-256 digest is 64 hex digits")
        }
        let actual = Array(try digest(fileAt: url))
        guard ConstantTime.equalFixedSize(actual, expected) else {
            throw ClawSecurityError(.integrityMismatch, "\(url.lastPathComponent) does not match its expected SHA-256")
        }
    }
}
