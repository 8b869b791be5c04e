/// What skills reach through ``SkillContext``: models, the web, memory and messages. The agent supplies a
/// real implementation; tests supply fakes. Every call is authorized before it gets here.
public protocol SkillServices: Sendable {
    /// Asks a language model.
    func complete(prompt: String) async throws -> String
    /// Fetches a URL's content (untrusted).
    func fetch(url: String) async throws -> String
    /// Reads a memory entry.
    func recall(key: String) async throws -> String?
    /// Writes a memory entry.
    func remember(key: String, value: String) async throws
    /// Sends a message to a chat.
    func send(message: String, to recipient: String) async throws
}

/// Services that are not configured: every call fails with a clear error.
public struct UnavailableServices: SkillServices {
    /// The error every call throws.
    public struct NotConfigured: Error, CustomStringConvertible {
        /// Which service.
        public let service: String
        /// Names the service.
        public var description: String { "\(service) is not configured" }
    }

    /// Creates the placeholder.
    public init() {}
    /// Throws.
    public func complete(prompt: String) async throws -> String { throw NotConfigured(service: "llm") }
    /// Throws.
    public func fetch(url: String) async throws -> String { throw NotConfigured(service: "web") }
    /// Throws.
    public func recall(key: String) async throws -> String? { throw NotConfigured(service: "memory") }
    /// Throws.
    public func remember(key: String, value: String) async throws { throw NotConfigured(service: "memory") }
    /// Throws.
    public func send(message: String, to recipient: String) async throws { throw NotConfigured(service: "messages") }
}

/// Cleans untrusted text before a model or a later step sees it. The ContentSanitizer implements it; until
/// it is wired in, ``InvisibleCharacterSanitizer`` removes what a person cannot see.
public protocol ContentSanitizing: Sendable {
    /// Returns the text with hidden or hostile content removed.
    func sanitize(_ text: String) -> String
}

/// Removes zero-width, bidi-control, tag and other invisible characters, and C0/C1 controls except tab and
/// line breaks. It is the minimum that runs until the full ContentSanitizer replaces it.
public struct InvisibleCharacterSanitizer: ContentSanitizing {
    /// Creates the sanitizer.
    public init() {}

    /// Returns the text without invisible and control characters.
    public func sanitize(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars where !Self.isInvisible(scalar.value) { scalars.append(scalar) }
        return String(scalars)
    }

    static func isInvisible(_ v: UInt32) -> Bool {
        switch v {
        case 0x09, 0x0A, 0x0D: false
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x3164, 0xFFA0, 0xFEFF: true
        case 0x200B...0x200F, 0x202A...0x202E, 0x2060...0x2064, 0x2066...0x2069: true
        case 0xFE00...0xFE0F, 0xE0000...0xE007F, 0xE0100...0xE01EF: true
        default: false
        }
    }
}

/// Asks a human to approve a run (the 2FA broker implements it with a TOTP challenge on any gateway).
public protocol ApprovalProvider: Sendable {
    /// Returns when approved; throws when denied or expired.
    /// - Parameter request: What needs approval.
    func approve(_ request: ApprovalRequest) async throws
}

/// What needs approval and who started it.
public struct ApprovalRequest: Sendable, Hashable {
    /// The workflow or skill.
    public let subject: String
    /// The run, if any.
    public let runID: String?
    /// What started it.
    public let trigger: Trigger
}

/// What started a run: the entry point and the authenticated identity behind it.
public struct Trigger: Sendable, Hashable {
    /// The entry point's caller type (chat, mcp, workflow for the scheduler and the API, core for the agent itself).
    public let callerType: AuthContext.CallerType
    /// The authenticated identity at the edge (a chat user, an MCP client, `scheduler`).
    public let identity: String

    /// Creates a trigger.
    public init(callerType: AuthContext.CallerType, identity: String) {
        self.callerType = callerType
        self.identity = identity
    }

    /// The scheduler.
    public static let scheduler = Trigger(callerType: .workflow, identity: "scheduler")
}
