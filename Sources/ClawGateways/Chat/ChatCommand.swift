import Foundation

/// A chat message understood as a command: `/name arguments`, a bare 2FA code, or free text.
///
/// Parsing never fails: anything it does not recognize is ``unknown(_:)``, ``malformed(_:)`` or ``text(_:)``.
/// A Telegram-style `@botname` suffix on the command is ignored (`/help@claw_bot`).
public enum ChatCommand: Sendable, Hashable {
    /// `/help` (and Telegram's `/start`).
    case help
    /// `/status`.
    case status
    /// `/skills`.
    case skills
    /// `/workflows`.
    case workflows
    /// `/runs`.
    case runs
    /// `/run NAME [input]`.
    case run(name: String, input: String)
    /// `/cancel ID`.
    case cancel(String)
    /// `/shell CMD` (the command line as typed).
    case shell(String)
    /// `/setup 2fa [CODE]`; the code of the current secret when re-enrolling.
    case setup2FA(currentCode: String?)
    /// `/confirm 2fa CODE`.
    case confirm2FA(String)
    /// `/disable 2fa CODE`.
    case disable2FA(String)
    /// `/approve [ID] CODE`.
    case approve(id: String?, code: String)
    /// `/deny ID`.
    case deny(String)
    /// A message that is only a 6 to 8 digit code.
    case code(String)
    /// A `/command` that does not exist.
    case unknown(String)
    /// A known command with missing or malformed arguments; carries its usage.
    case malformed(String)
    /// Free text, for the conversational skill.
    case text(String)

    /// The longest message understood; the rest of a longer one is ignored.
    public static let maximumLength = 8_192

    /// Parses a message.
    public init(parsing raw: String) {
        let text = String(raw.prefix(Self.maximumLength)).trimmingCharacters(in: .whitespacesAndNewlines)
        if Self.isCode(text) {
            self = .code(text)
            return
        }
        guard text.hasPrefix("/") else {
            self = .text(text)
            return
        }
        let body = text.dropFirst()
        let head = body.prefix { !$0.isWhitespace }
        let rest = body.dropFirst(head.count).trimmingCharacters(in: .whitespacesAndNewlines)
        let name = String(head.split(separator: "@", maxSplits: 1).first ?? "").lowercased()
        let words = rest.split(whereSeparator: \.isWhitespace).map(String.init)
        switch name {
        case "help", "start": self = .help
        case "status": self = .status
        case "skills": self = .skills
        case "workflows": self = .workflows
        case "runs": self = .runs
        case "run":
            guard let first = words.first else { self = .malformed("/run NAME [input]"); return }
            let input = rest.dropFirst(first.count).trimmingCharacters(in: .whitespacesAndNewlines)
            self = .run(name: first, input: input)
        case "cancel":
            self = words.count == 1 ? .cancel(words[0]) : .malformed("/cancel ID")
        case "shell":
            self = rest.isEmpty ? .malformed("/shell CMD") : .shell(rest)
        case "setup":
            guard words.first?.lowercased() == "2fa", words.count <= 2 else { self = .malformed("/setup 2fa [CODE]"); return }
            self = .setup2FA(currentCode: words.count == 2 ? words[1] : nil)
        case "confirm":
            self = words.count == 2 && words[0].lowercased() == "2fa" ? .confirm2FA(words[1]) : .malformed("/confirm 2fa CODE")
        case "disable":
            self = words.count == 2 && words[0].lowercased() == "2fa" ? .disable2FA(words[1]) : .malformed("/disable 2fa CODE")
        case "approve":
            switch words.count {
            case 1: self = .approve(id: nil, code: words[0])
            case 2: self = .approve(id: words[0], code: words[1])
            default: self = .malformed("/approve ID CODE")
            }
        case "deny":
            self = words.count == 1 ? .deny(words[0]) : .malformed("/deny ID")
        default:
            self = .unknown(String(name.prefix(32)))
        }
    }

    /// The tool name the policy engine and the audit log see: the command's name, `chat` for free
    /// text, `approve` for a bare code.
    public var tool: String {
        switch self {
        case .help: "help"
        case .status: "status"
        case .skills: "skills"
        case .workflows: "workflows"
        case .runs: "runs"
        case .run: "run"
        case .cancel: "cancel"
        case .shell: "shell"
        case .setup2FA: "setup_2fa"
        case .confirm2FA: "confirm_2fa"
        case .disable2FA: "disable_2fa"
        case .approve, .code: "approve"
        case .deny: "deny"
        case .unknown: "unknown"
        case .malformed: "malformed"
        case .text: "chat"
        }
    }

    /// Whether it answers a 2FA challenge (a bare code, `/approve`, `/deny`): such a message never waits
    /// for anything itself, so gateways admit it even while every command slot is taken.
    public var answersApproval: Bool {
        switch self {
        case .code, .approve, .deny: true
        default: false
        }
    }

    static func isCode(_ text: String) -> Bool {
        (6...8).contains(text.utf8.count) && text.utf8.allSatisfy { (0x30...0x39).contains($0) }
    }
}
