import Foundation

/// One policy rule, as AlexClaw's admin UI writes it: `{"id", "type", "priority", "enabled", "config"}`.
///
/// | type | config | effect |
/// | --- | --- | --- |
/// | `rate_limit` | `permission?`, `max_calls`, `window_seconds` | denies a caller's call past `max_calls` in any sliding window |
/// | `time_window` | `permission?`, `deny_start_hour`, `deny_end_hour`, `time_zone?` | denies from start to end hour (crossing midnight when start > end) |
/// | `chain_restriction` | `caller_pattern`, `max_depth?` | denies matching callers inside a skill chain deeper than `max_depth` (0) |
/// | `permission_override` | `permission`, `action`, `expires_at?` | allows or denies a permission until it expires |
/// | `mcp_restriction` | `tool_pattern`, `action` | allows or denies MCP tools matching the pattern |
///
/// Patterns are ``Glob``s that match the whole name. Loading is strict: an unknown type or field, a
/// missing field, a bad value or an out-of-range hour is an error naming the rule and the field.
public struct PolicyRule: Sendable, Hashable {
    /// What a deciding rule says.
    public enum Action: String, Sendable, Hashable {
        /// Let the call through.
        case allow
        /// Refuse the call.
        case deny
    }

    /// A rule's type and configuration.
    public enum Kind: Sendable, Hashable {
        /// `rate_limit`.
        case rateLimit(permission: String?, maxCalls: Int, window: TimeInterval)
        /// `time_window`.
        case timeWindow(permission: String?, denyStartHour: Int, denyEndHour: Int, timeZone: TimeZone)
        /// `chain_restriction`.
        case chainRestriction(callerPattern: Glob, maxDepth: Int)
        /// `permission_override`.
        case permissionOverride(permission: String, action: Action, expiresAt: Date?)
        /// `mcp_restriction`.
        case mcpRestriction(toolPattern: Glob, action: Action)

        /// The type's name in policy files.
        public var typeName: String {
            switch self {
            case .rateLimit: "rate_limit"
            case .timeWindow: "time_window"
            case .chainRestriction: "chain_restriction"
            case .permissionOverride: "permission_override"
            case .mcpRestriction: "mcp_restriction"
            }
        }

        /// The permission the rule is limited to, if any.
        var permission: String? {
            switch self {
            case .rateLimit(let p, _, _), .timeWindow(let p, _, _, _): p
            case .permissionOverride(let p, _, _): p
            case .chainRestriction, .mcpRestriction: nil
            }
        }
    }

    /// The rule's unique id.
    public var id: String
    /// Higher priorities are evaluated first.
    public var priority: Int
    /// A disabled rule is loaded and validated but never evaluated.
    public var enabled: Bool
    /// The type and configuration.
    public var kind: Kind

    /// Creates a rule.
    public init(id: String, priority: Int = 0, enabled: Bool = true, kind: Kind) {
        self.id = id
        self.priority = priority
        self.enabled = enabled
        self.kind = kind
    }

    // MARK: Loading

    /// Parses a policy file: a JSON array of rules. Ids must be unique.
    /// - Throws: ``ClawSecurityError/Code/invalidPolicy`` naming the rule (by id or position) and field.
    public static func parseFile(_ text: String) throws(ClawSecurityError) -> [PolicyRule] {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: text, limits: .init(maximumBytes: 16 << 20, maximumDepth: 8))
        } catch {
            throw ClawSecurityError(.invalidPolicy, "the policy file is not valid JSON: \(error.reason)")
        }
        guard let array = value.arrayValue else {
            throw ClawSecurityError(.invalidPolicy, "the policy file must be a JSON array of rules")
        }
        var rules = [PolicyRule]()
        var ids = Set<String>()
        for (index, element) in array.enumerated() {
            let rule = try PolicyRule(json: element, position: index)
            guard ids.insert(rule.id).inserted else {
                throw ClawSecurityError(.invalidPolicy, "rule '\(rule.id)': the id is used twice")
            }
            rules.append(rule)
        }
        return rules
    }

    /// Parses one rule.
    /// - Parameters:
    ///   - json: The rule object.
    ///   - position: Its index in the file, for errors when it has no id.
    /// - Throws: ``ClawSecurityError/Code/invalidPolicy``.
    public init(json: JSONValue, position: Int = 0) throws(ClawSecurityError) {
        var name = "#\(position + 1)"
        func fail(_ field: String, _ what: String) -> ClawSecurityError {
            ClawSecurityError(.invalidPolicy, "rule \(name), field '\(field)': \(what)")
        }
        guard let object = json.objectValue else {
            throw ClawSecurityError(.invalidPolicy, "rule \(name) is not a JSON object")
        }
        guard let id = object["id"]?.stringValue, !id.isEmpty, id.utf8.count <= 128 else {
            throw fail("id", "must be a non-empty string of at most 128 bytes")
        }
        name = "'\(id)'"
        for key in object.keys.sorted() where !["id", "type", "priority", "enabled", "config"].contains(key) {
            throw fail(String(key.prefix(40)), "unknown field")
        }
        guard let type = object["type"]?.stringValue else { throw fail("type", "missing or not a string") }
        guard let priorityValue = object["priority"] else { throw fail("priority", "missing") }
        guard let priority = priorityValue.intValue, abs(priority) <= 1_000_000 else {
            throw fail("priority", "must be an integer from -1000000 to 1000000")
        }
        guard let enabledValue = object["enabled"] else { throw fail("enabled", "missing") }
        guard let enabled = enabledValue.boolValue else { throw fail("enabled", "must be true or false") }
        guard let config = object["config"]?.objectValue else { throw fail("config", "missing or not an object") }

        func allowOnly(_ keys: Set<String>) throws(ClawSecurityError) {
            for key in config.keys.sorted() where !keys.contains(key) {
                throw fail("config.\(key.prefix(40))", "unknown field for a \(type) rule")
            }
        }
        func string(_ key: String, required: Bool) throws(ClawSecurityError) -> String? {
            guard let v = config[key], v != .null else {
                if required { throw fail("config.\(key)", "missing") }
                return nil
            }
            guard let s = v.stringValue, !s.isEmpty, s.utf8.count <= 256 else {
                throw fail("config.\(key)", "must be a non-empty string of at most 256 bytes")
            }
            return s
        }
        func int(_ key: String, in range: ClosedRange<Int>, required: Bool = true) throws(ClawSecurityError) -> Int? {
            guard let v = config[key], v != .null else {
                if required { throw fail("config.\(key)", "missing") }
                return nil
            }
            guard let i = v.intValue, range.contains(Int(i)) else {
                throw fail("config.\(key)", "must be an integer from \(range.lowerBound) to \(range.upperBound)")
            }
            return Int(i)
        }
        func action() throws(ClawSecurityError) -> Action {
            let text = try string("action", required: true)!
            guard let action = Action(rawValue: text) else { throw fail("config.action", "must be \"allow\" or \"deny\"") }
            return action
        }

        let kind: Kind
        switch type {
        case "rate_limit":
            try allowOnly(["permission", "max_calls", "window_seconds"])
            kind = .rateLimit(
                permission: try string("permission", required: false),
                maxCalls: try int("max_calls", in: 1...1_000_000)!,
                window: TimeInterval(try int("window_seconds", in: 1...31_536_000)!))
        case "time_window":
            try allowOnly(["permission", "deny_start_hour", "deny_end_hour", "time_zone"])
            let start = try int("deny_start_hour", in: 0...23)!
            let end = try int("deny_end_hour", in: 0...23)!
            guard start != end else { throw fail("config.deny_end_hour", "must differ from deny_start_hour") }
            var zone = TimeZone(identifier: "UTC")!
            if let name = try string("time_zone", required: false) {
                guard let found = TimeZone(identifier: name) else { throw fail("config.time_zone", "unknown time zone") }
                zone = found
            }
            kind = .timeWindow(
                permission: try string("permission", required: false), denyStartHour: start, denyEndHour: end,
                timeZone: zone)
        case "chain_restriction":
            try allowOnly(["caller_pattern", "max_depth"])
            kind = .chainRestriction(
                callerPattern: Glob(try string("caller_pattern", required: true)!),
                maxDepth: try int("max_depth", in: 0...1000, required: false) ?? 0)
        case "permission_override":
            try allowOnly(["permission", "action", "expires_at"])
            var expiry: Date?
            if let text = try string("expires_at", required: false) {
                guard let date = RFC3339.parse(text) else { throw fail("config.expires_at", "not an RFC 3339 time") }
                expiry = date
            }
            kind = .permissionOverride(
                permission: try string("permission", required: true)!, action: try action(), expiresAt: expiry)
        case "mcp_restriction":
            try allowOnly(["tool_pattern", "action"])
            kind = .mcpRestriction(toolPattern: Glob(try string("tool_pattern", required: true)!), action: try action())
        default:
            throw fail("type", "unknown rule type '\(type.prefix(40))'")
        }
        self.init(id: id, priority: Int(priority), enabled: enabled, kind: kind)
    }
}
