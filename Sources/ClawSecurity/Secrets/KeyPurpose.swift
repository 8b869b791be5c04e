/// The label that separates one derived key from another in a ``KeyRing``.
///
/// Each purpose yields an independent 32-byte key: HKDF-SHA256 with the purpose's label as `info`.
/// Purposes are a struct over a string so that a library user can add their own without breaking anyone.
public struct KeyPurpose: Hashable, Sendable, CustomStringConvertible {
    /// The HKDF `info` label.
    public let label: String

    /// Creates a purpose from its HKDF `info` label.
    /// - Parameter label: A label no other purpose uses.
    public init(_ label: String) { self.label = label }

    /// The label.
    public var description: String { label }

    /// Claw's own sealed settings (``SecretBox``'s `claw:v1` format).
    public static let configEncryption = KeyPurpose("claw config encryption")
    /// AlexClaw's `enc:` settings: the label AlexClaw's `AlexClaw.Config.Crypto` module uses.
    public static let alexClawConfig = KeyPurpose("AlexClaw.Config.Crypto")
    /// The identifier of a SECRET_KEY_BASE, written into sealed values so that rotation can find the key.
    public static let keyIdentifier = KeyPurpose("claw key id")
    /// The root key of capability tokens (macaroons).
    public static let capabilityRoot = KeyPurpose("claw capability root")
    /// The root key of MCP bearer tokens, apart from the runtime's step tokens so that neither kind can
    /// stand in for the other.
    public static let mcpTokenRoot = KeyPurpose("claw mcp token root")
    /// The HMAC key of the audit log's hash chain.
    public static let auditChain = KeyPurpose("claw audit chain")
}
