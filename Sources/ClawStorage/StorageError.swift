/// An error raised by ClawStorage, with a stable code and a reason that holds no secret, no stored value
/// and no database password.
///
/// Two errors are equal when their codes are, so callers can write `#expect(throws: StorageError.conflict)`.
public struct StorageError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The stable identity of an error.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The dotted code.
        public let rawValue: String
        init(_ rawValue: String) { self.rawValue = rawValue }
        /// The dotted code.
        public var description: String { rawValue }

        /// The database could not be opened, reached, read or written.
        public static let unavailable = Code("storage.unavailable")
        /// A `CLAW_DATABASE_URL` or a path could not be understood.
        public static let invalidLocation = Code("storage.invalid_location")
        /// The schema is newer than this build knows, or a migration failed.
        public static let migration = Code("storage.migration")
        /// A write lost a race or a precondition (the row changed underneath); nothing was written.
        public static let conflict = Code("storage.conflict")
        /// A value failed validation (a key name, a rule, a checksum); nothing was written.
        public static let invalidValue = Code("storage.invalid_value")
        /// A stored row could not be decoded: the database was altered outside Claw.
        public static let corrupt = Code("storage.corrupt")
        /// A sealed value could not be sealed or opened (wrong key, altered value).
        public static let secret = Code("storage.secret")
        /// A backup could not be written, or its folder is readable by others.
        public static let backup = Code("storage.backup")
        /// A restore was refused (the database is not empty, the file is not a Claw backup) or failed.
        public static let restore = Code("storage.restore")
        /// An AlexClaw database could not be imported.
        public static let importFailed = Code("storage.import_failed")
    }

    /// The stable code.
    public let code: Code
    /// Why, in words safe to log.
    public let reason: String

    /// Creates an error.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// `<code>: <reason>`.
    public var description: String { "\(code): \(reason)" }

    /// Equal when the codes are.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    /// Hashes the code.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// A prototype for comparing codes.
    public static let unavailable = Self(.unavailable, "")
    /// A prototype for comparing codes.
    public static let invalidLocation = Self(.invalidLocation, "")
    /// A prototype for comparing codes.
    public static let migration = Self(.migration, "")
    /// A prototype for comparing codes.
    public static let conflict = Self(.conflict, "")
    /// A prototype for comparing codes.
    public static let invalidValue = Self(.invalidValue, "")
    /// A prototype for comparing codes.
    public static let corrupt = Self(.corrupt, "")
    /// A prototype for comparing codes.
    public static let secret = Self(.secret, "")
    /// A prototype for comparing codes.
    public static let backup = Self(.backup, "")
    /// A prototype for comparing codes.
    public static let restore = Self(.restore, "")
    /// A prototype for comparing codes.
    public static let importFailed = Self(.importFailed, "")
}
