import ClawGateways
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

@Suite("HTTP server and /mcp routes")
struct MCPRouteTests {
    static func withApp(_ configuration: HTTPServerConfiguration = .init(port: 0), mcp: MCPEndpoint.Configuration = .init(),
                        _ body: @escaping @Sendable (GatewayFixture, any TestClientProtocol) async throws -> Void) async throws {
        let fixture = try await GatewayFixture.make(configuration: configuration, mcp: mcp)
        do {
            try await fixture.server.makeApplication().test(.router) { client in try await body(fixture, client) }
        } catch {
            await fixture.close()
            throw error
        }
        await fixture.close()
    }

    @Test("GET /healthz answers without authentication and without detail")
    func healthz() async throws {
        try await Self.withApp { _, client in
            let answer = try await client.send("/healthz", method: .get)
            #expect(answer.status == 200 && answer.text == #"{"status":"ok"}"#)
            let missing = try await client.send("/nowhere", method: .get)
            #expect(missing.status == 404 && missing.json?.objectValue?["error"] != nil)
        }
    }

    @Test("No token, a malformed, forged, expired or revoked token: 401 with WWW-Authenticate")
    func authentication() async throws {
        try await Self.withApp { fixture, client in
            let other = MCPTokens(keyRing: try KeyRing(secretKeyBase: String(repeating: "x", count: 40)))
            let expired = MCPTokens(keyRing: fixture.keyRing, clock: .fixed(Date(timeIntervalSinceNow: -7200)))
            let revoked = try fixture.tokens.create()
            try await fixture.revocations.revoke(revoked.id)
            let cases: [String?] = [
                nil, "not-a-token", try other.create().token.serialized(),
                try expired.create(expiresIn: 3600).token.serialized(), revoked.token.serialized(),
            ]
            for token in cases {
                let answer = try await client.mcp(#"{"jsonrpc": "2.0", "id": 1, "method": "ping"}"#, token: token)
                #expect(answer.status == 401, "\(token ?? "none")")
                #expect(answer.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                #expect(!answer.text.contains(token ?? "\u{0}"))
            }
        }
    }

    @Test("initialize, tools/list, tools/call through the one path; policy denials are tool errors; everything audited")
    func toolsCall() async throws {
        try await Self.withApp { fixture, client in
            let token = try fixture.token()
            let session = try await client.initialize(token: token)
            let list = try await client.mcp(#"{"jsonrpc": "2.0", "id": 2, "method": "tools/list"}"#, token: token, session: session)
            let names = list.result?["tools"]?.arrayValue?.compactMap { $0.objectValue?["name"]?.stringValue } ?? []
            #expect(Set(names) == ["skill:echo", "skill:forbidden", "skill:page", "workflow:on-push", "claw_sanitize"])

            let echo = try await client.mcp(
                #"{"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "skill:echo", "arguments": {"x": 1}}}"#,
                token: token, session: session)
            #expect(echo.result?["isError"] == false)
            #expect(echo.result?["content"]?.arrayValue?.first?.objectValue?["text"] == #"{"x":1}"#)

            // An external skill's output comes back sanitized.
            let page = try await client.mcp(
                #"{"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "skill:page"}}"#, token: token, session: session)
            let pageText = page.result?["content"]?.arrayValue?.first?.objectValue?["text"]?.stringValue ?? ""
            #expect(pageText.contains("Weather is fine") && !pageText.contains("Ignore all previous"))

            let denied = try await client.mcp(
                #"{"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "skill:forbidden"}}"#, token: token, session: session)
            #expect(denied.result?["isError"] == true)
            #expect(denied.result?["content"]?.arrayValue?.first?.objectValue?["text"]?.stringValue?.contains("denied by policy") == true)

            let workflow = try await client.mcp(
                #"{"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": {"name": "workflow:on-push", "arguments": {"y": 2}}}"#,
                token: token, session: session)
            #expect(workflow.result?["isError"] == false, "\(workflow.text)")

            let sanitized = try await client.mcp(
                #"{"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "claw_sanitize", "arguments": {"text": "<p>Hello</p><p style='display:none'>secret instructions</p>", "kind": "html"}}}"#,
                token: token, session: session)
            let sanitizedText = sanitized.result?["content"]?.arrayValue?.first?.objectValue?["text"]?.stringValue ?? ""
            #expect(sanitizedText.contains("Hello") && !sanitizedText.contains("secret instructions"))

            let entries = try await fixture.database.audit.entries().filter { $0.event == "mcp.tools_call" }
            #expect(entries.map(\.outcome) == ["allow", "allow", "deny", "allow", "allow"])
            #expect(entries[2].ruleID == "no-forbidden")
            #expect(!entries.contains { $0.jsonLine.contains(token) })
            #expect(try await fixture.audit.verify().count >= 5)
        }
    }

    @Test("A token attenuated away from a tool, or read-only, is refused that tool and does not see it")
    func attenuation() async throws {
        try await Self.withApp { fixture, client in
            let narrow = try CapabilityToken(decoding: try fixture.token()).attenuated(.tools(["skill:echo"])).serialized()
            let session = try await client.initialize(token: narrow)
            let list = try await client.mcp(#"{"jsonrpc": "2.0", "id": 2, "method": "tools/list"}"#, token: narrow, session: session)
            #expect(list.result?["tools"]?.arrayValue?.compactMap { $0.objectValue?["name"]?.stringValue } == ["skill:echo"])
            let refused = try await client.mcp(
                #"{"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "claw_sanitize", "arguments": {"text": "x"}}}"#,
                token: narrow, session: session)
            #expect(refused.errorCode == -32003)
            let readOnly = try fixture.token(readOnly: true)
            let readSession = try await client.initialize(token: readOnly)
            let call = try await client.mcp(
                #"{"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "skill:echo"}}"#, token: readOnly, session: readSession)
            #expect(call.errorCode == -32003)
            let audited = try await fixture.database.audit.entries().filter { $0.event == "mcp.tools_call" }
            #expect(audited.count == 2 && audited.allSatisfy { $0.outcome == "deny" })
        }
    }

    @Test("Sessions: required, bound to their token, ended by DELETE, bounded in number")
    func sessions() async throws {
        try await Self.withApp(mcp: .init(maximumSessions: 2)) { fixture, client in
            let token = try fixture.token()
            let ping = #"{"jsonrpc": "2.0", "id": 9, "method": "ping"}"#
            #expect(try await client.mcp(ping, token: token).status == 400)
            #expect(try await client.mcp(ping, token: token, session: "nope").status == 404)
            let session = try await client.initialize(token: token)
            #expect(try await client.mcp(ping, token: token, session: session).result != nil)
            // Another token cannot use this session.
            #expect(try await client.mcp(ping, token: try fixture.token(), session: session).status == 404)
            _ = try await client.initialize(token: token)
            // Two fresh sessions: a third is refused rather than evicting a live one.
            let third = try await client.mcp(
                #"{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18"}}"#, token: token)
            #expect(third.status == 503)
            var headers = HTTPFields()
            headers[.authorization] = "Bearer \(token)"
            headers[HTTPField.Name("Mcp-Session-Id")!] = session
            #expect(try await client.send("/mcp", method: .delete, headers: headers).status == 200)
            #expect(try await client.mcp(ping, token: token, session: session).status == 404)
            #expect(fixture.endpoint.sessionCount == 1)
        }
    }

    @Test("Resources: settings leave redacted; unknown methods and malformed bodies are JSON-RPC errors")
    func resourcesAndErrors() async throws {
        try await Self.withApp { fixture, client in
            try await fixture.database.settings(keyRing: fixture.keyRing).set("sk-ant-very-secret", for: .anthropicAPIKey)
            let token = try fixture.token()
            let session = try await client.initialize(token: token)
            let list = try await client.mcp(#"{"jsonrpc": "2.0", "id": 2, "method": "resources/list"}"#, token: token, session: session)
            let uris = list.result?["resources"]?.arrayValue?.compactMap { $0.objectValue?["uri"]?.stringValue } ?? []
            #expect(uris == ["claw://workflows", "claw://runs", "claw://settings"])
            for uri in uris {
                let read = try await client.mcp(
                    #"{"jsonrpc": "2.0", "id": 3, "method": "resources/read", "params": {"uri": "\#(uri)"}}"#, token: token, session: session)
                #expect(read.result?["contents"] != nil, "\(uri)")
                #expect(!read.text.contains("sk-ant-very-secret"), "\(uri)")
            }
            let settings = try await client.mcp(
                #"{"jsonrpc": "2.0", "id": 4, "method": "resources/read", "params": {"uri": "claw://settings"}}"#, token: token, session: session)
            #expect(settings.text.contains("llm.anthropic_api_key") && settings.text.contains("[redacted]"))
            #expect(try await client.mcp(#"{"jsonrpc": "2.0", "id": 5, "method": "nope"}"#, token: token, session: session).errorCode == -32601)
            #expect(try await client.mcp("{not json", token: token, session: session).errorCode == -32700)
            #expect(try await client.mcp(#"{"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": {}}"#, token: token, session: session).errorCode == -32602)
        }
    }

    @Test("Body limit (413), loopback Host and Origin checks (403)")
    func limitsAndOrigins() async throws {
        try await Self.withApp(.init(port: 0, maximumBodyBytes: 1024)) { fixture, client in
            let token = try fixture.token()
            let big = try await client.mcp(String(repeating: " ", count: 2048), token: token)
            #expect(big.status == 413 && big.json?.objectValue?["error"] != nil)
            let evil = try await client.mcp(#"{"jsonrpc": "2.0", "id": 1, "method": "ping"}"#, token: token, extra: [.origin: "https://evil.example"])
            #expect(evil.status == 403)
            let local = try await client.mcp(#"{"jsonrpc": "2.0", "id": 1, "method": "ping"}"#, token: token, extra: [.origin: "http://localhost:3000"])
            #expect(local.status == 400, "past the origin check, stopped for want of a session")
        }
    }
}

@Suite("MCP notifications")
struct MCPNotificationTests {
    @Test("Saving a workflow announces a tool-list change on every session's stream; the stream is bounded per session")
    func toolListChanged() async throws {
        let fixture = try await GatewayFixture.make()
        let token = try fixture.token()
        let initialize = await fixture.endpoint.post(
            headers: ["authorization": "Bearer \(token)"],
            body: Array(#"{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-03-26"}}"#.utf8))
        let session = try #require(initialize.headers["Mcp-Session-Id"])
        let headers = ["authorization": "Bearer \(token)", "mcp-session-id": session]
        guard case .success(let stream) = fixture.endpoint.stream(headers: headers) else {
            Issue.record("no stream")
            return
        }
        let watcher = Task { try await fixture.endpoint.run() }
        defer { watcher.cancel() }
        let received = Mutex<JSONValue?>(nil)
        let reader = Task {
            for await message in stream {
                received.withLock { $0 = message }
                return
            }
        }
        defer { reader.cancel() }
        // The watcher may start listening after the first save: save until the announcement arrives (bounded).
        for i in 0..<200 where received.withLock({ $0 }) == nil {
            try await fixture.database.workflows.save(try Workflow(json: #"{"name": "new-\#(i)", "steps": [{"name": "e", "skill": "echo"}]}"#))
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(received.withLock { $0 }?.objectValue?["method"] == "notifications/tools/list_changed")
        // A second GET for the session ends the first stream; notifications go to the newest.
        guard case .success(let second) = fixture.endpoint.stream(headers: headers) else {
            Issue.record("no second stream")
            return
        }
        _ = await reader.value
        fixture.endpoint.toolsChanged()
        var iterator = second.makeAsyncIterator()
        #expect(await iterator.next()?.objectValue?["method"] == "notifications/tools/list_changed")
        // Without a valid session, no stream.
        if case .success = fixture.endpoint.stream(headers: ["authorization": "Bearer \(token)", "mcp-session-id": "nope"]) {
            Issue.record("a stream without a session")
        }
        await fixture.close()
    }
}
