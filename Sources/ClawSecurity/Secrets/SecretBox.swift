/// Seals settings such as API keys for storage, and opens them again, with AES-256-GCM.
///
/// Two stored layouts are understood:
///
/// - Claw's own, written by ``seal(_:name:)``:
///   `claw:v1:<key id>:<base64url(nonce 12 ‖ ciphertext ‖ tag 16)>`. The associated data is
///   `claw:v1:<key id>:` followed by the setting's name, so a value copied to another setting, or given
///   another version or key id, fails to open. The key is the ``KeyPurpose/configEncryption`` key of the
///   secret whose ``KeyRing/KeyID`` the value names, so values sealed before a rotation still open.
/// - AlexClaw's, written by ``sealAlexClaw(_:)``: `enc:` + standard padded base64(IV 12 ‖ ciphertext ‖
///   tag 16), no associated data, key ``KeyPurpose/alexClawConfig``. It binds no name; use it only to
///   exchange values with an AlexClaw database. Opening tries the current secret, then previous ones.
///
/// Every nonce is 12 fresh bytes from the platform's CSPRNG; there is deliberately no way to supply one.
///
/// A value with neither prefix is not a secret: ``open(_:name:)`` reports it as
/// ``ClawSecurityError/Code/plaintextValue`` instead of passing it through, and ``classify(_:)`` tells
/// the three cases apart without a key.
public struct SecretBox: Sendable {
    /// Limits that bound the work done on untrusted stored values.
    public struct Configuration: Sendable {
        /// The largest plaintext accepted by `seal`, and so the largest value `open` will consider.
        public var maximumPlaintextBytes: Int

        /// Creates a configuration.
        /// - Parameter maximumPlaintextBytes: The largest plaintext, 1 MiB by default.
        public init(maximumPlaintextBytes: Int = 1 << 20) {
            self.maximumPlaintextBytes = maximumPlaintextBytes
        }
    }

    /// What a stored value is, told from its prefix alone.
    public enum Kind: Sendable, Hashable {
        /// Claw's `claw:` layout (any version; opening checks it).
        case claw
        /// AlexClaw's `enc:` layout.
        case alexClaw
        /// Neither prefix: a plaintext value.
        case plaintext
    }

    static let clawPrefix = Array("claw:".utf8)
    static let clawV1Prefix = Array("claw:v1:".utf8)
    static let alexClawPrefix = Array("enc:".utf8)
    static let keyIDLength = 8

    struct ClawKey: Sendable {
        let id: KeyRing.KeyID
        let header: [UInt8]  // "claw:v1:<kid>:"
        let cipher: AESGCM256
    }

    let clawKeys: [ClawKey]
    let alexClawCiphers: [AESGCM256]
    /// The limits in force.
    public let configuration: Configuration

    /// Creates a box whose keys come from a key ring.
    /// - Parameters:
    ///   - keyRing: The secrets; the current one seals, all of them open.
    ///   - configuration: Size limits.
    public init(keyRing: KeyRing, configuration: Configuration = .init()) {
        self.init(keyRing: keyRing, configuration: configuration, backend: .preferred)
    }

    package init(keyRing: KeyRing, configuration: Configuration = .init(), backend: AESGCM256.Backend) {
        self.configuration = configuration
        self.clawKeys = keyRing.keys(for: .configEncryption).map { id, key in
            ClawKey(id: id, header: Self.clawV1Prefix + Array(id.rawValue.utf8) + [UInt8(ascii: ":")],
                    cipher: AESGCM256(key: key, backend: backend))
        }
        self.alexClawCiphers = keyRing.keys(for: .alexClawConfig).map { AESGCM256(key: $1, backend: backend) }
    }

    /// Tells a sealed value from a plaintext one by its prefix, without opening it.
    /// - Parameter stored: A stored value.
    /// - Returns: The layout its prefix names.
    public static func classify(_ stored: String) -> Kind {
        if stored.utf8.starts(with: clawPrefix) { return .claw }
        if stored.utf8.starts(with: alexClawPrefix) { return .alexClaw }
        return .plaintext
    }

    // MARK: Sealing

    /// Seals a setting in Claw's layout, bound to the setting's name.
    /// - Parameters:
    ///   - plaintext: The secret.
    ///   - name: The setting's name; opening under another name fails.
    /// - Returns: `claw:v1:<key id>:<base64url>`.
    /// - Throws: ``ClawSecurityError/Code/valueTooLarge`` above the configured limit.
    public func seal(_ plaintext: some Collection<UInt8>, name: String) throws(ClawSecurityError) -> String {
        try checkSize(plaintext.count)
        return withNonce { nonce in sealClaw(plaintext, name: name, nonce: nonce) }
    }

    /// Seals a UTF-8 setting in Claw's layout, bound to the setting's name.
    /// - Parameters:
    ///   - plaintext: The secret.
    ///   - name: The setting's name; opening under another name fails.
    /// - Returns: `claw:v1:<key id>:<base64url>`.
    /// - Throws: ``ClawSecurityError/Code/valueTooLarge`` above the configured limit.
    public func seal(_ plaintext: String, name: String) throws(ClawSecurityError) -> String {
        try seal(plaintext.utf8, name: name)
    }

    /// Seals a setting in AlexClaw's `enc:` layout, which binds no name and carries no key id.
    /// - Parameter plaintext: The secret.
    /// - Returns: `enc:` + standard padded base64.
    /// - Throws: ``ClawSecurityError/Code/valueTooLarge`` above the configured limit.
    public func sealAlexClaw(_ plaintext: some Collection<UInt8>) throws(ClawSecurityError) -> String {
        try checkSize(plaintext.count)
        return withNonce { nonce in sealAlexClaw(plaintext, nonce: nonce) }
    }

    /// Seals a UTF-8 setting in AlexClaw's `enc:` layout.
    /// - Parameter plaintext: The secret.
    /// - Returns: `enc:` + standard padded base64.
    /// - Throws: ``ClawSecurityError/Code/valueTooLarge`` above the configured limit.
    public func sealAlexClaw(_ plaintext: String) throws(ClawSecurityError) -> String {
        try sealAlexClaw(plaintext.utf8)
    }

    /// Seals with a caller-chosen nonce, to reproduce known-answer vectors in tests only.
    package func seal(_ plaintext: [UInt8], name: String, nonce: [UInt8]) -> String {
        nonce.withUnsafeBytes { sealClaw(plaintext, name: name, nonce: $0) }
    }

    /// Seals in AlexClaw's layout with a caller-chosen nonce, to reproduce known-answer vectors only.
    package func sealAlexClaw(_ plaintext: [UInt8], nonce: [UInt8]) -> String {
        nonce.withUnsafeBytes { sealAlexClaw(plaintext, nonce: $0) }
    }

    private func checkSize(_ count: Int) throws(ClawSecurityError) {
        guard count <= configuration.maximumPlaintextBytes else {
            throw ClawSecurityError(
                .valueTooLarge,
                "the value is \(count) bytes; the limit is \(configuration.maximumPlaintextBytes)")
        }
    }

    private func withNonce<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        withUnsafeTemporaryAllocation(byteCount: AESGCM256.nonceCount, alignment: 1) { nonce in
            SecureRandom.fill(nonce)
            return body(UnsafeRawBufferPointer(nonce))
        }
    }

    private func sealClaw(
        _ plaintext: some Collection<UInt8>, name: String, nonce: UnsafeRawBufferPointer
    ) -> String {
        let key = clawKeys[0]
        var name = name
        return name.withUTF8 { nameBytes in
            key.header.withUnsafeBytes { header in
                withUnsafeTemporaryAllocation(byteCount: header.count + nameBytes.count, alignment: 1) { aad in
                    aad.copyMemory(from: header)
                    UnsafeMutableRawBufferPointer(rebasing: aad[header.count...])
                        .copyMemory(from: UnsafeRawBufferPointer(nameBytes))
                    return Self.seal(
                        plaintext, cipher: key.cipher, nonce: nonce, aad: UnsafeRawBufferPointer(aad),
                        prefix: header, alphabet: .urlSafe)
                }
            }
        }
    }

    private func sealAlexClaw(_ plaintext: some Collection<UInt8>, nonce: UnsafeRawBufferPointer) -> String {
        Self.alexClawPrefix.withUnsafeBytes { prefix in
            Self.seal(
                plaintext, cipher: alexClawCiphers[0], nonce: nonce, aad: UnsafeRawBufferPointer(start: nil, count: 0),
                prefix: prefix, alphabet: .standard)
        }
    }

    /// Writes prefix ‖ base64(nonce ‖ ciphertext ‖ tag) straight into the result string.
    private static func seal(
        _ plaintext: some Collection<UInt8>, cipher: AESGCM256, nonce: UnsafeRawBufferPointer,
        aad: UnsafeRawBufferPointer, prefix: UnsafeRawBufferPointer, alphabet: Base64.Alphabet
    ) -> String {
        let rawCount = AESGCM256.nonceCount + plaintext.count + AESGCM256.tagCount
        return withUnsafeTemporaryAllocation(byteCount: rawCount, alignment: 1) { raw in
            raw.copyMemory(from: nonce)
            let sealed = UnsafeMutableRawBufferPointer(rebasing: raw[AESGCM256.nonceCount...])
            let written: Void? = plaintext.withContiguousStorageIfAvailable {
                cipher.seal(UnsafeRawBufferPointer($0), nonce: nonce, aad: aad, into: sealed)
            }
            if written == nil {
                Array(plaintext).withUnsafeBytes { cipher.seal($0, nonce: nonce, aad: aad, into: sealed) }
            }
            let encodedCount = Base64.encodedCount(rawCount, alphabet: alphabet)
            return String(unsafeUninitializedCapacity: prefix.count + encodedCount) { out in
                let out = UnsafeMutableRawBufferPointer(out)
                out.copyMemory(from: prefix)
                let n = Base64.encode(
                    UnsafeRawBufferPointer(raw), alphabet: alphabet,
                    into: UnsafeMutableRawBufferPointer(rebasing: out[prefix.count...]))
                return prefix.count + n
            }
        }
    }

    // MARK: Opening

    /// Opens a stored value in either layout.
    /// - Parameters:
    ///   - stored: A value from ``seal(_:name:)`` or ``sealAlexClaw(_:)``.
    ///   - name: The setting's name. AlexClaw's layout binds no name, so it is not checked there.
    /// - Returns: The plaintext bytes.
    /// - Throws: ``ClawSecurityError/Code/plaintextValue`` for a value without a prefix;
    ///   ``ClawSecurityError/Code/malformedValue``, ``ClawSecurityError/Code/truncatedValue``,
    ///   ``ClawSecurityError/Code/unknownVersion`` or ``ClawSecurityError/Code/unknownKey`` for a value that
    ///   is not well formed; ``ClawSecurityError/Code/authenticationFailed`` for the wrong key, the wrong
    ///   name or altered bytes; ``ClawSecurityError/Code/valueTooLarge`` above the configured limit.
    public func open(_ stored: String, name: String) throws(ClawSecurityError) -> [UInt8] {
        var stored = stored
        var name = name
        let result: Result<[UInt8], ClawSecurityError> = stored.withUTF8 { value in
            name.withUTF8 { nameBytes in
                do throws(ClawSecurityError) {
                    return .success(try open(UnsafeRawBufferPointer(value), name: UnsafeRawBufferPointer(nameBytes)))
                } catch {
                    return .failure(error)
                }
            }
        }
        return try result.get()
    }

    /// Opens a stored value and decodes it as UTF-8 text.
    /// - Parameters:
    ///   - stored: A value from ``seal(_:name:)`` or ``sealAlexClaw(_:)``.
    ///   - name: The setting's name.
    /// - Returns: The plaintext.
    /// - Throws: As ``open(_:name:)``, and ``ClawSecurityError/Code/notUTF8`` when the secret is not text.
    public func openString(_ stored: String, name: String) throws(ClawSecurityError) -> String {
        let bytes = try open(stored, name: name)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ClawSecurityError(.notUTF8, "the opened value is not UTF-8 text")
        }
        return text
    }

    private func open(_ value: UnsafeRawBufferPointer, name: UnsafeRawBufferPointer) throws(ClawSecurityError) -> [UInt8] {
        let limit = Base64.encodedCount(
            AESGCM256.nonceCount + configuration.maximumPlaintextBytes + AESGCM256.tagCount, alphabet: .standard)
        if value.starts(with: Self.alexClawPrefix) {
            let body = UnsafeRawBufferPointer(rebasing: value[Self.alexClawPrefix.count...])
            guard body.count <= limit else { throw tooLarge() }
            return try Self.decodeAndOpen(
                body, alphabet: .standard, ciphers: alexClawCiphers,
                aad: UnsafeRawBufferPointer(start: nil, count: 0))
        }
        guard value.starts(with: Self.clawPrefix) else {
            throw ClawSecurityError(.plaintextValue, "the value has no enc: or claw: prefix; it is plaintext")
        }
        guard value.starts(with: Self.clawV1Prefix) else {
            throw ClawSecurityError(.unknownVersion, "the value names a format version this build does not know")
        }
        let headerCount = Self.clawV1Prefix.count + Self.keyIDLength + 1
        guard value.count >= headerCount, value[headerCount - 1] == UInt8(ascii: ":") else {
            throw ClawSecurityError(.malformedValue, "the value's key id field is malformed")
        }
        let header = UnsafeRawBufferPointer(rebasing: value[..<headerCount])
        guard let key = clawKeys.first(where: { $0.header.elementsEqual(header) }) else {
            throw ClawSecurityError(.unknownKey, "the value was sealed under a key id this key ring does not hold")
        }
        let body = UnsafeRawBufferPointer(rebasing: value[headerCount...])
        guard body.count <= limit else { throw tooLarge() }
        return try withUnsafeTemporaryAllocation(byteCount: headerCount + name.count, alignment: 1) {
            aad throws(ClawSecurityError) -> [UInt8] in
            aad.copyMemory(from: header)
            UnsafeMutableRawBufferPointer(rebasing: aad[headerCount...]).copyMemory(from: name)
            return try Self.decodeAndOpen(
                body, alphabet: .urlSafe, ciphers: [key.cipher], aad: UnsafeRawBufferPointer(aad))
        }
    }

    private func tooLarge() -> ClawSecurityError {
        ClawSecurityError(.valueTooLarge, "the stored value exceeds the configured size limit")
    }

    private static func decodeAndOpen(
        _ body: UnsafeRawBufferPointer, alphabet: Base64.Alphabet, ciphers: [AESGCM256], aad: UnsafeRawBufferPointer
    ) throws(ClawSecurityError) -> [UInt8] {
        let capacity = Base64.maxDecodedCount(body.count)
        let result: Result<[UInt8], ClawSecurityError> = withUnsafeTemporaryAllocation(
            byteCount: capacity, alignment: 1
        ) { raw in
            guard let count = Base64.decode(body, alphabet: alphabet, into: raw) else {
                return .failure(ClawSecurityError(.malformedValue, "the value is not valid base64"))
            }
            guard count >= AESGCM256.nonceCount + AESGCM256.tagCount else {
                return .failure(ClawSecurityError(
                    .truncatedValue, "the value is \(count) bytes, shorter than a nonce and a tag"))
            }
            let nonce = UnsafeRawBufferPointer(rebasing: raw[..<AESGCM256.nonceCount])
            let sealed = UnsafeRawBufferPointer(rebasing: raw[AESGCM256.nonceCount..<count])
            let plainCount = sealed.count - AESGCM256.tagCount
            for cipher in ciphers {
                var ok = false
                let plain = [UInt8](unsafeUninitializedCapacity: plainCount) { out, n in
                    ok = cipher.open(sealed, nonce: nonce, aad: aad, into: UnsafeMutableRawBufferPointer(out))
                    n = ok ? plainCount : 0
                }
                if ok { return .success(plain) }
            }
            return .failure(ClawSecurityError(
                .authenticationFailed, "the value did not authenticate: wrong key, wrong name or altered bytes"))
        }
        return try result.get()
    }
}
