import Foundation
import Synchronization

/// Where the agent's SECRET_KEY_BASE comes from when the environment does not set one: a file in the
/// state folder (`$CLAW_HOME/secret_key_base`, `./.claw/secret_key_base` by default), mode 0600, in a
/// folder of mode 0700, generated on the agent's first start.
///
/// Every `claw` command reads the same file, so a secret sealed by `claw serve` opens in `claw settings`.
/// A file that others can read is refused rather than used. The environment always wins, so an operator
/// who keeps the secret elsewhere never gets a file.
///
/// ``rotate(to:)`` replaces the key and keeps every earlier one, newest first, in
/// `secret_key_base.previous` (same rules), so values sealed and audit entries signed before still open and verify.
public struct SecretKeyBaseFile: Sendable {
    /// Where a key ring came from.
    public enum Source: Sendable, Hashable, CustomStringConvertible {
        /// The `SECRET_KEY_BASE` environment variable.
        case environment
        /// The file, which existed.
        case file(String)
        /// The file, created just now.
        case generated(String)

        /// Names the source (never the secret).
        public var description: String {
            switch self {
            case .environment: "the SECRET_KEY_BASE environment variable"
            case .file(let path): path
            case .generated(let path): "\(path) (generated now)"
            }
        }
    }

    /// The file's name in the state folder.
    public static let fileName = "secret_key_base"

    /// The name of the file holding the earlier keys, one per line, newest first.
    public static let previousFileName = "secret_key_base.previous"

    /// The file's path.
    public let path: String

    /// The path of the earlier keys' file, next to ``path``.
    public var previousPath: String { path + ".previous" }

    /// The file in a state folder.
    public init(home: URL) { path = home.appendingPathComponent(Self.fileName).path }

    /// The file in the folder the environment names (`CLAW_HOME`, else `./.claw`).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let home = environment[DatabaseLocation.homeEnvironmentVariable].flatMap { $0.isEmpty ? nil : $0 } ?? ".claw"
        self.init(home: URL(fileURLWithPath: home))
    }

    /// The key ring: from `SECRET_KEY_BASE` when set (with `SECRET_KEY_BASE_PREVIOUS`), else from the file,
    /// which is generated (64 random bytes as 128 hex digits) when missing and `create` is true, with the
    /// earlier keys of `secret_key_base.previous` (after `SECRET_KEY_BASE_PREVIOUS` when both are set).
    /// - Throws: ``StorageError/Code/secret`` when the secret is weak or the file is readable by others or
    ///   unreadable, and ``StorageError/Code/invalidLocation`` when it is missing and `create` is false.
    public func keyRing(
        environment: [String: String] = ProcessInfo.processInfo.environment, create: Bool
    ) throws(StorageError) -> (KeyRing, Source) {
        let previous = environment[KeyRing.previousEnvironmentVariable].flatMap { $0.isEmpty ? nil : [$0] } ?? []
        if let current = environment[KeyRing.environmentVariable], !current.isEmpty {
            do {
                return (try KeyRing(secretKeyBase: current, previous: previous), .environment)
            } catch {
                throw StorageError(.secret, error.reason)
            }
        }
        var source = Source.file(path)
        if !FileManager.default.fileExists(atPath: path) {
            guard create else {
                throw StorageError(
                    .invalidLocation,
                    "SECRET_KEY_BASE is not set and \(path) does not exist: run `claw serve` once, or set SECRET_KEY_BASE")
            }
            try generate()
            source = .generated(path)
        }
        let secret = try read(path)
        let earlier = try readPrevious().filter { $0 != secret }
        do {
            return (try KeyRing(secretKeyBase: secret, previous: previous + earlier), source)
        } catch {
            throw StorageError(.secret, "\(path): \(error.reason)")
        }
    }

    /// The key ring a rotation to `newSecret` would produce, without changing anything: the new key, then the
    /// file's key, `SECRET_KEY_BASE_PREVIOUS` and the earlier keys of ``previousPath``.
    /// - Throws: ``StorageError/Code/secret`` when the file is missing, unreadable or readable by others, or when
    ///   the new key is weak, holds white space or control characters, or is the current one.
    public func rotation(
        to newSecret: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(StorageError) -> (keyRing: KeyRing, previous: [String]) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StorageError(.secret, "\(path) does not exist: there is no key to rotate")
        }
        // The file is read back trimmed, so a key with white space in it would not be the key that sealed.
        guard !newSecret.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) else {
            throw StorageError(.secret, "the new secret holds white space or control characters")
        }
        let current = try read(path)
        guard newSecret != current else { throw StorageError(.secret, "the new secret is the current one") }
        let fromEnvironment = environment[KeyRing.previousEnvironmentVariable].flatMap { $0.isEmpty ? nil : [$0] } ?? []
        var previous = [String]()
        for key in [current] + fromEnvironment + (try readPrevious()) where key != newSecret && !previous.contains(key) {
            previous.append(key)
        }
        do {
            return (try KeyRing(secretKeyBase: newSecret, previous: previous), previous)
        } catch {
            throw StorageError(.secret, "the new secret: \(error.reason)")
        }
    }

    /// Replaces the file's key, first writing every earlier key (the file's, `SECRET_KEY_BASE_PREVIOUS`, those
    /// already kept) to ``previousPath``, newest first.
    ///
    /// Both files are written under a temporary name, synced and renamed into place, the earlier keys first:
    /// at every moment the pair opens every value sealed under the old or the new key, so a rotation that
    /// stops half-way (or a database re-seal that fails afterwards) loses nothing. The files are read back
    /// and must give the same key ring. Hold ``lockForRotation()`` around the rotation and the re-seal.
    /// - Parameters:
    ///   - newSecret: The new key, as from ``randomSecret()``.
    ///   - environment: Where `SECRET_KEY_BASE_PREVIOUS` is read.
    /// - Returns: The new key ring: the new key, then every earlier one.
    /// - Throws: ``StorageError/Code/secret`` as ``rotation(to:environment:)`` does, or when a file cannot be
    ///   written or reads back differently.
    public func rotate(
        to newSecret: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(StorageError) -> KeyRing {
        let (ring, previous) = try rotation(to: newSecret, environment: environment)
        try replace(previousPath, with: previous.joined(separator: "\n") + "\n")
        try replace(path, with: newSecret + "\n")
        let (written, _) = try keyRing(environment: environment.filter { $0.key != KeyRing.environmentVariable }, create: false)
        guard written.keyIDs.first == ring.currentKeyID, Set(written.keyIDs) == Set(ring.keyIDs) else {
            throw StorageError(.secret, "\(path) does not read back as the key just written")
        }
        return ring
    }

    /// Takes the rotation lock (`secret_key_base.lock`, 0600, `flock`), so two rotations never interleave.
    /// - Returns: The held lock; it is released when the process ends or on ``RotationLock/release()``.
    /// - Throws: ``StorageError/Code/secret`` when another rotation holds it or the file cannot be opened.
    public func lockForRotation() throws(StorageError) -> RotationLock {
        try ClawDatabase.prepareFolder(for: path)
        let lockPath = path + ".lock"
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw StorageError(.secret, "cannot open \(lockPath)") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw StorageError(.secret, "another key rotation is running (\(lockPath) is locked)")
        }
        return RotationLock(descriptor: descriptor)
    }

    /// A held rotation lock.
    public final class RotationLock: Sendable {
        private let descriptor: Int32
        private let released = Mutex(false)

        init(descriptor: Int32) { self.descriptor = descriptor }

        /// Releases the lock (once).
        public func release() {
            let first = released.withLock { released in
                defer { released = true }
                return !released
            }
            if first { close(descriptor) }
        }

        deinit { release() }
    }

    /// The earlier keys, newest first; none when the file does not exist.
    func readPrevious() throws(StorageError) -> [String] {
        guard FileManager.default.fileExists(atPath: previousPath) else { return [] }
        return try read(previousPath).split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// 64 bytes from the system's cryptographically secure source (getrandom on Linux), as 128 hex digits.
    public static func randomSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<64).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// Writes `text` to `target` through a new 0600 file that is synced, renamed over it, and the folder synced.
    func replace(_ target: String, with text: String) throws(StorageError) {
        let temporary = target + ".partial-\(UInt32.random(in: .min ... .max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw StorageError(.secret, "cannot create \(temporary)") }
        let written = text.utf8CString.withUnsafeBufferPointer { write(descriptor, $0.baseAddress, text.utf8.count) }
        guard written == text.utf8.count, fsync(descriptor) == 0, close(descriptor) == 0, rename(temporary, target) == 0 else {
            unlink(temporary)
            throw StorageError(.secret, "cannot write \(target)")
        }
        Backup.syncFolder(URL(fileURLWithPath: target).deletingLastPathComponent())
    }

    /// Reads the file after checking, on the open descriptor itself (no link followed, so nothing can be
    /// swapped between the check and the read), that it is a regular file of this user that only they can read.
    func read(_ path: String) throws(StorageError) -> String {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw StorageError(.secret, "cannot read \(path) (it must be a regular file, not a link)") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { throw StorageError(.secret, "\(path) is not a regular file") }
        guard info.st_uid == geteuid() else { throw StorageError(.secret, "\(path) belongs to another user") }
        guard info.st_mode & 0o077 == 0 else {
            throw StorageError(
                .secret, "\(path) has mode \(String(info.st_mode & 0o777, radix: 8)); others may read it. Run `chmod 600 \(path)`")
        }
        var bytes = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while bytes.count <= 64 * 1024 {
            let count = buffer.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            guard count >= 0 else { throw StorageError(.secret, "cannot read \(path)") }
            if count == 0 { break }
            bytes += buffer[0..<count]
        }
        guard let text = String(bytes: bytes, encoding: .utf8) else { throw StorageError(.secret, "\(path) is not UTF-8 text") }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Creates the file (and its folder, 0700) with a new random secret, never replacing one.
    func generate() throws(StorageError) {
        try ClawDatabase.prepareFolder(for: path)
        let text = Self.randomSecret() + "\n"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw StorageError(.secret, "cannot create \(path)") }
        defer { close(descriptor) }
        let written = text.utf8CString.withUnsafeBufferPointer { write(descriptor, $0.baseAddress, text.utf8.count) }
        guard written == text.utf8.count, fsync(descriptor) == 0 else {
            unlink(path)
            throw StorageError(.secret, "cannot write \(path)")
        }
    }
}
