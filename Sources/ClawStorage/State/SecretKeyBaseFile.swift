import Foundation

/// Where the agent's SECRET_KEY_BASE comes from when the environment does not set one: a file in the
/// state folder (`$CLAW_HOME/secret_key_base`, `./.claw/secret_key_base` by default), mode 0600, in a
/// folder of mode 0700, generated on the agent's first start.
///
/// Every `claw` command reads the same file, so a secret sealed by `claw serve` opens in `claw settings`.
/// A file that others can read is refused rather than used. The environment always wins, so an operator
/// who keeps the secret elsewhere never gets a file.
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

    /// The file's path.
    public let path: String

    /// The file in a state folder.
    public init(home: URL) { path = home.appendingPathComponent(Self.fileName).path }

    /// The file in the folder the environment names (`CLAW_HOME`, else `./.claw`).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let home = environment[DatabaseLocation.homeEnvironmentVariable].flatMap { $0.isEmpty ? nil : $0 } ?? ".claw"
        self.init(home: URL(fileURLWithPath: home))
    }

    /// The key ring: from `SECRET_KEY_BASE` when set (with `SECRET_KEY_BASE_PREVIOUS`), else from the file,
    /// which is generated (64 random bytes as 128 hex digits) when missing and `create` is true.
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
        let secret = try read()
        do {
            return (try KeyRing(secretKeyBase: secret, previous: previous), source)
        } catch {
            throw StorageError(.secret, "\(path): \(error.reason)")
        }
    }

    /// Reads the file after checking, on the open descriptor itself (no link followed, so nothing can be
    /// swapped between the check and the read), that it is a regular file of this user that only they can read.
    func read() throws(StorageError) -> String {
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
        // SystemRandomNumberGenerator is the system's cryptographically secure source (getrandom on Linux).
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<64).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let text = Hex.encode(bytes) + "\n"
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
