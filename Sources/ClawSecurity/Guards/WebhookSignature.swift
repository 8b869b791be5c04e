import Crypto
import Foundation

/// Verifies GitHub's `X-Hub-Signature-256` header: `sha256=` + the hex HMAC-SHA256 of the raw body.
///
/// It fails closed: a missing secret, a missing header or a malformed one rejects the delivery, exactly
/// like a wrong signature. The comparison is constant-time.
public struct WebhookSignature: Sendable, CustomStringConvertible {
    /// The header's name.
    public static let headerName = "X-Hub-Signature-256"
    static let prefix = Array("sha256=".utf8)

    private let key: SymmetricKey?

    /// Creates a verifier.
    /// - Parameter secret: The webhook's shared secret; `nil` or empty means none is configured, and then
    ///   every delivery is rejected.
    public init(secret: String?) {
        if let secret, !secret.isEmpty {
            key = SymmetricKey(data: Array(secret.utf8))
        } else {
            key = nil
        }
    }

    /// Creates a verifier from raw key bytes.
    /// - Parameter secretBytes: The shared secret's bytes; empty means none is configured.
    public init(secretBytes: some DataProtocol) {
        key = secretBytes.isEmpty ? nil : SymmetricKey(data: Array(secretBytes))
    }

    /// Says whether a secret is configured, never what it is.
    public var description: String { key == nil ? "WebhookSignature(no secret)" : "WebhookSignature(secret set)" }

    /// Computes the header value for a body, as GitHub sends it.
    /// - Parameter body: The raw request body.
    /// - Returns: `sha256=<64 lower-case hex digits>`.
    /// - Throws: ``ClawSecurityError/Code/missingWebhookSecret`` when no secret is configured.
    public func sign(_ body: some DataProtocol) throws(ClawSecurityError) -> String {
        guard let key else { throw Self.noSecret }
        return "sha256=" + Hex.encode(HMAC<SHA256>.authenticationCode(for: body, using: key))
    }

    /// Verifies a delivery.
    /// - Parameters:
    ///   - body: The raw request body, exactly as received.
    ///   - header: The `X-Hub-Signature-256` header's value, or `nil` when absent.
    /// - Throws: ``ClawSecurityError/Code/missingWebhookSecret``, ``ClawSecurityError/Code/missingSignature``,
    ///   ``ClawSecurityError/Code/malformedSignature`` or ``ClawSecurityError/Code/signatureMismatch``.
    public func verify(body: some DataProtocol, header: String?) throws(ClawSecurityError) {
        guard let key else { throw Self.noSecret }
        guard let header else {
            throw ClawSecurityError(.missingSignature, "the request has no \(Self.headerName) header")
        }
        let presented = try Self.parseHeader(header)
        let expected = HMAC<SHA256>.authenticationCode(for: body, using: key)
        let equal = expected.withUnsafeBytes { e in
            presented.withUnsafeBytes { p in ConstantTime.equalFixedSize(e, p) }
        }
        guard equal else {
            throw ClawSecurityError(.signatureMismatch, "the webhook signature does not match the body")
        }
    }

    /// Parses a header value into the 32 signature bytes.
    /// - Parameter header: `sha256=` followed by exactly 64 hex digits (either case), nothing else.
    /// - Returns: The 32 bytes.
    /// - Throws: ``ClawSecurityError/Code/malformedSignature`` for anything else.
    public static func parseHeader(_ header: String) throws(ClawSecurityError) -> [UInt8] {
        let utf8 = header.utf8
        guard utf8.count == prefix.count + 64, utf8.starts(with: prefix) else {
            throw ClawSecurityError(.malformedSignature, "the signature header is not sha256= and 64 hex digits")
        }
        do {
            return try Hex.decode(utf8: utf8.dropFirst(prefix.count))
        } catch {
            throw ClawSecurityError(.malformedSignature, "the signature header holds a character that is not hex")
        }
    }

    private static let noSecret = ClawSecurityError(
        .missingWebhookSecret, "no webhook secret is configured; every delivery is rejected")
}
