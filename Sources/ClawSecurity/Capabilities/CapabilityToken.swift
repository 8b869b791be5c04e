import Crypto
import Foundation

/// A capability token: a macaroon whose first-party caveats are Claw's ``CaveatPredicate``s.
///
/// Every skill call in Claw carries one. The minter (holding the root key) grants permissions; anyone
/// holding a token can ``attenuated(_:)`` it, which only appends caveats and so can only narrow what it
/// authorizes. Tokens travel as libmacaroons V2 binary in base64url, which pymacaroons and libmacaroons read.
///
/// A decoded token proves nothing until a ``CapabilityVerifier`` returns a ``VerifiedCapability`` for it.
public struct CapabilityToken: Sendable, Hashable, CustomStringConvertible {
    /// The location Claw writes into the tokens it mints.
    public static let defaultLocation = "claw"

    /// The underlying macaroon.
    public let macaroon: Macaroon

    /// Wraps a macaroon.
    public init(macaroon: Macaroon) { self.macaroon = macaroon }

    /// Decodes a token in any macaroon format (V2 or V1 binary, V2 or V1 JSON).
    /// - Parameters:
    ///   - text: The token.
    ///   - limits: Bounds on size, caveats and fields.
    /// - Throws: ``ClawSecurityError/Code/malformedToken``.
    public init(decoding text: String, limits: Macaroon.Limits = .init()) throws(ClawSecurityError) {
        macaroon = try Macaroon(decoding: Self.trimmingASCIIWhitespace(text), limits: limits)
    }

    /// Drops leading and trailing spaces, tabs and line breaks (a pasted or piped token) without Foundation.
    static func trimmingASCIIWhitespace(_ text: String) -> String {
        let utf8 = text.utf8
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        guard let first = utf8.first, let last = utf8.last, isSpace(first) || isSpace(last) else { return text }
        guard let start = utf8.firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = utf8.lastIndex(where: { !isSpace($0) })!
        return String(decoding: utf8[start...end], as: UTF8.self)
    }

    /// Mints a token under the key ring's capability root key.
    ///
    /// The identifier is `<key id>:<32 random hex digits>`, so a verifier holding the same key ring finds
    /// the right secret after a rotation.
    /// - Parameters:
    ///   - keyRing: The secrets.
    ///   - caveats: What the token is limited to.
    ///   - location: The location hint.
    public static func mint(
        keyRing: KeyRing, caveats: [CaveatPredicate], location: String = defaultLocation
    ) -> CapabilityToken {
        CapabilityMinter(keyRing: keyRing).mint(caveats: caveats, location: location)
    }

    /// Mints a token under an explicit root key.
    /// - Parameters:
    ///   - rootKey: The root key.
    ///   - identifier: The identifier; random by default.
    ///   - caveats: What the token is limited to.
    ///   - location: The location hint.
    public static func mint(
        rootKey: [UInt8], identifier: String? = nil, caveats: [CaveatPredicate], location: String = defaultLocation
    ) -> CapabilityToken {
        var macaroon = Macaroon(
            rootKey: rootKey, identifier: Array((identifier ?? Hex.encode(SecureRandom.bytes(16))).utf8),
            location: location)
        for caveat in caveats { macaroon = macaroon.addingFirstPartyCaveat(Array(caveat.description.utf8)) }
        return CapabilityToken(macaroon: macaroon)
    }

    /// Returns a token that authorizes at most what this one does: the caveats are appended.
    /// - Parameter caveats: Further limits.
    public func attenuated(_ caveats: [CaveatPredicate]) -> CapabilityToken {
        var macaroon = self.macaroon
        for caveat in caveats { macaroon = macaroon.addingFirstPartyCaveat(Array(caveat.description.utf8)) }
        return CapabilityToken(macaroon: macaroon)
    }

    /// Returns a token with further caveats appended.
    public func attenuated(_ caveats: CaveatPredicate...) -> CapabilityToken { attenuated(caveats) }

    /// Returns a token that also requires a discharge from a third party (an auth service, a human approver).
    ///
    /// The third party, holding `key`, answers with ``Macaroon/discharge(key:identifier:location:)``; the
    /// caller binds it with ``Macaroon/bound(to:)`` and presents it to the verifier beside this token. The
    /// discharge's own caveats are Claw caveats and must hold for the same request.
    /// - Parameters:
    ///   - key: The caveat key shared with the third party.
    ///   - identifier: What the third party must check, in its own terms.
    ///   - location: Where to obtain the discharge.
    /// - Throws: ``ClawSecurityError/Code/malformedToken`` when the platform lacks XSalsa20-Poly1305.
    public func requiringDischarge(key: [UInt8], identifier: String, location: String) throws(ClawSecurityError) -> CapabilityToken {
        CapabilityToken(macaroon: try macaroon.addingThirdPartyCaveat(key: key, identifier: Array(identifier.utf8), location: location))
    }

    /// The token text: V2 binary in base64url by default.
    public func serialized(_ format: Macaroon.Format = .v2) -> String { macaroon.serialized(format) }

    /// The caveats' texts, third-party ones marked.
    public var caveatTexts: [String] {
        macaroon.caveats.map { caveat in
            caveat.isThirdParty
                ? "third-party: \(caveat.text ?? Hex.encode(caveat.identifier)) @ \(caveat.location ?? "")"
                : caveat.text ?? "binary: " + Hex.encode(caveat.identifier)
        }
    }

    /// Location, identifier and caveats; never the signature.
    public var description: String {
        "CapabilityToken(location: \(macaroon.location), caveats: \(caveatTexts))"
    }
}

/// Mints capability tokens under a key ring's current capability root key, derived once.
///
/// Use one minter for many tokens (a runtime minting a token per step); ``CapabilityToken/mint(keyRing:caveats:location:)``
/// derives the key on every call.
public struct CapabilityMinter: Sendable {
    private let rootKey: [UInt8]
    private let keyID: String

    /// Creates a minter for the key ring's current secret.
    public init(keyRing: KeyRing) {
        rootKey = keyRing.key(for: .capabilityRoot).withUnsafeBytes { Array($0) }
        keyID = keyRing.currentKeyID.rawValue
    }

    /// Mints a token; its identifier is `<key id>:<32 random hex digits>`.
    public func mint(caveats: [CaveatPredicate], location: String = CapabilityToken.defaultLocation) -> CapabilityToken {
        CapabilityToken.mint(
            rootKey: rootKey, identifier: keyID + ":" + Hex.encode(SecureRandom.bytes(16)), caveats: caveats, location: location)
    }
}
