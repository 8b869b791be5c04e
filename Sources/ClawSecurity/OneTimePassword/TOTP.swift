import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238) over HOTP (RFC 4226), as authenticator apps compute them.
///
/// A `TOTP` holds a secret and its parameters and answers two questions: which code is valid at a given
/// time (``code(at:)``), and at which time step a presented code is valid (``match(_:at:)``). It keeps no
/// state: a code it matches once it matches again. Use a ``ReplayGuard`` to accept each code only once.
///
/// - Important: `description` never shows the secret; ``base32Secret`` does, for enrolment only.
public struct TOTP: Sendable, CustomStringConvertible {
    /// The HMAC hash function.
    public struct Algorithm: Hashable, Sendable, CustomStringConvertible {
        enum Kind: Sendable { case sha1, sha256, sha512 }
        let kind: Kind

        private init(kind: Kind) { self.kind = kind }

        /// HMAC-SHA1, the default of RFC 6238 and of most authenticator apps.
        public static let sha1 = Algorithm(kind: .sha1)
        /// HMAC-SHA256.
        public static let sha256 = Algorithm(kind: .sha256)
        /// HMAC-SHA512.
        public static let sha512 = Algorithm(kind: .sha512)

        /// The name as `otpauth://` URIs write it: `SHA1`, `SHA256` or `SHA512`.
        public var name: String {
            switch kind {
            case .sha1: "SHA1"
            case .sha256: "SHA256"
            case .sha512: "SHA512"
            }
        }

        /// The size of a freshly generated secret: the hash's output size, as RFC 6238's reference does.
        public var recommendedSecretBytes: Int {
            switch kind {
            case .sha1: 20
            case .sha256: 32
            case .sha512: 64
            }
        }

        /// Returns the algorithm with the given name, case-insensitively (`sha1`, `SHA256`, ...).
        /// - Parameter name: The name.
        /// - Returns: The algorithm, or `nil` for an unknown name.
        public init?(name: String) {
            switch name.uppercased().replacingOccurrences(of: "-", with: "") {
            case "SHA1": self = .sha1
            case "SHA256": self = .sha256
            case "SHA512": self = .sha512
            default: return nil
            }
        }

        /// The name.
        public var description: String { name }
    }

    /// The parameters shared by the two sides.
    public struct Configuration: Sendable, Hashable {
        /// The HMAC hash function; SHA-1 by default.
        public var algorithm: Algorithm
        /// The number of digits, 6 to 8; 6 by default.
        public var digits: Int
        /// The length of a time step in seconds; 30 by default.
        public var period: Int
        /// The Unix time at which step 0 begins; 0 by default.
        public var epoch: Int64
        /// How many steps before and after the current one a code may come from; 1 by default.
        public var window: Int

        /// Creates a configuration; every parameter has the common default.
        public init(algorithm: Algorithm = .sha1, digits: Int = 6, period: Int = 30, epoch: Int64 = 0, window: Int = 1) {
            self.algorithm = algorithm
            self.digits = digits
            self.period = period
            self.epoch = epoch
            self.window = window
        }
    }

    /// The shortest secret accepted, in bytes: RFC 4226 requires at least 128 bits.
    public static let minimumSecretBytes = 16

    enum Keyed: Sendable {
        case sha1(HMAC<Insecure.SHA1>)
        case sha256(HMAC<SHA256>)
        case sha512(HMAC<SHA512>)
    }

    private let secret: [UInt8]
    private let keyed: Keyed
    private let modulus: UInt32
    /// The parameters.
    public let configuration: Configuration

    /// Creates a generator for a secret.
    /// - Parameters:
    ///   - secret: The shared secret, at least 16 bytes.
    ///   - configuration: The parameters.
    /// - Throws: ``ClawSecurityError/Code/invalidTOTPParameters`` for a short secret, digits outside 6...8,
    ///   a period outside 1...3600 or a window outside 0...10.
    public init(secret: [UInt8], configuration: Configuration = .init()) throws(ClawSecurityError) {
        guard secret.count >= Self.minimumSecretBytes else {
            throw ClawSecurityError(
                .invalidTOTPParameters,
                "the TOTP secret is \(secret.count) bytes; at least \(Self.minimumSecretBytes) are required")
        }
        guard (6...8).contains(configuration.digits) else {
            throw ClawSecurityError(.invalidTOTPParameters, "TOTP digits must be 6, 7 or 8")
        }
        guard (1...3600).contains(configuration.period) else {
            throw ClawSecurityError(.invalidTOTPParameters, "the TOTP period must be 1 to 3600 seconds")
        }
        guard (0...10).contains(configuration.window) else {
            throw ClawSecurityError(.invalidTOTPParameters, "the TOTP window must be 0 to 10 steps")
        }
        self.secret = secret
        self.configuration = configuration
        self.modulus = [1_000_000, 10_000_000, 100_000_000][configuration.digits - 6]
        let key = SymmetricKey(data: secret)
        switch configuration.algorithm.kind {
        case .sha1: keyed = .sha1(HMAC(key: key))
        case .sha256: keyed = .sha256(HMAC(key: key))
        case .sha512: keyed = .sha512(HMAC(key: key))
        }
    }

    /// Creates a generator for a Base32 secret as authenticator apps show it.
    /// - Parameters:
    ///   - base32Secret: The secret; case, `=` padding, spaces and hyphens are tolerated.
    ///   - configuration: The parameters.
    /// - Throws: ``ClawSecurityError/Code/invalidBase32`` or ``ClawSecurityError/Code/invalidTOTPParameters``.
    public init(base32Secret: String, configuration: Configuration = .init()) throws(ClawSecurityError) {
        try self.init(secret: Base32.decode(base32Secret), configuration: configuration)
    }

    /// Creates a generator with a new random secret of the algorithm's recommended size.
    /// - Parameter configuration: The parameters.
    /// - Returns: A generator whose secret came from the platform's CSPRNG.
    /// - Throws: ``ClawSecurityError/Code/invalidTOTPParameters`` when the configuration is out of range.
    public static func random(configuration: Configuration = .init()) throws(ClawSecurityError) -> TOTP {
        try TOTP(secret: SecureRandom.bytes(configuration.algorithm.recommendedSecretBytes),
                 configuration: configuration)
    }

    /// The secret as unpadded upper-case Base32, for enrolment in an authenticator app.
    /// - Warning: This is the shared secret. Show it only to the person enrolling.
    public var base32Secret: String { Base32.encode(secret) }

    /// A fingerprint of the secret (SHA-256), for keying state such as a ``ReplayGuard`` without the secret.
    var fingerprint: SHA256Digest { SHA256.hash(data: secret) }

    /// The parameters, without the secret.
    public var description: String {
        "TOTP(\(configuration.algorithm), digits: \(configuration.digits), period: \(configuration.period)s)"
    }

    // MARK: Codes

    /// Returns the time step that contains a time.
    /// - Parameter date: The time.
    /// - Returns: `floor((unix time - epoch) / period)`; negative before the epoch.
    public func step(at date: Date) -> Int64 {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down)) - configuration.epoch
        let period = Int64(configuration.period)
        return seconds >= 0 ? seconds / period : (seconds - period + 1) / period
    }

    /// Returns the code valid at a time.
    /// - Parameter date: The time.
    /// - Returns: The code, left-padded with zeros to ``Configuration/digits``.
    public func code(at date: Date) -> String { code(forStep: step(at: date)) }

    /// Returns the code for a time step (the HOTP code for that counter).
    /// - Parameter step: The counter.
    /// - Returns: The code, left-padded with zeros.
    public func code(forStep step: Int64) -> String {
        let value = hotp(UInt64(bitPattern: step))
        var text = String(value)
        while text.utf8.count < configuration.digits { text = "0" + text }
        return text
    }

    /// Returns the time step at which a presented code is valid, looking ``Configuration/window`` steps
    /// either side of the step containing `date`.
    ///
    /// Every candidate step is computed and compared, so the time taken does not depend on which step
    /// matched, or whether any did.
    /// - Parameters:
    ///   - code: The code as typed: exactly ``Configuration/digits`` ASCII digits.
    ///   - date: The time of verification.
    /// - Returns: The matching step (the latest, should two match), or `nil`.
    public func match(_ code: String, at date: Date) -> Int64? {
        guard let presented = parse(code) else { return nil }
        let center = step(at: date)
        var matched: Int64? = nil
        for offset in -configuration.window...configuration.window {
            let candidate = center + Int64(offset)
            let value = hotp(UInt64(bitPattern: candidate))
            if value == presented { matched = candidate }
        }
        return matched
    }

    /// Returns the code as a number, or `nil` unless it is exactly `digits` ASCII digits.
    private func parse(_ code: String) -> UInt32? {
        var value: UInt32 = 0
        var count = 0
        for c in code.utf8 {
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9"), count < configuration.digits else { return nil }
            value = value * 10 + UInt32(c - UInt8(ascii: "0"))
            count += 1
        }
        return count == configuration.digits ? value : nil
    }

    /// RFC 4226 HOTP: dynamic truncation of HMAC(secret, counter) modulo 10^digits.
    private func hotp(_ counter: UInt64) -> UInt32 {
        var big = counter.bigEndian
        return withUnsafeBytes(of: &big) { message in
            switch keyed {
            case .sha1(var mac):
                mac.update(data: message)
                return truncate(mac.finalize())
            case .sha256(var mac):
                mac.update(data: message)
                return truncate(mac.finalize())
            case .sha512(var mac):
                mac.update(data: message)
                return truncate(mac.finalize())
            }
        }
    }

    private func truncate(_ mac: some MessageAuthenticationCode) -> UInt32 {
        mac.withUnsafeBytes { h in
            let offset = Int(h[h.count - 1] & 0x0F)
            let binary = UInt32(h[offset] & 0x7F) << 24 | UInt32(h[offset + 1]) << 16
                | UInt32(h[offset + 2]) << 8 | UInt32(h[offset + 3])
            return binary % modulus
        }
    }
}
