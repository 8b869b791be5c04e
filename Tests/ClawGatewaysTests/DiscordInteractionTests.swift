import ClawGateways
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

@Suite("Discord interactions and gateway")
struct DiscordInteractionTests {
    static let now = Date(timeIntervalSince1970: 1_700_000_000)
    static let timestamp = "1700000000"
    static let applicationID = "42"
    static let guild = "777"
    static let owner = "555"
    static let interactionToken = "aW50ZXJhY3Rpb24.tok-en_SECRET"
    static let botToken = "MTIzNDU2Nzg5.bot-token_DO-NOT-LEAK"

    let key = Curve25519.Signing.PrivateKey()

    func signature(_ body: String, timestamp: String = Self.timestamp) throws -> String {
        Hex.encode(try key.signature(for: Array(timestamp.utf8) + Array(body.utf8)))
    }

    func headers(signature: String?, timestamp: String? = Self.timestamp) -> HTTPFields {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let signature { headers[HTTPField.Name("X-Signature-Ed25519")!] = signature }
        if let timestamp { headers[HTTPField.Name("X-Signature-Timestamp")!] = timestamp }
        return headers
    }

    func endpoint(handler: EchoHandler, audit: AuditLog, api: String = "http://127.0.0.1:1") throws -> DiscordInteractions {
        try DiscordInteractions(
            configuration: .init(
                publicKey: Hex.encode(key.publicKey.rawRepresentation), applicationID: Self.applicationID, guildIDs: [Self.guild],
                allowedUserIDs: [Self.owner], apiBaseURL: api),
            handler: handler, audit: audit, clock: .fixed(Self.now))
    }

    static func command(id: String, guild: String? = guild, user: String = owner, options: String = #"[{"name":"workflow","type":3,"value":"nightly"},{"name":"count","type":4,"value":3}]"#) -> String {
        let who = guild.map { #""guild_id":"\#($0)","member":{"user":{"id":"\#(user)","username":"u"},"roles":[]}"# } ?? #""user":{"id":"\#(user)","username":"u"}"#
        return #"{"id":"\#(id)","type":2,"application_id":"42","token":"\#(interactionToken)","channel_id":"888",\#(who),"data":{"id":"9","name":"run","type":1,"options":\#(options)}}"#
    }

    func post(_ client: some TestClientProtocol, _ body: String, signature: String?? = nil, timestamp: String? = Self.timestamp) async throws -> Answer {
        let signed = try signature ?? self.signature(body, timestamp: timestamp ?? Self.timestamp)
        return try await client.send("/discord/interactions", method: .post, headers: headers(signature: signed, timestamp: timestamp), body: body)
    }

    @Test("PING is answered; missing, malformed or wrong signatures, a tampered body and a stale timestamp are 401")
    func signatures() async throws {
        let (audit, store) = memoryAudit()
        let discord = try endpoint(handler: EchoHandler(), audit: audit)
        let server = ClawHTTPServer(configuration: .init(port: 0), mcp: nil, github: nil, discord: discord)
        try await server.makeApplication().test(.router) { client in
            let ping = #"{"id":"1","type":1,"application_id":"42","token":"x"}"#
            let ok = try await post(client, ping)
            #expect(ok.status == 200 && ok.text == #"{"type":1}"#)
            let noSignature = try await post(client, #"{"id":"2","type":1}"#, signature: .some(nil))
            let noTimestamp = try await client.send(
                "/discord/interactions", method: .post, headers: headers(signature: try signature(#"{"id":"3","type":1}"#), timestamp: nil),
                body: #"{"id":"3","type":1}"#)
            let malformed = try await post(client, #"{"id":"4","type":1}"#, signature: "zz" + String(repeating: "0", count: 126))
            let short = try await post(client, #"{"id":"5","type":1}"#, signature: "abcd")
            let otherKey = Hex.encode(try Curve25519.Signing.PrivateKey().signature(for: Array((Self.timestamp + #"{"id":"6","type":1}"#).utf8)))
            let wrong = try await post(client, #"{"id":"6","type":1}"#, signature: otherKey)
            let tampered = try await post(client, #"{"id":"7","type":1,"x":1}"#, signature: try signature(#"{"id":"7","type":1}"#))
            let stale = try await post(client, #"{"id":"8","type":1}"#, timestamp: "1699999000")
            let future = try await post(client, #"{"id":"9","type":1}"#, timestamp: "1700000400")
            let otherTimestamp = try await post(
                client, #"{"id":"10","type":1}"#, signature: try signature(#"{"id":"10","type":1}"#, timestamp: "1700000001"))
            for answer in [noSignature, noTimestamp, malformed, short, wrong, tampered, stale, future, otherTimestamp] {
                #expect(answer.status == 401, "\(answer.text)")
            }
            // Within the allowed skew.
            #expect(try await post(client, #"{"id":"11","type":1}"#, timestamp: "1699999750").status == 200)
            // Signed but not an interaction.
            #expect(try await post(client, #"{"type":1}"#).status == 400)
            #expect(try await post(client, "not json").status == 400)
        }
        #expect(try store.entries().isEmpty)
    }

    @Test("Without a Discord endpoint the route does not exist")
    func unrouted() async throws {
        let server = ClawHTTPServer(configuration: .init(port: 0), mcp: nil, github: nil)
        try await server.makeApplication().test(.router) { client in
            let answer = try await post(client, #"{"id":"1","type":1}"#)
            #expect(answer.status == 404)
        }
    }

    @Test("Commands from another guild, an unknown user or an unknown user's DM get an ephemeral refusal and are audited")
    func refusals() async throws {
        let (audit, store) = memoryAudit()
        let handler = EchoHandler()
        let discord = try endpoint(handler: handler, audit: audit)
        let server = ClawHTTPServer(configuration: .init(port: 0), mcp: nil, github: nil, discord: discord)
        try await server.makeApplication().test(.router) { client in
            for body in [
                Self.command(id: "100", guild: "999"), Self.command(id: "101", user: "666"), Self.command(id: "102", guild: nil, user: "666"),
            ] {
                let answer = try await post(client, body)
                #expect(answer.status == 200)
                #expect(answer.json == ["type": 4, "data": ["content": .string(DiscordInteractions.refusal), "flags": 64]])
            }
        }
        #expect(handler.messages.isEmpty)
        // 666's DM within the minute of its guild command is counted, not audited; stopping writes the count.
        #expect(try store.entries().count == 2)
        let running = Task { try await discord.run() }
        running.cancel()
        try await running.value
        let entries = try store.entries()
        #expect(entries.map(\.event) == Array(repeating: "gateway.unknown_sender", count: 3))
        #expect(entries.allSatisfy { $0.outcome == "deny" && $0.context["channel"] == "discord" })
        #expect(entries.map { $0.context["sender_id"]?.stringValue } == ["555", "666", "666"])
        #expect(entries.map { $0.context["guild_id"]?.stringValue } == ["999", "777", "dm"])
        #expect(entries.map { $0.context["suppressed"]?.intValue } == [nil, nil, 1])
        #expect(!entries.map(\.jsonLine).joined().contains("SECRET"))
    }

    @Test("A valid command is deferred (type 5), handled in the background, and the reply edits the original via PATCH")
    func deferredReply() async throws {
        let (audit, _) = memoryAudit()
        let handler = EchoHandler()
        let rest = FakeChatAPI { _ in (200, #"{"id":"1"}"#) }
        try await rest.serve { base in
            let discord = try endpoint(handler: handler, audit: audit, api: base + "/api/v10")
            let worker = Task { try await discord.run() }
            defer { worker.cancel() }
            let server = ClawHTTPServer(configuration: .init(port: 0), mcp: nil, github: nil, discord: discord)
            try await server.makeApplication().test(.router) { client in
                let answer = try await post(client, Self.command(id: "200"))
                #expect(answer.status == 200 && answer.text == #"{"data":{"flags":64},"type":5}"#)
                // A subcommand group and subcommand, flattened; a DM from the owner.
                let nested = Self.command(
                    id: "201", guild: nil,
                    options: #"[{"name":"token","type":2,"options":[{"name":"create","type":1,"options":[{"name":"days","type":4,"value":30},{"name":"ro","type":5,"value":true}]}]}]"#)
                #expect(try await post(client, nested).text == #"{"data":{"flags":64},"type":5}"#)
                let replay = try await post(client, Self.command(id: "200"))
                #expect(replay.status == 409)
            }
            try #require(try await eventually { rest.requests.count == 2 }, "\(rest.requests.map(\.path))")
        }
        #expect(Set(handler.messages.map(\.text)) == ["/run nightly 3", "/run token create 30 true"])
        #expect(handler.messages.allSatisfy { $0.senderID == Self.owner && $0.channel == "discord" && $0.chatID == "888" })
        for request in rest.requests {
            #expect(request.method == "PATCH")
            #expect(request.path == "/api/v10/webhooks/42/\(Self.interactionToken)/messages/@original")
            #expect(request.body?["allowed_mentions"] == ["parse": []])
        }
        #expect(Set(rest.requests.compactMap { $0.body?["content"]?.stringValue }) == ["echo: /run nightly 3", "echo: /run token create 30 true"])
    }

    @Test("A long reply: the first 2000 characters edit the original, the rest are follow-ups; 429 is waited out")
    func longReplyAndRateLimit() async throws {
        let (audit, _) = memoryAudit()
        let long = String(repeating: "d", count: 4500)
        let handler = EchoHandler { _ in long }
        let limited = Mutex(1)
        let rest = FakeChatAPI { _ in
            let first = limited.withLock { count -> Bool in
                defer { count -= 1 }
                return count > 0
            }
            return first ? (429, #"{"message":"You are being rate limited.","retry_after":0.05,"global":false}"#) : (200, #"{"id":"1"}"#)
        }
        try await rest.serve { base in
            let discord = try endpoint(handler: handler, audit: audit, api: base)
            let worker = Task { try await discord.run() }
            defer { worker.cancel() }
            let answer = await discord.handle(
                headers: ["x-signature-ed25519": try signature(Self.command(id: "300")), "x-signature-timestamp": Self.timestamp],
                body: Array(Self.command(id: "300").utf8))
            #expect(answer.status == 200)
            try #require(try await eventually { rest.requests.count == 4 }, "\(rest.requests.map(\.path))")
        }
        let requests = rest.requests
        #expect(requests.map(\.method) == ["PATCH", "PATCH", "POST", "POST"])
        #expect(requests[2].path == "/webhooks/42/\(Self.interactionToken)")
        #expect(requests.dropFirst().compactMap { $0.body?["content"]?.stringValue }.joined() == long)
        #expect(requests[0].at.duration(to: requests[1].at) >= .milliseconds(45))
    }

    @Test("Past the handler limit, a command gets an ephemeral busy answer; an approval answer still gets through")
    func busy() async throws {
        let (audit, _) = memoryAudit()
        let discord = try DiscordInteractions(
            configuration: .init(
                publicKey: Hex.encode(key.publicKey.rawRepresentation), applicationID: Self.applicationID, guildIDs: [Self.guild],
                allowedUserIDs: [Self.owner], apiBaseURL: "http://127.0.0.1:1", maximumConcurrentHandlers: 1),
            handler: EchoHandler(), audit: audit, clock: .fixed(Self.now))
        // run() is not running: the first command stays pending.
        var answers = [String]()
        for id in ["400", "401"] {
            let body = Self.command(id: id)
            answers.append(String(decoding: await discord.handle(
                headers: ["x-signature-ed25519": try signature(body), "x-signature-timestamp": Self.timestamp], body: Array(body.utf8)).body, as: UTF8.self))
        }
        #expect(answers[0] == #"{"data":{"flags":64},"type":5}"#)
        #expect(try JSONValue(parsing: answers[1]) == ["type": 4, "data": ["content": .string(DiscordInteractions.busy), "flags": 64]])
        // The code that approves the waiting command has a slot of its own; a second one does not.
        for (id, expected) in [("402", #"{"data":{"flags":64},"type":5}"#), ("403", nil)] {
            let body = #"{"id":"\#(id)","type":2,"application_id":"42","token":"\#(Self.interactionToken)","channel_id":"888","guild_id":"\#(Self.guild)","member":{"user":{"id":"\#(Self.owner)","username":"u"},"roles":[]},"data":{"id":"9","name":"approve","type":1,"options":[{"name":"code","type":3,"value":"123456"}]}}"#
            let answer = String(decoding: await discord.handle(
                headers: ["x-signature-ed25519": try signature(body), "x-signature-timestamp": Self.timestamp], body: Array(body.utf8)).body, as: UTF8.self)
            if let expected {
                #expect(answer == expected)
            } else {
                #expect(try JSONValue(parsing: answer)["data"]?["content"] == .string(DiscordInteractions.busy))
            }
        }
    }

    @Test("Configuration errors: a bad public key, no allowed user, an id that is not a snowflake")
    func configuration() throws {
        let (audit, _) = memoryAudit()
        let publicKey = Hex.encode(key.publicKey.rawRepresentation)
        for configuration in [
            DiscordInteractions.Configuration(publicKey: "abcd", applicationID: "42", allowedUserIDs: ["1"]),
            DiscordInteractions.Configuration(publicKey: publicKey, applicationID: "42", allowedUserIDs: []),
            DiscordInteractions.Configuration(publicKey: publicKey, applicationID: "42/../x", allowedUserIDs: ["1"]),
        ] {
            #expect(throws: GatewayError(.configuration, "")) { try DiscordInteractions(configuration: configuration, handler: EchoHandler(), audit: audit) }
        }
        #expect(throws: GatewayError(.configuration, "")) { try DiscordGateway(configuration: .init(botToken: "short")) }
        #expect(throws: GatewayError(.configuration, "")) { try DiscordGateway(configuration: .init(botToken: Self.botToken, ownerChannelID: "general")) }
    }

    @Test("The interaction parser: command text, user by place, token hidden from descriptions")
    func parser() throws {
        let interaction = try DiscordInteraction.parse(Array(Self.command(id: "500").utf8))
        #expect(interaction.commandText == "/run nightly 3" && interaction.userID == Self.owner && interaction.guildID == Self.guild)
        var dumped = ""
        dump(interaction, to: &dumped)
        #expect(!"\(interaction)".contains("SECRET") && !dumped.contains("SECRET"))
        #expect(throws: GatewayError(.unavailable, "")) {
            try DiscordInteraction.parse(Array(#"{"id":"1","type":2,"token":"a/b"}"#.utf8))
        }
    }

    @Test("DiscordGateway.send posts to the channel with the Bot header, waits out 429, refuses other channels")
    func gatewaySend() async throws {
        let limited = Mutex(1)
        let rest = FakeChatAPI { request in
            if request.headers["authorization"] != "Bot \(Self.botToken)" { return (401, #"{"message":"401: Unauthorized","code":0}"#) }
            let first = limited.withLock { count -> Bool in
                defer { count -= 1 }
                return count > 0
            }
            return first ? (429, #"{"message":"You are being rate limited.","retry_after":0.05,"global":false}"#) : (200, #"{"id":"1"}"#)
        }
        let logs = LogCapture()
        try await rest.serve { base in
            var configuration = DiscordGateway.Configuration(botToken: Self.botToken, ownerChannelID: "123", apiBaseURL: base)
            configuration.minimumSendInterval = .milliseconds(1)
            let gateway = try DiscordGateway(configuration: configuration, logger: logs.logger)
            #expect(gateway.deliversChallenges && gateway.channel == "discord")
            try await gateway.send("hello", to: nil)
            try await gateway.send(String(repeating: "z", count: 2500), to: "123")
            await #expect(throws: GatewayError(.unknownChat, "")) { try await gateway.send("hi", to: "999") }

            configuration.botToken = "MTIzNDU2Nzg5.wrong-token_xxxxxxxxx"
            let wrong = try DiscordGateway(configuration: configuration, logger: logs.logger)
            do throws(GatewayError) {
                try await wrong.send("hello", to: nil)
                Issue.record("the send should fail")
            } catch {
                #expect(error.code == .unauthorized && !"\(error)".contains("wrong-token"))
            }
            var dumped = ""
            dump(configuration, to: &dumped)
            #expect(!"\(configuration)".contains("wrong-token") && !dumped.contains("wrong-token"))
        }
        let requests = rest.requests.filter { $0.headers["authorization"] == "Bot \(Self.botToken)" }
        #expect(requests.map(\.path) == Array(repeating: "/channels/123/messages", count: 4))
        #expect(requests.map(\.method) == ["POST", "POST", "POST", "POST"])
        #expect(requests.compactMap { $0.body?["content"]?.stringValue.map(\.count) } == [5, 5, 2000, 500])
        #expect(!logs.text.contains("DO-NOT-LEAK"))

        let ownerless = try DiscordGateway(configuration: .init(botToken: Self.botToken))
        #expect(!ownerless.deliversChallenges)
        await #expect(throws: GatewayError(.unknownChat, "")) { try await ownerless.send("hi", to: nil) }
    }
}
