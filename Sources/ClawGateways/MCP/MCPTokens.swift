import Crypto
import Foundation

/// MCP bearer tokens: Claw capability tokens (macaroons) under their own root key.
///
/// A token's identifier is `mcp:<32 hex digits>`, the id `claw mcp token revoke` takes. Its caveats say
/// what it may do: `permissions = mcp.read,mcp.call` (or only `mcp.read` when read-only), optionally
/// `tools = <globs>` and `expires < <time>`. Holders may attenuate it further (pymacaroons or
/// `claw token attenuate`) before handing it to a client: caveats only narrow.
///
/// Only the current SECRET_KEY_BASE verifies MCP tokens, so rotating it invalidates every token at once;
/// revoking one id invalidates that token on every node (see `RevocationList`).
public struct MCPTokens: Sendable {
    /// Reading resources and listing tools.
    public static let readPermission = "mcp.read"
    /// Calling tools.
    public static let callPermission = "mcp.call"
    /// The identifier prefix.
    public static let identifierPrefix = "mcp:"

    let rootKey: [UInt8]
    let clock: WallClock

    /// Creates the minter/verifier from the key ring's current secret.
    public init(keyRing: KeyRing, clock: WallClock = .system) {
        self.rootKey = keyRing.key(for: .mcpTokenRoot).withUnsafeBytes { Array($0) }
        self.clock = clock
    }

    /// Mints a token.
    /// - Parameters:
    ///   - expiresIn: Its lifetime, if limited.
    ///   - tools: Tool-name globs it is limited to; every tool when empty.
    ///   - readOnly: Whether it may only list and read (no `tools/call`).
    /// - Returns: The token and its id.
    public func create(expiresIn: TimeInterval? = nil, tools: [String] = [], readOnly: Bool = false) throws(ClawSecurityError) -> (token: CapabilityToken, id: String) {
        var caveats: [CaveatPredicate] = [.permissions(readOnly ? [Self.readPermission] : [Self.readPermission, Self.callPermission])]
        if !tools.isEmpty {
            caveats.append(try CaveatPredicate(parsing: "tools = " + tools.joined(separator: ",")))
        }
        if let expiresIn {
            guard expiresIn > 0 else { throw ClawSecurityError(.invalidCaveat, "the lifetime must be positive") }
            caveats.append(.expires(clock.now().addingTimeInterval(expiresIn)))
        }
        var generator = SystemRandomNumberGenerator()  // the platform's CSPRNG; the id is public anyway
        let id = Self.identifierPrefix + Hex.encode((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
        return (CapabilityToken.mint(rootKey: rootKey, identifier: id, caveats: caveats), id)
    }

    /// Verifies a presented token for one request.
    /// - Returns: The token's id.
    /// - Throws: `ClawSecurityError` naming why (forged, foreign, expired, a caveat that does not hold).
    public func verify(_ token: CapabilityToken, permission: String, tool: String? = nil) throws(ClawSecurityError) -> String {
        let verifier = CapabilityVerifier(rootKey: rootKey, clock: clock)
        _ = try verifier.verify(token, for: CapabilityRequest(permission: permission, tool: tool))
        let id = String(decoding: token.macaroon.identifier, as: UTF8.self)
        guard id.hasPrefix(Self.identifierPrefix) else { throw ClawSecurityError(.tokenSignatureInvalid, "not an MCP token") }
        return id
    }

    /// Parses a lifetime such as `30d`, `12h`, `45m` or `3600s`.
    public static func parseLifetime(_ text: String) -> TimeInterval? {
        guard let unit = text.last, let value = Double(text.dropLast()), value > 0, value <= 3650 * 86_400 else { return nil }
        switch unit {
        case "d": return value * 86_400
        case "h": return value * 3600
        case "m": return value * 60
        case "s": return value
        default: return nil
        }
    }
}
