import ClawGateways
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// A fake Bot API: queued updates for `getUpdates` (answered at once, empty when nothing is new), and
/// recorded `sendMessage` calls, optionally answered 429 first.
final class FakeTelegram: Sendable {
    static let token = "123456:TEST-token_do-not-leak"
    static let owner: Int64 = 4242

    struct State {
        var updates: [JSONValue] = []
        var nextID: Int64 = 100
        var rateLimits = 0
        var unauthorized = false
        var serverError = false
        var ignoresOffset = false
    }

    final class Box: Sendable {
        let state = Mutex(State())
    }

    let box = Box()
    let api: FakeChatAPI

    init() {
        let box = self.box
        api = FakeChatAPI { request in
            guard request.path.hasPrefix("/bot\(FakeTelegram.token)/") else { return (404, #"{"ok":false,"error_code":404,"description":"Not Found"}"#) }
            if box.state.withLock({ $0.unauthorized }) { return (401, #"{"ok":false,"error_code":401,"description":"Unauthorized"}"#) }
            if box.state.withLock({ $0.serverError }) { return (500, #"{"ok":false,"error_code":500,"description":"Internal Server Error"}"#) }
            if request.path.hasSuffix("/getUpdates") {
                let offset = request.body?["offset"]?.intValue ?? 0
                let batch = box.state.withLock { state in
                    state.updates.filter { state.ignoresOffset || ($0["update_id"]?.intValue ?? 0) >= offset }
                }
                // A real long poll would wait for news; answer soon with what there is.
                if batch.isEmpty { try? await Task.sleep(for: .milliseconds(10)) }
                return (200, JSONValue.object(["ok": true, "result": .array(batch)]).canonicalText)
            }
            if request.path.hasSuffix("/sendMessage") {
                let limited = box.state.withLock { state -> Bool in
                    guard state.rateLimits > 0 else { return false }
                    state.rateLimits -= 1
                    return true
                }
                if limited {
                    return (429, #"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}"#)
                }
                return (200, #"{"ok":true,"result":{"message_id":1,"chat":{"id":4242,"type":"private"},"date":1700000000,"text":"x"}}"#)
            }
            return (404, #"{"ok":false,"error_code":404,"description":"Not Found"}"#)
        }
    }

    /// Queues a text message in Telegram's JSON shape.
    @discardableResult
    func message(_ text: String?, from sender: Int64 = owner, chat: Int64 = owner, isBot: Bool = false) -> Int64 {
        box.state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            var message: [String: JSONValue] = [
                "message_id": .int(id * 10), "date": 1_700_000_000,
                "from": ["id": .int(sender), "is_bot": .bool(isBot), "first_name": "Test"],
                "chat": ["id": .int(chat), "type": chat > 0 ? "private" : "group"],
            ]
            if let text { message["text"] = .string(text) }
            state.updates.append(["update_id": .int(id), "message": .object(message)])
            return id
        }
    }

    /// The texts sent with sendMessage, in order (successful or not).
    var sent: [String] { api.requests(endingWith: "/sendMessage").compactMap { $0.body?["text"]?.stringValue } }
    var polls: [FakeChatAPI.Recorded] { api.requests(endingWith: "/getUpdates") }

    func configuration(_ base: String) -> TelegramGateway.Configuration {
        var configuration = TelegramGateway.Configuration.privateChat(botToken: Self.token, userID: Self.owner, apiBaseURL: base)
        configuration.minimumSendInterval = .milliseconds(1)
        configuration.initialBackoff = .milliseconds(10)
        configuration.maximumBackoff = .milliseconds(50)
        return configuration
    }
}

@Suite("Telegram gateway")
struct TelegramGatewayTests {
    /// Runs the gateway's loop while `body` runs, then cancels it and waits for it to end.
    static func running(_ gateway: TelegramGateway, _ body: () async throws -> Void) async throws {
        let task = Task { try await gateway.run() }
        do {
            try await body()
        } catch {
            task.cancel()
            throw error
        }
        task.cancel()
        try await task.value
    }

    @Test("getUpdates' JSON parses: text messages, non-text messages, other update kinds, malformed entries")
    func parsing() throws {
        let body = #"""
            {"ok":true,"result":[
             {"update_id":7,"message":{"message_id":1,"from":{"id":42,"is_bot":false,"first_name":"A"},"chat":{"id":42,"type":"private"},"date":1,"text":"hi"}},
             {"update_id":8,"message":{"message_id":2,"from":{"id":42,"is_bot":false,"first_name":"A"},"chat":{"id":42,"type":"private"},"date":1,"photo":[]}},
             {"update_id":9,"edited_message":{"message_id":1}},
             {"update_id":10,"message":{"chat":"nope"}},
             {"no_id":true}
            ]}
            """#
        let updates = try TelegramUpdate.parseUpdates(Array(body.utf8))
        #expect(updates.map(\.updateID) == [7, 8, 9, 10])
        #expect(updates[0].message == .init(messageID: 1, chatID: 42, chatType: "private", senderID: 42, senderIsBot: false, text: "hi", date: 1))
        #expect(updates[1].message?.text == nil)
        #expect(updates[2].message == nil && updates[3].message == nil)
        #expect(throws: GatewayError(.unavailable, "")) { try TelegramUpdate.parseUpdates(Array(#"{"ok":false,"description":"Conflict"}"#.utf8)) }
        #expect(throws: GatewayError(.unavailable, "")) { try TelegramUpdate.parseUpdates(Array("<html>".utf8)) }
    }

    @Test("Configuration: no allowed sender or a malformed token is refused; the token never shows in descriptions")
    func configuration() throws {
        let (audit, _) = memoryAudit()
        let handler = EchoHandler()
        var configuration = TelegramGateway.Configuration(botToken: FakeTelegram.token, chatID: 1, allowedSenderIDs: [])
        #expect(throws: GatewayError(.configuration, "")) {
            try TelegramGateway(configuration: configuration, handler: handler, offsets: InMemoryTelegramOffsetStore(), audit: audit)
        }
        configuration.allowedSenderIDs = [1]
        configuration.botToken = "123:abc/../x?y"
        #expect(throws: GatewayError(.configuration, "")) {
            try TelegramGateway(configuration: configuration, handler: handler, offsets: InMemoryTelegramOffsetStore(), audit: audit)
        }
        configuration.botToken = FakeTelegram.token
        let gateway = try TelegramGateway(configuration: configuration, handler: handler, offsets: InMemoryTelegramOffsetStore(), audit: audit)
        #expect(gateway.channel == "telegram" && gateway.deliversChallenges)
        var dumped = ""
        dump(configuration, to: &dumped)
        for text in ["\(configuration)", String(reflecting: configuration), dumped] {
            #expect(!text.contains("TEST-token") && text.contains("[redacted]"), "\(text)")
        }
    }

    @Test("An allowed message reaches the handler and its reply goes to the chat")
    func allowedMessage() async throws {
        let fake = FakeTelegram()
        let (audit, store) = memoryAudit()
        let handler = EchoHandler()
        try await fake.api.serve { base in
            let gateway = try TelegramGateway(
                configuration: fake.configuration(base), handler: handler, offsets: InMemoryTelegramOffsetStore(), audit: audit)
            try await Self.running(gateway) {
                fake.message("/status")
                try #require(try await eventually { fake.sent == ["echo: /status"] }, "\(fake.sent)")
            }
            let send = try #require(fake.api.requests(endingWith: "/sendMessage").first)
            #expect(send.body?["chat_id"] == .int(FakeTelegram.owner))
            let poll = try #require(fake.polls.first?.body)
            #expect(poll["timeout"] == 25 && poll["allowed_updates"] == ["message"])
        }
        #expect(handler.messages.map(\.identity) == ["telegram:4242"])
        #expect(handler.messages.first?.chatID == "4242")
        #expect(try store.entries().isEmpty)
    }

    @Test("With a maximum age, messages queued long ago are ignored and fresh ones handled")
    func staleMessages() async throws {
        let (audit, _) = memoryAudit()
        for (secondsLater, answered) in [(3_600.0, false), (60.0, true)] {
            let fake = FakeTelegram()
            let handler = EchoHandler()
            try await fake.api.serve { base in
                var configuration = fake.configuration(base)
                configuration.maximumMessageAge = 600
                let gateway = try TelegramGateway(
                    configuration: configuration, handler: handler, offsets: InMemoryTelegramOffsetStore(), audit: audit,
                    clock: .fixed(Date(timeIntervalSince1970: 1_700_000_000 + secondsLater)))
                try await Self.running(gateway) {
                    fake.message("/status")
                    if answered {
                        try #require(try await eventually { fake.sent == ["echo: /status"] }, "\(fake.sent)")
                    } else {
                        try #require(try await eventually { fake.polls.count >= 3 })
                    }
                }
            }
            #expect(handler.messages.count == (answered ? 1 : 0), "\(secondsLater) s after the message")
        }
    }

    @Test("Unknown senders, other chats and bots get no reply and are audited once a minute per sender, without the text")
    func refusals() async throws {
        let fake = FakeTelegram()
        let (audit, store) = memoryAudit()
        let handler = EchoHandler()
        let now = Mutex(Date(timeIntervalSince1970: 1_700_000_000))
        try await fake.api.serve { base in
            let gateway = try TelegramGateway(
                configuration: fake.configuration(base), handler: handler, offsets: InMemoryTelegramOffsetStore(), audit: audit,
                clock: WallClock { now.withLock { $0 } })
            try await Self.running(gateway) {
                fake.message("secret-one from a stranger", from: 999, chat: 999)
                fake.message("secret-two in the owner's chat", from: 999)
                fake.message("secret-three from the owner in a group", chat: -100_123)
                fake.message("secret-four from a bot", from: 777, isBot: true)
                // The same stranger again within the minute: counted, not audited.
                for _ in 0..<5 { fake.message("secret-five again", from: 999, chat: 999) }
                fake.message(nil)  // a sticker from the owner: ignored, no reply, nothing audited
                fake.message("last")
                try #require(try await eventually { fake.sent == ["echo: last"] }, "\(fake.sent)")
                #expect(try store.entries().count == 3)
                // A minute later, the next message is audited with the count of those in between.
                now.withLock { $0 += 60 }
                fake.message("secret-six a minute later", from: 999, chat: 999)
                fake.message("last again")
                try #require(try await eventually { fake.sent == ["echo: last", "echo: last again"] }, "\(fake.sent)")
            }
        }
        #expect(handler.messages.map(\.text) == ["last", "last again"])
        var entries = try store.entries()
        #expect(entries.count == 4)
        let late = entries.removeLast()
        #expect(late.context["sender_id"] == "999" && late.context["suppressed"] == 6)
        #expect(entries.allSatisfy { $0.context["suppressed"] == nil })
        #expect(entries.map(\.event) == Array(repeating: "gateway.unknown_sender", count: 3))
        #expect(entries.allSatisfy { $0.outcome == "deny" && $0.context["channel"] == "telegram" })
        #expect(entries.map { $0.context["chat_id"]?.stringValue } == ["999", "-100123", "4242"])
        #expect(entries.map { $0.context["sender_id"]?.stringValue } == ["999", "4242", "777"])
        #expect(!(entries + [late]).map(\.jsonLine).joined().contains("secret-"))
    }

    @Test("The offset is saved in the settings; a second gateway does not handle the same updates again")
    func offsetPersistence() async throws {
        let fixture = try await GatewayFixture.make()
        let offsets = SettingsTelegramOffsetStore(settings: fixture.database.settings(keyRing: fixture.keyRing))
        let fake = FakeTelegram()
        // Like a server that has not seen the confirmation yet: every poll returns every update.
        fake.box.state.withLock { $0.ignoresOffset = true }
        let (audit, _) = memoryAudit()
        let first = EchoHandler()
        try await fake.api.serve { base in
            let gateway = try TelegramGateway(configuration: fake.configuration(base), handler: first, offsets: offsets, audit: audit)
            try await Self.running(gateway) {
                fake.message("one")
                fake.message("two")
                try #require(try await eventually { fake.sent.count == 2 })
                // Polled again after the batch, and the same updates came back: not handled twice.
                let polls = fake.polls.count
                try #require(try await eventually { fake.polls.count > polls + 2 })
            }
            #expect(try await offsets.offset() == 102)
            #expect(try await fixture.database.settings(keyRing: fixture.keyRing).setting("telegram.update_offset")?.value == "102")

            let second = EchoHandler()
            let restarted = try TelegramGateway(configuration: fake.configuration(base), handler: second, offsets: offsets, audit: audit)
            let before = fake.polls.count
            try await Self.running(restarted) {
                fake.message("three")
                try #require(try await eventually { fake.sent.count == 3 }, "\(fake.sent)")
            }
            #expect(fake.polls[before].body?["offset"] == 102)
            #expect(first.messages.map(\.text) == ["one", "two"])
            #expect(second.messages.map(\.text) == ["three"])
            // Handlers run concurrently: the first two replies may come in either order.
            #expect(Set(fake.sent.prefix(2)) == ["echo: one", "echo: two"] && fake.sent.last == "echo: three")
        }
        await fixture.close()
    }

    @Test("A 9,000-character reply is sent as 3 messages of at most 4096 UTF-16 units, cut at line breaks")
    func longReply() async throws {
        let fake = FakeTelegram()
        let (audit, _) = memoryAudit()
        // 90 lines of 100 characters (99 + the line break), the last without its break: 8,999 + 1 = 9,000.
        let line = String(repeating: "x", count: 99)
        let long = Array(repeating: line, count: 90).joined(separator: "\n") + "y"
        #expect(long.count == 9000)
        let handler = EchoHandler { _ in long }
        try await fake.api.serve { base in
            let gateway = try TelegramGateway(
                configuration: fake.configuration(base), handler: handler, offsets: InMemoryTelegramOffsetStore(), audit: audit)
            try await Self.running(gateway) {
                fake.message("/long")
                try #require(try await eventually { fake.sent.count == 3 }, "\(fake.sent.count)")
            }
        }
        let parts = fake.sent
        #expect(parts.allSatisfy { $0.utf16.count <= 4096 })
        #expect(parts.joined(separator: "\n") == long)
        #expect(parts.dropLast().allSatisfy { $0.count % 100 == 99 })
    }

    @Test("Splitting: surrogate pairs and grapheme clusters stay whole; a text without breaks is cut at the limit")
    func splitting() {
        let emoji = String(repeating: "👍🏽", count: 20)  // 4 UTF-16 units each
        let parts = ChatText.split(emoji, maximumUTF16Length: 18)
        #expect(parts.joined() == emoji && parts.allSatisfy { $0.utf16.count <= 18 && $0.utf16.count % 4 == 0 })
        let plain = String(repeating: "a", count: 50)
        #expect(ChatText.split(plain, maximumUTF16Length: 20).map(\.count) == [20, 20, 10])
        #expect(ChatText.split("", maximumUTF16Length: 20).isEmpty)
        let zalgo = "e" + String(repeating: "\u{301}", count: 40)  // one character of 41 units
        let cut = ChatText.split(zalgo, maximumUTF16Length: 16)
        #expect(cut.joined() == zalgo && cut.allSatisfy { $0.utf16.count <= 16 })
    }

    @Test("A 429 answer's retry_after is honoured before the message is sent again")
    func rateLimit() async throws {
        let fake = FakeTelegram()
        fake.box.state.withLock { $0.rateLimits = 1 }
        let (audit, _) = memoryAudit()
        try await fake.api.serve { base in
            let gateway = try TelegramGateway(
                configuration: fake.configuration(base), handler: EchoHandler(), offsets: InMemoryTelegramOffsetStore(), audit: audit)
            try await gateway.send("hello", to: nil)
        }
        let attempts = fake.api.requests(endingWith: "/sendMessage")
        #expect(attempts.count == 2 && fake.sent == ["hello", "hello"])
        #expect(attempts[0].at.duration(to: attempts[1].at) >= .milliseconds(990))
    }

    @Test("A 429 that never ends fails after the bounded retries; another chat is refused")
    func rateLimitExhausted() async throws {
        let fake = FakeTelegram()
        fake.box.state.withLock { $0.rateLimits = 100 }
        let (audit, _) = memoryAudit()
        try await fake.api.serve { base in
            var configuration = fake.configuration(base)
            configuration.maximumRateLimitRetries = 1
            configuration.maximumRetryWait = .milliseconds(10)
            let gateway = try TelegramGateway(
                configuration: configuration, handler: EchoHandler(), offsets: InMemoryTelegramOffsetStore(), audit: audit)
            await #expect(throws: GatewayError(.unavailable, "")) { try await gateway.send("hello", to: nil) }
            #expect(fake.sent.count == 2)
            await #expect(throws: GatewayError(.unknownChat, "")) { try await gateway.send("hello", to: "777") }
            try await gateway.send("", to: "4242")  // nothing to send
            #expect(fake.sent.count == 2)
        }
    }

    /// A handler whose `/deploy` waits (bounded) until a message `answers` accepts has been handled, like a command
    /// waiting for its 2FA code; it then replies "deployed" ("no code came" if none did). Other messages get `reply`.
    static func deployHandler(answers: @escaping @Sendable (String) -> Bool, reply: @escaping @Sendable (String) -> String) -> EchoHandler {
        final class Flag: Sendable {
            private let state = Mutex(false)
            var isSet: Bool { state.withLock { $0 } }
            func set() { state.withLock { $0 = true } }
        }
        let arrived = Flag()
        return EchoHandler { message in
            if message.text == "/deploy" {
                for _ in 0..<4000 where !arrived.isSet { try? await Task.sleep(for: .milliseconds(5)) }
                return arrived.isSet ? "deployed" : "no code came"
            }
            if answers(message.text) { arrived.set() }
            return reply(message.text)
        }
    }

    @Test("A handler that waits for the next message does not block the loop (each message has its own task)")
    func concurrency() async throws {
        let fake = FakeTelegram()
        let (audit, _) = memoryAudit()
        let handler = Self.deployHandler(answers: { _ in true }, reply: { _ in "code accepted" })
        try await fake.api.serve { base in
            let gateway = try TelegramGateway(
                configuration: fake.configuration(base), handler: handler, offsets: InMemoryTelegramOffsetStore(), audit: audit)
            try await Self.running(gateway) {
                fake.message("/deploy")
                try #require(try await eventually { handler.messages.count == 1 })
                fake.message("123456")
                try #require(try await eventually { fake.sent.count == 2 }, "\(fake.sent)")
            }
        }
        // "deployed" proves the waiting command saw the code: had it run inline, the code would never have come.
        #expect(Set(fake.sent) == ["code accepted", "deployed"])
    }

    @Test("With every command slot taken by commands waiting for approval, the code still gets through")
    func answersHaveTheirOwnSlots() async throws {
        let fake = FakeTelegram()
        let (audit, _) = memoryAudit()
        let handler = Self.deployHandler(answers: { ChatCommand(parsing: $0).answersApproval }, reply: { "handled \($0)" })
        try await fake.api.serve { base in
            var configuration = fake.configuration(base)
            configuration.maximumConcurrentHandlers = 1
            let gateway = try TelegramGateway(configuration: configuration, handler: handler, offsets: InMemoryTelegramOffsetStore(), audit: audit)
            try await Self.running(gateway) {
                fake.message("/deploy")
                try #require(try await eventually { handler.messages.count == 1 })
                fake.message("/status")
                try #require(try await eventually { fake.sent == [TelegramGateway.busyReply] }, "\(fake.sent)")
                fake.message("123456")
                try #require(try await eventually { fake.sent.count == 3 }, "\(fake.sent)")
            }
        }
        #expect(handler.messages.map(\.text) == ["/deploy", "123456"])
        #expect(fake.sent.first == TelegramGateway.busyReply && Set(fake.sent.dropFirst()) == ["handled 123456", "deployed"])
    }

    @Test("Graceful shutdown of the service group ends run()")
    func gracefulShutdown() async throws {
        let fake = FakeTelegram()
        let (audit, _) = memoryAudit()
        try await fake.api.serve { base in
            let gateway = try TelegramGateway(
                configuration: fake.configuration(base), handler: EchoHandler(), offsets: InMemoryTelegramOffsetStore(), audit: audit)
            let group = ServiceGroup(configuration: .init(services: [gateway], logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })))
            let task = Task { try await group.run() }
            try #require(try await eventually { fake.polls.count >= 2 })
            await group.triggerGracefulShutdown()
            try await task.value
        }
    }

    @Test("A refused token: bounded backoff, an unauthorized error, and neither the token nor a URL in errors or logs")
    func unauthorized() async throws {
        let fake = FakeTelegram()
        fake.box.state.withLock { $0.unauthorized = true }
        let (audit, _) = memoryAudit()
        let logs = LogCapture()
        try await fake.api.serve { base in
            let gateway = try TelegramGateway(
                configuration: fake.configuration(base), handler: EchoHandler(), offsets: InMemoryTelegramOffsetStore(), audit: audit,
                logger: logs.logger)
            try await Self.running(gateway) {
                try #require(try await eventually { fake.polls.count >= 3 })
            }
            do throws(GatewayError) {
                try await gateway.send("hello", to: nil)
                Issue.record("the send should fail")
            } catch {
                #expect(error.code == .unauthorized)
                #expect(!"\(error)".contains("TEST-token") && !"\(error)".contains("127.0.0.1"))
            }
            // Another failure: unavailable, with Telegram's description, still without the token or the URL.
            fake.box.state.withLock { $0.unauthorized = false; $0.serverError = true }
            do throws(GatewayError) {
                try await gateway.send("hello", to: nil)
                Issue.record("the send should fail")
            } catch {
                #expect(error.code == .unavailable && "\(error)".contains("Internal Server Error"), "\(error)")
                #expect(!"\(error)".contains("TEST-token") && !"\(error)".contains("127.0.0.1"))
            }
        }
        #expect(logs.text.contains("getUpdates failed"))
        #expect(!logs.text.contains("TEST-token") && !logs.text.contains("/bot"))
    }
}
