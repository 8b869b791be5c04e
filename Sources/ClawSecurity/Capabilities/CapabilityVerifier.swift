import Crypto
import Foundation

/// A token that verified for one request: the only proof of authority the rest of Claw accepts.
///
/// Only ``CapabilityVerifier`` creates it.
public struct VerifiedCapability: Sendable, Hashable {
    /// The token.
    public let token: CapabilityToken
    /// The request it was verified for.
    public let request: CapabilityRequest
    /// The clock reading at verification.
    public let verifiedAt: Date
}

/// Verifies capability tokens for requests: the signature chain under the root key, then each caveat.
///
/// It fails closed: a caveat that is not one of Claw's ``CaveatPredicate``s fails, a third-party caveat
/// without a discharge bound to this token fails, and errors name the first failing caveat.
public struct CapabilityVerifier: Sendable {
    enum Keys: Sendable {
        case ring([KeyRing.KeyID: [UInt8]])
        case raw([UInt8])
    }

    private let keys: Keys
    private let clock: WallClock
    private let expectedLocation: String?

    /// Creates a verifier for tokens minted under a key ring (current or previous secrets).
    ///
    /// A macaroon's location is not covered by its signature, so the verifier insists on the location Claw
    /// mints with: a token whose location was changed is refused rather than trusted.
    /// - Parameters:
    ///   - keyRing: The secrets.
    ///   - clock: The time source for `expires` caveats.
    ///   - expectedLocation: The location tokens must carry; `nil` accepts any.
    public init(keyRing: KeyRing, clock: WallClock = .system, expectedLocation: String? = CapabilityToken.defaultLocation) {
        self.expectedLocation = expectedLocation
        var byID = [KeyRing.KeyID: [UInt8]]()
        // Keys are kept already derived as macaroons derive a root key, once instead of per token.
        for (id, key) in keyRing.keys(for: .capabilityRoot) { byID[id] = key.withUnsafeBytes { Macaroon.deriveKey(Array($0)) } }
        keys = .ring(byID)
        self.clock = clock
    }

    /// Creates a verifier for tokens minted under an explicit root key.
    /// - Parameters:
    ///   - rootKey: The root key.
    ///   - clock: The time source for `expires` caveats.
    ///   - expectedLocation: The location tokens must carry; `nil` accepts any.
    public init(rootKey: [UInt8], clock: WallClock = .system, expectedLocation: String? = CapabilityToken.defaultLocation) {
        self.expectedLocation = expectedLocation
        keys = .raw(Macaroon.deriveKey(rootKey))
        self.clock = clock
    }

    /// Verifies a token for a request.
    /// - Parameters:
    ///   - token: The token presented.
    ///   - request: What it must authorize.
    ///   - discharges: Discharge macaroons for its third-party caveats, bound to it.
    /// - Returns: The proof that it does.
    /// - Throws: ``ClawSecurityError/Code/tokenSignatureInvalid`` for a forged, altered or foreign token;
    ///   ``ClawSecurityError/Code/caveatNotSatisfied`` naming the first failing caveat;
    ///   ``ClawSecurityError/Code/dischargeMissing``.
    public func verify(
        _ token: CapabilityToken, for request: CapabilityRequest, discharges: [Macaroon] = []
    ) throws(ClawSecurityError) -> VerifiedCapability {
        if let expectedLocation, token.macaroon.location != expectedLocation {
            throw ClawSecurityError(.tokenSignatureInvalid, "the token's location is not this verifier's")
        }
        let rootKey: [UInt8]
        switch keys {
        case .raw(let key):
            rootKey = key
        case .ring(let byID):
            let identifier = token.macaroon.identifier
            guard let colon = identifier.firstIndex(of: UInt8(ascii: ":")),
                let key = byID[KeyRing.KeyID(String(decoding: identifier[..<colon], as: UTF8.self))]
            else {
                throw ClawSecurityError(.tokenSignatureInvalid, "the token was not minted under a key this verifier holds")
            }
            rootKey = key
        }
        let now = clock.now()
        try token.macaroon.verify(derivedKey: rootKey, discharges: discharges) { caveat in
            do {
                return try CaveatPredicate(utf8: caveat.identifier).check(request, now: now)
            } catch {
                return "it is not a caveat Claw understands"
            }
        }
        return VerifiedCapability(token: token, request: request, verifiedAt: now)
    }
}
