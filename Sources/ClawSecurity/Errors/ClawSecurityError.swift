/// An error raised by ClawSecurity, with a stable machine-readable code and a human-readable reason.
///
/// The reason never contains a key, a secret, a plaintext or a stored value: it is safe to log and to
/// show to a user. Two errors are equal when their codes are equal, whatever their reasons say, so tests
/// and callers can write `#expect(throws: ClawSecurityError.authenticationFailed)`.
public struct ClawSecurityError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The stable identity of an error, such as `secret_box.authentication_failed`.
    ///
    /// Codes are a struct over a string rather than a public enum so that adding a code breaks no caller.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code as a dotted string that never changes once released.
        public let rawValue: String

        init(_ rawValue: String) { self.rawValue = rawValue }

        /// The code's dotted string.
        public var description: String { rawValue }

        /// A SECRET_KEY_BASE was missing or shorter than 32 bytes.
        public static let weakSecretKeyBase = Code("key_ring.weak_secret_key_base")
        /// A stored value had no `enc:` or `claw:` prefix: it is plaintext, not a sealed secret.
        public static let plaintextValue = Code("secret_box.plaintext_value")
        /// A stored value was not valid base64, or its fields were malformed.
        public static let malformedValue = Code("secret_box.malformed_value")
        /// A stored value was too short to hold a nonce and a tag.
        public static let truncatedValue = Code("secret_box.truncated_value")
        /// A stored value named a format version this build does not know.
        public static let unknownVersion = Code("secret_box.unknown_version")
        /// A stored value named a key id the key ring does not hold.
        public static let unknownKey = Code("secret_box.unknown_key")
        /// A stored value did not authenticate: wrong key, wrong setting name, or altered bytes.
        public static let authenticationFailed = Code("secret_box.authentication_failed")
        /// A value exceeded the configured size limit.
        public static let valueTooLarge = Code("secret_box.value_too_large")
        /// An opened secret was not valid UTF-8 where text was asked for.
        public static let notUTF8 = Code("secret_box.not_utf8")
        /// A Base32 string held a character outside RFC 4648's alphabet or bad padding.
        public static let invalidBase32 = Code("base32.invalid")
        /// A TOTP secret was too short, or a TOTP parameter was out of range.
        public static let invalidTOTPParameters = Code("totp.invalid_parameters")
        /// An `otpauth://` URI could not be parsed.
        public static let invalidOTPAuthURI = Code("totp.invalid_uri")
        /// A one-time code was wrong or outside the accepted window.
        public static let invalidCode = Code("totp.invalid_code")
        /// A one-time code had already been accepted once.
        public static let replayedCode = Code("totp.replayed_code")
        /// A challenge saw too many wrong codes and accepts no more.
        public static let challengeLocked = Code("totp.challenge_locked")
        /// A webhook arrived but no signing secret is configured: it is rejected.
        public static let missingWebhookSecret = Code("webhook.missing_secret")
        /// A webhook carried no signature header.
        public static let missingSignature = Code("webhook.missing_signature")
        /// A webhook signature header was not `sha256=` followed by 64 hex digits.
        public static let malformedSignature = Code("webhook.malformed_signature")
        /// A webhook signature did not match the body.
        public static let signatureMismatch = Code("webhook.signature_mismatch")
        /// A file's digest did not match the expected one.
        public static let integrityMismatch = Code("integrity.mismatch")
        /// A file could not be read.
        public static let fileUnreadable = Code("integrity.file_unreadable")
        /// A hex string was malformed.
        public static let invalidHex = Code("hex.invalid")
        /// JSON text was malformed or exceeded a limit.
        public static let invalidJSON = Code("json.invalid")
        /// A capability token could not be decoded: bad encoding, a field out of bounds, or too many caveats.
        public static let malformedToken = Code("token.malformed")
        /// A caveat was not one of Claw's caveat predicates, or was malformed.
        public static let invalidCaveat = Code("token.invalid_caveat")
        /// A token's signature chain did not verify: wrong key or altered contents.
        public static let tokenSignatureInvalid = Code("token.signature_invalid")
        /// A token's caveat did not hold for the request; the reason names it.
        public static let caveatNotSatisfied = Code("token.caveat_not_satisfied")
        /// A third-party caveat had no valid discharge token.
        public static let dischargeMissing = Code("token.discharge_missing")
        /// A policy rule or file was malformed; the reason names the rule and the field.
        public static let invalidPolicy = Code("policy.invalid")
        /// An authorization context was malformed; the reason names the field.
        public static let invalidContext = Code("policy.invalid_context")
        /// The policy source could not be read, so the engine denies.
        public static let policyUnavailable = Code("policy.unavailable")
        /// An audit log failed verification; the reason names the first bad entry.
        public static let auditTampered = Code("audit.tampered")
        /// An audit store could not be read or written.
        public static let auditStorage = Code("audit.storage")
        /// Another writer stored an audit entry with the same sequence number first (shared database stores).
        public static let auditConflict = Code("audit.conflict")
        /// An injection pattern file was malformed; the reason names the entry and the field.
        public static let invalidPatterns = Code("sanitizer.invalid_patterns")
        /// A pattern file could not be read.
        public static let patternsUnreadable = Code("sanitizer.patterns_unreadable")
        /// A network destination was refused: a non-public address, a metadata host name, or no address.
        public static let refusedAddress = Code("network.refused_address")
        /// A network address or an allow-list entry was not a valid literal or CIDR.
        public static let invalidAddress = Code("network.invalid_address")
        /// A command line was malformed or out of bounds (empty, too long, too many arguments, an unterminated
        /// quote, a control character); the reason names the problem, never the line.
        public static let shellRefused = Code("shell.refused")
        /// A command line held a shell metacharacter; the reason names the character's class.
        public static let shellMetacharacter = Code("shell.metacharacter")
        /// A command's program or arguments matched no allow rule; the reason names the program only.
        public static let shellNotAllowed = Code("shell.not_allowed")
        /// A shell allow rule was malformed; the reason names the problem.
        public static let shellInvalidRule = Code("shell.invalid_rule")
        /// The shell skill is disabled by configuration.
        public static let shellDisabled = Code("shell.disabled")
        /// An approved command could not be started (program not found, bad working directory).
        public static let shellLaunchFailed = Code("shell.launch_failed")
    }

    /// The stable code; compare on this.
    public let code: Code
    /// A one-line explanation that is safe to log: it never holds secret material.
    public let reason: String

    /// Creates an error with a code and a reason.
    /// - Parameters:
    ///   - code: The stable code.
    ///   - reason: A one-line explanation that holds no secret material.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// The code and the reason, for logs and command-line messages.
    public var description: String { "\(reason) [\(code.rawValue)]" }

    /// Returns whether two errors have the same code; reasons are ignored.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }

    /// Hashes the code only, consistent with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

extension ClawSecurityError {
    /// A prototype for comparing codes: `ClawSecurityError.authenticationFailed`.
    public static let weakSecretKeyBase = Self(.weakSecretKeyBase, "")
    /// A prototype for comparing codes.
    public static let plaintextValue = Self(.plaintextValue, "")
    /// A prototype for comparing codes.
    public static let malformedValue = Self(.malformedValue, "")
    /// A prototype for comparing codes.
    public static let truncatedValue = Self(.truncatedValue, "")
    /// A prototype for comparing codes.
    public static let unknownVersion = Self(.unknownVersion, "")
    /// A prototype for comparing codes.
    public static let unknownKey = Self(.unknownKey, "")
    /// A prototype for comparing codes.
    public static let authenticationFailed = Self(.authenticationFailed, "")
    /// A prototype for comparing codes.
    public static let valueTooLarge = Self(.valueTooLarge, "")
    /// A prototype for comparing codes.
    public static let notUTF8 = Self(.notUTF8, "")
    /// A prototype for comparing codes.
    public static let invalidBase32 = Self(.invalidBase32, "")
    /// A prototype for comparing codes.
    public static let invalidTOTPParameters = Self(.invalidTOTPParameters, "")
    /// A prototype for comparing codes.
    public static let invalidOTPAuthURI = Self(.invalidOTPAuthURI, "")
    /// A prototype for comparing codes.
    public static let invalidCode = Self(.invalidCode, "")
    /// A prototype for comparing codes.
    public static let replayedCode = Self(.replayedCode, "")
    /// A prototype for comparing codes.
    public static let challengeLocked = Self(.challengeLocked, "")
    /// A prototype for comparing codes.
    public static let missingWebhookSecret = Self(.missingWebhookSecret, "")
    /// A prototype for comparing codes.
    public static let missingSignature = Self(.missingSignature, "")
    /// A prototype for comparing codes.
    public static let malformedSignature = Self(.malformedSignature, "")
    /// A prototype for comparing codes.
    public static let signatureMismatch = Self(.signatureMismatch, "")
    /// A prototype for comparing codes.
    public static let integrityMismatch = Self(.integrityMismatch, "")
    /// A prototype for comparing codes.
    public static let fileUnreadable = Self(.fileUnreadable, "")
    /// A prototype for comparing codes.
    public static let invalidHex = Self(.invalidHex, "")
    /// A prototype for comparing codes.
    public static let invalidJSON = Self(.invalidJSON, "")
    /// A prototype for comparing codes.
    public static let malformedToken = Self(.malformedToken, "")
    /// A prototype for comparing codes.
    public static let invalidCaveat = Self(.invalidCaveat, "")
    /// A prototype for comparing codes.
    public static let tokenSignatureInvalid = Self(.tokenSignatureInvalid, "")
    /// A prototype for comparing codes.
    public static let caveatNotSatisfied = Self(.caveatNotSatisfied, "")
    /// A prototype for comparing codes.
    public static let dischargeMissing = Self(.dischargeMissing, "")
    /// A prototype for comparing codes.
    public static let invalidPolicy = Self(.invalidPolicy, "")
    /// A prototype for comparing codes.
    public static let invalidContext = Self(.invalidContext, "")
    /// A prototype for comparing codes.
    public static let policyUnavailable = Self(.policyUnavailable, "")
    /// A prototype for comparing codes.
    public static let auditTampered = Self(.auditTampered, "")
    /// A prototype for comparing codes.
    public static let auditStorage = Self(.auditStorage, "")
    /// A prototype for comparing codes.
    public static let auditConflict = Self(.auditConflict, "")
    /// A prototype for comparing codes.
    public static let invalidPatterns = Self(.invalidPatterns, "")
    /// A prototype for comparing codes.
    public static let patternsUnreadable = Self(.patternsUnreadable, "")
    /// A prototype for comparing codes.
    public static let refusedAddress = Self(.refusedAddress, "")
    /// A prototype for comparing codes.
    public static let invalidAddress = Self(.invalidAddress, "")
    /// A prototype for comparing codes.
    public static let shellRefused = Self(.shellRefused, "")
    /// A prototype for comparing codes.
    public static let shellMetacharacter = Self(.shellMetacharacter, "")
    /// A prototype for comparing codes.
    public static let shellNotAllowed = Self(.shellNotAllowed, "")
    /// A prototype for comparing codes.
    public static let shellInvalidRule = Self(.shellInvalidRule, "")
    /// A prototype for comparing codes.
    public static let shellDisabled = Self(.shellDisabled, "")
    /// A prototype for comparing codes.
    public static let shellLaunchFailed = Self(.shellLaunchFailed, "")
}
