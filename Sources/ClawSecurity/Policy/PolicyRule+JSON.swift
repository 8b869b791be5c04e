import Foundation

extension PolicyRule {
    /// The rule as a policy-file JSON object; ``init(json:position:)`` reads it back to an equal rule.
    public var json: JSONValue {
        var config = [String: JSONValue]()
        switch kind {
        case .rateLimit(let permission, let maxCalls, let window):
            if let permission { config["permission"] = .string(permission) }
            config["max_calls"] = .int(Int64(maxCalls))
            config["window_seconds"] = .int(Int64(window))
        case .timeWindow(let permission, let start, let end, let zone):
            if let permission { config["permission"] = .string(permission) }
            config["deny_start_hour"] = .int(Int64(start))
            config["deny_end_hour"] = .int(Int64(end))
            config["time_zone"] = .string(zone.identifier)
        case .chainRestriction(let pattern, let depth):
            config["caller_pattern"] = .string(pattern.pattern)
            config["max_depth"] = .int(Int64(depth))
        case .permissionOverride(let permission, let action, let expiry):
            config["permission"] = .string(permission)
            config["action"] = .string(action.rawValue)
            if let expiry { config["expires_at"] = .string(RFC3339.format(expiry)) }
        case .mcpRestriction(let pattern, let action):
            config["tool_pattern"] = .string(pattern.pattern)
            config["action"] = .string(action.rawValue)
        }
        return .object([
            "id": .string(id), "type": .string(kind.typeName), "priority": .int(Int64(priority)),
            "enabled": .bool(enabled), "config": .object(config),
        ])
    }
}
