import Foundation

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

    /// Replaces the file's key, first adding the key it held to the top of ``previousPath``.
    ///
    /// Both files are written under a temporary name, synced and renamed into place, the earlier keys first:
    /// at every moment the pair opens every value sealed under the old or the new key, so a rotation that
    /// stops half-way (or a database re-seal that fails afterwards) loses nothing.
    /// - Parameter newSecret: The new key; `nil` generates 64 random bytes as hex.
    /// - Returns: The new key ring: the new key, then every earlier one.
    /// - Throws: ``StorageError/Code/secret`` when the file is missing, unreadable or readable by others, when the
    ///   new key is weak or is the current one, or when a file cannot be written.
    public func rotate(to newSecret: String? = nil) throws(StorageError) -> KeyRing {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StorageError(.secret, "\(path) does not exist: there is no key to rotate")
        }
        let current = try read(path)
        let earlier = try readPrevious()
        let secret = newSecret ?? Self.randomSecret()
        guard secret != current else { throw StorageError(.secret, "the new secret is the current one") }
        let previous = [current] + earlier.filter { $0 != current && $0 != secret }
        let ring: KeyRing
        do {
            ring = try KeyRing(secretKeyBase: secret, previous: previous)
        } catch {
            throw StorageError(.secret, "the new secret: \(error.reason)")
        }
        try replace(previousPath, with: previous.joined(separator: "\n") + "\n")
        try replace(path, with: secret + "\n")
        return ring
    }

    /// The earlier keys, newest first; none when the file does not exist.
    func readPrevious() throws(StorageError) -> [String] {
        guard FileManager.default.fileExists(atPath: previousPath) else { return [] }
        return try read(previousPath).split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// 64 bytes from the system's cryptographically secure source (getrandom on Linux), as 128 hex digits.
    static func randomSecret() -> String {
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
