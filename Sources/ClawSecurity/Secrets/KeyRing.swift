import Crypto
import Foundation

/// Derives one independent key per purpose from a SECRET_KEY_BASE, and keeps older bases for rotation.
///
/// Each key is HKDF-SHA256 with IKM = the secret's bytes, salt = 32 zero bytes and info = the purpose's
/// label, 32 bytes long: the derivation AlexClaw uses, so its stored values stay readable.
///
/// A key ring holds a current secret and any number of previous ones. New values are sealed with keys
/// from the current secret; values sealed under a previous secret still open, because every secret has a
/// ``KeyID`` that sealed values carry.
///
/// - Important: A key ring never shows its secrets or keys: `description` and `debugDescription` print
///   only key ids, and errors name lengths, never contents.
public struct KeyRing: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The shortest SECRET_KEY_BASE accepted, in bytes.
    public static let minimumSecretLength = 32

    /// The name of the environment variable that holds the current secret.
    public static let environmentVariable = "SECRET_KEY_BASE"
    /// The name of the environment variable that may hold the previous secret during a rotation.
    public static let previousEnvironmentVariable = "SECRET_KEY_BASE_PREVIOUS"

    /// A short public identifier of one SECRET_KEY_BASE: 8 lower-case hex digits derived from it.
    public struct KeyID: Hashable, Sendable, CustomStringConvertible {
        /// The identifier's text.
        public let rawValue: String

        init(_ rawValue: String) { self.rawValue = rawValue }

        /// The identifier's text.
        public var description: String { rawValue }
    }

    struct Entry: Sendable {
        let id: KeyID
        let secret: SymmetricKey
    }

    let entries: [Entry]

    /// Creates a key ring from the current secret and older ones that must still open values.
    /// - Parameters:
    ///   - secretKeyBase: The current secret, at least 32 bytes.
    ///   - previous: Earlier secrets, newest first; their keys open values but never seal new ones.
    /// - Throws: ``ClawSecurityError/Code/weakSecretKeyBase`` when any secret is shorter than 32 bytes.
    public init(
        secretKeyBase: some DataProtocol, previous: [[UInt8]] = []
    ) throws(ClawSecurityError) {
        var entries = [Entry]()
        for (index, secret) in ([Array(secretKeyBase)] + previous).enumerated() {
            guard secret.count >= Self.minimumSecretLength else {
                let which = index == 0 ? "SECRET_KEY_BASE" : "previous secret #\(index)"
                throw ClawSecurityError(
                    .weakSecretKeyBase,
                    "\(which) is \(secret.count) bytes; at least \(Self.minimumSecretLength) are required")
            }
            let key = SymmetricKey(data: secret)
            let idBytes = Self.derive(from: key, info: KeyPurpose.keyIdentifier.label, count: 4)
            entries.append(Entry(id: KeyID(Hex.encode(idBytes)), secret: key))
        }
        self.entries = entries
    }

    /// Creates a key ring from a UTF-8 secret such as the value of SECRET_KEY_BASE.
    /// - Parameters:
    ///   - secretKeyBase: The current secret, at least 32 bytes of UTF-8.
    ///   - previous: Earlier secrets, newest first.
    /// - Throws: ``ClawSecurityError/Code/weakSecretKeyBase`` when any secret is shorter than 32 bytes.
    public init(secretKeyBase: String, previous: [String] = []) throws(ClawSecurityError) {
        try self.init(secretKeyBase: Array(secretKeyBase.utf8), previous: previous.map { Array($0.utf8) })
    }

    /// Creates a key ring from `SECRET_KEY_BASE` and, if set, `SECRET_KEY_BASE_PREVIOUS`.
    /// - Parameter environment: The environment to read; the process's by default.
    /// - Throws: ``ClawSecurityError/Code/weakSecretKeyBase`` when SECRET_KEY_BASE is missing or short.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ClawSecurityError) -> KeyRing {
        guard let current = environment[environmentVariable], !current.isEmpty else {
            throw ClawSecurityError(.weakSecretKeyBase, "SECRET_KEY_BASE is not set")
        }
        let previous = environment[previousEnvironmentVariable].flatMap { $0.isEmpty ? nil : [$0] } ?? []
        return try KeyRing(secretKeyBase: current, previous: previous)
    }

    /// The id of the current secret, which new values carry.
    public var currentKeyID: KeyID { entries[0].id }

    /// The ids of every secret, current first.
    public var keyIDs: [KeyID] { entries.map(\.id) }

    /// Derives the current secret's key for a purpose.
    /// - Parameter purpose: What the key is for.
    /// - Returns: A 32-byte key.
    public func key(for purpose: KeyPurpose) -> SymmetricKey {
        key(for: purpose, keyID: currentKeyID)!
    }

    /// Derives the key for a purpose from the secret with the given id.
    /// - Parameters:
    ///   - purpose: What the key is for.
    ///   - keyID: The secret's id.
    /// - Returns: A 32-byte key, or `nil` when no secret has that id.
    public func key(for purpose: KeyPurpose, keyID: KeyID) -> SymmetricKey? {
        guard let entry = entries.first(where: { $0.id == keyID }) else { return nil }
        return SymmetricKey(data: Self.derive(from: entry.secret, info: purpose.label, count: 32))
    }

    /// Derives a purpose's key from every secret, current first.
    func keys(for purpose: KeyPurpose) -> [(KeyID, SymmetricKey)] {
        entries.map { ($0.id, SymmetricKey(data: Self.derive(from: $0.secret, info: purpose.label, count: 32))) }
    }

    /// HKDF-SHA256 with a 32-byte zero salt (RFC 5869 treats an absent salt the same way).
    static func derive(from secret: SymmetricKey, info: String, count: Int) -> [UInt8] {
        // `count` is 4 or 32 here, always within HKDF's limit.
        HKDFSHA256.derive(ikm: secret, salt: zeroSalt, info: Array(info.utf8), count: count)!
    }

    private static let zeroSalt = [UInt8](repeating: 0, count: 32)

    /// Lists the key ids only.
    public var description: String {
        "KeyRing(current: \(currentKeyID), previous: [\(entries.dropFirst().map(\.id.rawValue).joined(separator: ", "))])"
    }

    /// Lists the key ids only.
    public var debugDescription: String { description }

    /// Shows the key ids only, so that `dump` and debuggers do not print secrets.
    public var customMirror: Mirror { Mirror(self, children: ["keyIDs": keyIDs.map(\.rawValue)]) }
}
