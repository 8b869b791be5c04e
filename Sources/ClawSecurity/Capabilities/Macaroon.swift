import Crypto
import Foundation

/// A macaroon (Birgisson et al., NDSS 2014) as libmacaroons and pymacaroons define it: a location, an
/// identifier, caveats, and a chained HMAC-SHA256 signature.
///
/// The chain starts at `HMAC(derive(rootKey), identifier)`, where `derive(k) = HMAC("macaroons-key-generator", k)`;
/// each first-party caveat moves it to `HMAC(sig, caveat)`; each third-party caveat to
/// `HMAC(sig, HMAC(sig, vid) ‖ HMAC(sig, cid))`. Anyone holding a macaroon can append caveats, never remove
/// them. ``verify(rootKey:discharges:satisfying:)`` checks the chain, every caveat and every discharge.
///
/// A decoded macaroon is unverified until `verify` succeeds; this type says nothing about authority by
/// itself. Claw's own caveat language and requests are in ``CapabilityToken`` and ``CapabilityVerifier``.
public struct Macaroon: Sendable, Hashable {
    /// One caveat: a first-party predicate, or a third-party caveat with a verification id.
    public struct Caveat: Sendable, Hashable {
        /// The predicate (first party) or the caveat id the third party understands.
        public let identifier: [UInt8]
        /// For a third-party caveat, the caveat key sealed under the signature at that point.
        public let verificationID: [UInt8]?
        /// For a third-party caveat, where to obtain its discharge.
        public let location: String?

        /// Whether a discharge macaroon is needed.
        public var isThirdParty: Bool { verificationID != nil }

        /// The identifier as text, if it is UTF-8.
        public var text: String? { String(validating: identifier, as: UTF8.self) }

        /// Creates a caveat as decoded; nothing is checked here.
        public init(identifier: [UInt8], verificationID: [UInt8]? = nil, location: String? = nil) {
            self.identifier = identifier
            self.verificationID = verificationID
            self.location = location
        }
    }

    /// Where the macaroon is meant to be used; may be empty.
    public let location: String
    /// The identifier, which names the root key to the minter.
    public let identifier: [UInt8]
    /// The caveats, in order.
    public let caveats: [Caveat]
    /// The 32-byte signature.
    public let signature: [UInt8]

    /// Creates a macaroon from decoded parts, without verifying anything.
    /// - Note: Decoders use this; authority comes only from ``verify(rootKey:discharges:satisfying:)``.
    public init(unverifiedLocation location: String, identifier: [UInt8], caveats: [Caveat], signature: [UInt8]) {
        self.location = location
        self.identifier = identifier
        self.caveats = caveats
        self.signature = signature
    }

    /// Mints a macaroon.
    /// - Parameters:
    ///   - rootKey: The secret root key (any length; it is derived as libmacaroons does).
    ///   - identifier: The identifier.
    ///   - location: The location hint.
    public init(rootKey: some DataProtocol, identifier: [UInt8], location: String = "") {
        self.location = location
        self.identifier = identifier
        self.caveats = []
        self.signature = Self.hmac(Self.deriveKey(rootKey), identifier)
    }

    /// The text identifier, if it is UTF-8.
    public var identifierText: String? { String(validating: identifier, as: UTF8.self) }

    // MARK: Adding caveats

    /// Returns a copy with a first-party caveat appended and the signature moved on.
    /// - Parameter predicate: The caveat's text.
    public func addingFirstPartyCaveat(_ predicate: [UInt8]) -> Macaroon {
        Macaroon(
            unverifiedLocation: location, identifier: identifier,
            caveats: caveats + [Caveat(identifier: predicate)], signature: Self.hmac(signature, predicate))
    }

    /// Returns a copy with a third-party caveat appended.
    /// - Parameters:
    ///   - key: The caveat key shared with the third party (derived as libmacaroons does).
    ///   - identifier: The caveat id the third party will recognise.
    ///   - location: Where to obtain the discharge.
    ///   - nonce: 24 bytes for the sealed key; random by default. Fixed nonces are for known-answer tests.
    /// - Throws: ``ClawSecurityError/Code/malformedToken`` when third-party caveats are unavailable here.
    public func addingThirdPartyCaveat(
        key: some DataProtocol, identifier: [UInt8], location: String, nonce: [UInt8]? = nil
    ) throws(ClawSecurityError) -> Macaroon {
        let derived = Self.deriveKey(key)
        guard
            let vid = XSalsa20Poly1305.seal(
                derived, key: signature, nonce: nonce ?? SecureRandom.bytes(XSalsa20Poly1305.nonceCount))
        else {
            throw ClawSecurityError(.malformedToken, "third-party caveats are not available on this platform")
        }
        let next = Self.hmac(signature, Self.hmac(signature, vid) + Self.hmac(signature, identifier))
        return Macaroon(
            unverifiedLocation: self.location, identifier: self.identifier,
            caveats: caveats + [Caveat(identifier: identifier, verificationID: vid, location: location)],
            signature: next)
    }

    /// Returns this discharge macaroon bound to the macaroon it discharges, so it cannot be used with another.
    /// - Parameter root: The macaroon whose request this discharge accompanies.
    public func bound(to root: Macaroon) -> Macaroon {
        Macaroon(
            unverifiedLocation: location, identifier: identifier, caveats: caveats,
            signature: Self.bind(root: root.signature, discharge: signature))
    }

    /// Creates a discharge macaroon for a third-party caveat (as the third party does).
    /// - Parameters:
    ///   - key: The caveat key shared with the first party.
    ///   - identifier: The caveat id.
    ///   - location: The third party's location.
    public static func discharge(key: some DataProtocol, identifier: [UInt8], location: String) -> Macaroon {
        Macaroon(rootKey: key, identifier: identifier, location: location)
    }

    // MARK: Verification

    /// Verifies the signature chain, every first-party caveat and every third-party caveat's discharge.
    /// - Parameters:
    ///   - rootKey: The root key the macaroon was minted with.
    ///   - discharges: Discharge macaroons, bound to this one.
    ///   - satisfying: Returns `nil` when a first-party caveat holds, or the reason it does not.
    /// - Throws: ``ClawSecurityError/Code/tokenSignatureInvalid``, ``ClawSecurityError/Code/caveatNotSatisfied``
    ///   (naming the first failing caveat) or ``ClawSecurityError/Code/dischargeMissing``.
    public func verify(
        rootKey: some DataProtocol, discharges: [Macaroon] = [],
        satisfying: (Caveat) -> String?
    ) throws(ClawSecurityError) {
        try verify(derivedKey: Self.deriveKey(rootKey), discharges: discharges, satisfying: satisfying)
    }

    /// Verifies with a root key already passed through the macaroon key derivation
    /// (`HMAC("macaroons-key-generator", root key)`), for verifiers that check many tokens.
    package func verify(
        derivedKey: [UInt8], discharges: [Macaroon] = [], satisfying: (Caveat) -> String?
    ) throws(ClawSecurityError) {
        var used = Set<Int>()
        var failure: ClawSecurityError?
        // One pass computes the whole chain; the first caveat failure is remembered, not thrown, so that
        // a forged token is always reported as a bad signature, never as a caveat that failed.
        let valid = verifyChain(
            root: self, key: derivedKey, discharges: discharges, used: &used, depth: 0,
            failure: &failure, satisfying: satisfying)
        guard valid else {
            throw ClawSecurityError(.tokenSignatureInvalid, "the token's signature does not verify")
        }
        if let failure { throw failure }
    }

    static let maximumDischargeDepth = 8

    /// Returns whether this macaroon's signature (and those of the discharges it uses) verify.
    private func verifyChain(
        root: Macaroon, key: [UInt8], discharges: [Macaroon], used: inout Set<Int>, depth: Int,
        failure: inout ClawSecurityError?, satisfying: (Caveat) -> String?
    ) -> Bool {
        guard depth <= Self.maximumDischargeDepth else {
            failure = failure ?? ClawSecurityError(
                .dischargeMissing, "discharge macaroons nest deeper than \(Self.maximumDischargeDepth)")
            return false
        }
        var valid = true
        var sig = Self.hmac(key, identifier)
        for (index, caveat) in caveats.enumerated() {
            if let vid = caveat.verificationID {
                if let caveatKey = XSalsa20Poly1305.open(vid, key: sig), caveatKey.count == 32 {
                    if let found = discharges.indices.first(where: {
                        !used.contains($0) && discharges[$0].identifier == caveat.identifier
                    }) {
                        used.insert(found)
                        valid = discharges[found].verifyChain(
                            root: root, key: caveatKey, discharges: discharges, used: &used, depth: depth + 1,
                            failure: &failure, satisfying: satisfying) && valid
                    } else if failure == nil {
                        failure = ClawSecurityError(.dischargeMissing, "third-party caveat \(index + 1) has no discharge")
                    }
                } else {
                    valid = false
                }
                sig = Self.hmac(sig, Self.hmac(sig, vid) + Self.hmac(sig, caveat.identifier))
            } else {
                if failure == nil, let reason = satisfying(caveat) {
                    failure = ClawSecurityError(
                        .caveatNotSatisfied, "caveat \(index + 1) (\(Self.describe(caveat))) fails: \(reason)")
                }
                sig = Self.hmac(sig, caveat.identifier)
            }
        }
        if depth > 0 { sig = Self.bind(root: root.signature, discharge: sig) }
        return valid && signature.count == 32 && ConstantTime.equalFixedSize(sig, signature)
    }

    /// A caveat's text for error messages, cut short.
    static func describe(_ caveat: Caveat) -> String {
        guard let text = caveat.text else { return "binary" }
        return text.count > 80 ? String(text.prefix(80)) + "…" : text
    }

    // MARK: Primitives

    static let keyGeneratorKey = Array("macaroons-key-generator".utf8)

    static func deriveKey(_ key: some DataProtocol) -> [UInt8] {
        HMACSHA256.authenticate(key: keyGeneratorKey, message: Array(key))
    }

    static func hmac(_ key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        HMACSHA256.authenticate(key: key, message: message)
    }

    static let zeroKey = [UInt8](repeating: 0, count: 32)

    static func bind(root: [UInt8], discharge: [UInt8]) -> [UInt8] {
        hmac(zeroKey, hmac(zeroKey, root) + hmac(zeroKey, discharge))
    }
}
