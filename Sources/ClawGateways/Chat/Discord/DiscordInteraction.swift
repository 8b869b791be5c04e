import Foundation

/// A Discord interaction (a slash command or a PING), reduced to what the gateway looks at.
///
/// The interaction's token (a 15-minute credential for its follow-up messages) is kept internal and
/// never shown: not in ``description``, not in reflection.
public struct DiscordInteraction: Sendable, Hashable, CustomStringConvertible, CustomReflectable {
    /// The interaction's id (a snowflake).
    public var id: String
    /// The type: 1 PING, 2 APPLICATION_COMMAND, 3 MESSAGE_COMPONENT, 4 autocomplete, 5 MODAL_SUBMIT.
    public var type: Int64
    /// The guild it came from; `nil` in a direct message.
    public var guildID: String?
    /// The channel it came from.
    public var channelID: String?
    /// The user who sent it: `member.user.id` in a guild, `user.id` in a direct message.
    public var userID: String?
    /// For an application command: `/name` followed by subcommand names and option values, space-separated.
    public var commandText: String?
    /// The follow-up credential.
    let token: String

    /// PING.
    public static let ping: Int64 = 1
    /// APPLICATION_COMMAND.
    public static let applicationCommand: Int64 = 2

    /// The interaction without its token.
    public var description: String {
        "DiscordInteraction(id: \(id), type: \(type), guildID: \(guildID ?? "nil"), userID: \(userID ?? "nil"), token: [redacted])"
    }

    /// The interaction without its token (for `dump` and reflection).
    public var customMirror: Mirror {
        Mirror(self, children: [
            "id": id, "type": type, "guildID": guildID as Any, "channelID": channelID as Any, "userID": userID as Any,
            "commandText": commandText as Any, "token": "[redacted]",
        ])
    }

    /// Parses an interaction's JSON body (call it only after the signature verified).
    /// - Parameter body: The raw body.
    /// - Returns: The interaction.
    /// - Throws: ``GatewayError/Code/unavailable`` (status 400 at the endpoint) when the body is not JSON or
    ///   misses the id, type or (for anything but a PING) a well-formed token.
    public static func parse(_ body: [UInt8]) throws(GatewayError) -> DiscordInteraction {
        let json: JSONValue
        do {
            json = try JSONValue(parsing: body, limits: .init(maximumBytes: max(1, body.count), maximumDepth: 64))
        } catch {
            throw GatewayError(.unavailable, "the interaction is not JSON")
        }
        guard let id = snowflake(json["id"]), let type = json["type"]?.intValue else {
            throw GatewayError(.unavailable, "the interaction has no id or type")
        }
        let token = json["token"]?.stringValue ?? ""
        guard type == ping || isWellFormed(token: token) else {
            throw GatewayError(.unavailable, "the interaction has no well-formed token")
        }
        let guildID = snowflake(json["guild_id"])
        let userID = guildID == nil ? snowflake(json["user"]?["id"]) : snowflake(json["member"]?["user"]?["id"])
        var commandText: String?
        if type == applicationCommand, let data = json["data"], let name = data["name"]?.stringValue, !name.isEmpty {
            var words = ["/" + name]
            flatten(data["options"], into: &words)
            commandText = words.joined(separator: " ")
        }
        return DiscordInteraction(
            id: id, type: type, guildID: guildID, channelID: snowflake(json["channel_id"]) ?? snowflake(json["channel"]?["id"]),
            userID: userID, commandText: commandText, token: token)
    }

    /// Appends subcommand names and option values, depth first, in the order given.
    static func flatten(_ options: JSONValue?, into words: inout [String]) {
        for option in options?.arrayValue ?? [] {
            let kind = option["type"]?.intValue
            if kind == 1 || kind == 2 {
                // SUB_COMMAND and SUB_COMMAND_GROUP carry their own options instead of a value.
                if let name = option["name"]?.stringValue { words.append(name) }
                flatten(option["options"], into: &words)
                continue
            }
            switch option["value"] {
            case .string(let text)?: words.append(text)
            case .int(let number)?: words.append(String(number))
            case .double(let number)?: words.append(number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number))
            case .bool(let flag)?: words.append(flag ? "true" : "false")
            default: break
            }
        }
    }

    /// A snowflake: 1 to 20 decimal digits (as a string, as Discord sends them).
    static func snowflake(_ value: JSONValue?) -> String? {
        guard let text = value?.stringValue, isSnowflake(text) else { return nil }
        return text
    }

    static func isSnowflake(_ text: String) -> Bool {
        (1...20).contains(text.utf8.count) && text.utf8.allSatisfy { (0x30...0x39).contains($0) }
    }

    /// An interaction token goes into a URL path: letters, digits, `.`, `_` and `-` only.
    static func isWellFormed(token: String) -> Bool {
        (1...512).contains(token.utf8.count) && token.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }
}
