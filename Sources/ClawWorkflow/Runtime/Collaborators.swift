import Crypto

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
        /// Creates the error for a service.
        public init(service: String) { self.service = service }
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

/// Cleans untrusted text before a model or a later step sees it. ClawSecurity's ``ContentSanitizer``
/// implements it (the default of ``SkillRuntime``); tests may supply their own.
public protocol ContentSanitizing: Sendable {
    /// Returns the text with hidden or hostile content removed.
    func sanitizedText(_ text: String) -> String
    /// Returns the value with every string sanitized (keys included) and its structure kept: no array
    /// element or object member is lost.
    func sanitizedJSON(_ value: JSONValue) -> JSONValue
}

extension ContentSanitizing {
    /// Sanitizes each string with ``sanitizedText(_:)``; a key that sanitizes like an earlier one gets a
    /// `#2`, `#3` ... suffix.
    public func sanitizedJSON(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text): return .string(sanitizedText(text))
        case .array(let items): return .array(items.map(sanitizedJSON))
        case .object(let members):
            var out: [String: JSONValue] = [:]
            for key in members.keys.sorted() {
                out[JSONValue.unusedKey(sanitizedText(key), in: out)] = sanitizedJSON(members[key]!)
            }
            return .object(out)
        default: return value
        }
    }
}

extension ContentSanitizer: ContentSanitizing {
    /// The sanitized text of a document whose kind is sniffed (HTML or plain text).
    public func sanitizedText(_ text: String) -> String { sanitize(text, kind: .auto).text }
    /// Every string of the value sanitized, its structure kept (``sanitize(json:)``).
    public func sanitizedJSON(_ value: JSONValue) -> JSONValue { sanitize(json: value).value }
}

/// Asks a human to approve a run (the 2FA broker implements it with a TOTP challenge on any gateway).
public protocol ApprovalProvider: Sendable {
    /// Returns when approved; throws when denied or expired.
    /// - Parameter request: What needs approval.
    func approve(_ request: ApprovalRequest) async throws
}

/// A skill that can say exactly what an input will do, before anyone is asked to approve it.
///
/// The runtime calls it before asking for approval: a refusal here ends the call without a challenge, and
/// the summary is what the approver sees. It must come from the same code that the run uses, so that
/// what is shown is what runs.
public protocol ApprovalDescribing: Skill {
    /// What the input will do, in one or a few lines.
    /// - Throws: When the input would be refused anyway.
    func approvalSummary(for input: JSONValue) throws -> String
}

/// What needs approval and who started it.
public struct ApprovalRequest: Sendable, Hashable {
    /// The workflow or skill.
    public let subject: String
    /// The run, if any.
    public let runID: String?
    /// What started it.
    public let trigger: Trigger
    /// The input it will run with.
    public let arguments: JSONValue
    /// What will run, in the skill's own words (``ApprovalDescribing``), such as the normalized command
    /// line of `shell`; shown in full to the person approving.
    public let summary: String?

    /// Creates a request.
    public init(subject: String, runID: String?, trigger: Trigger, arguments: JSONValue = .null, summary: String? = nil) {
        self.subject = subject
        self.runID = runID
        self.trigger = trigger
        self.arguments = arguments
        self.summary = summary
    }

    /// A digest of exactly what will run: the first 16 hex digits of SHA-256 over the canonical JSON of
    /// the subject and its arguments. A challenge shows it, so an approval is for this action only.
    public var digest: String {
        let canonical = JSONValue.object(["subject": .string(subject), "arguments": arguments]).canonicalText
        return String(Hex.encode(Array(SHA256.hash(data: Array(canonical.utf8)))).prefix(16))
    }
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
