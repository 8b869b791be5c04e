import ClawGateways
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import Testing

/// The server on a real loopback port, driven by the official Python MCP client.
@Suite("Live server and the Python MCP client")
struct LiveServerTests {
    /// Starts the server on an ephemeral port of 127.0.0.1 and runs `body` with its base URL.
    static func withLiveServer(_ fixture: GatewayFixture, _ body: (String) async throws -> Void) async throws {
        let port = Mutex<Int?>(nil)
        let server = ClawHTTPServer(
            configuration: fixture.server.configuration, mcp: fixture.endpoint, github: nil,
            onRunning: { bound in port.withLock { $0 = bound } })
        let task = Task { try await server.run() }
        defer { task.cancel() }
        var bound: Int?
        for _ in 0..<500 {
            bound = port.withLock { $0 }
            if bound != nil { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        let found = try #require(bound, "the server did not start")
        try await body("http://127.0.0.1:\(found)")
    }

    /// Runs a program to completion on dispatch threads, off the cooperative pool.
    static func run(_ executable: String, _ arguments: [String]) async throws -> (Int32, Data, Data) {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: executable)
                process.arguments = arguments
                let output = Pipe()
                let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("claw-py-\(UUID().uuidString).err")
                _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
                defer { try? FileManager.default.removeItem(at: errorFile) }
                guard let errors = try? FileHandle(forWritingTo: errorFile) else {
                    continuation.resume(throwing: CocoaError(.fileWriteUnknown))
                    return
                }
                process.standardOutput = output
                process.standardError = errors
                do {
                    try process.run()
                } catch {
                    continuation.resume(throwing: error)
                    return
                }
                let stdout = output.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                try? errors.close()
                let stderr = (try? Data(contentsOf: errorFile)) ?? Data()
                continuation.resume(returning: (process.terminationStatus, stdout, stderr))
            }
        }
    }

    @Test("GET /healthz over real HTTP on loopback")
    func healthz() async throws {
        let fixture = try await GatewayFixture.make()
        try await Self.withLiveServer(fixture) { base in
            let (data, response) = try await URLSession.shared.data(from: URL(string: base + "/healthz")!)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
            #expect(String(decoding: data, as: UTF8.self) == #"{"status":"ok"}"#)
        }
        await fixture.close()
    }

    @Test("The official Python MCP client: initialize, list, call, a policy denial as a tool error; refused without a valid token")
    func pythonClient() async throws {
        let python = try #require(
            ProcessInfo.processInfo.environment["CLAW_INTEROP_PYTHON"],
            "CLAW_INTEROP_PYTHON is not set: run the tests with scripts/test, which installs the Python MCP client")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/interop/mcp_client_check.py")
        let fixture = try await GatewayFixture.make()
        try await fixture.database.settings(keyRing: fixture.keyRing).set("sk-live-do-not-leak", for: .openAIAPIKey)
        let expired = MCPTokens(keyRing: fixture.keyRing, clock: .fixed(Date(timeIntervalSinceNow: -7200)))
        let tokens: JSONValue = [
            "good": .string(try fixture.token()),
            "narrow": .string(try CapabilityToken(decoding: try fixture.token()).attenuated(.tools(["skill:echo"])).serialized()),
            "wrong": .string(try MCPTokens(keyRing: try KeyRing(secretKeyBase: String(repeating: "w", count: 40))).create().token.serialized()),
            "expired": .string(try expired.create(expiresIn: 60).token.serialized()),
        ]
        let tokenFile = fixture.folder.appendingPathComponent("tokens.json")
        try tokens.canonicalText.write(to: tokenFile, atomically: true, encoding: .utf8)
        try await Self.withLiveServer(fixture) { base in
            // The client runs on its own threads: blocking reads on the cooperative pool would starve the
            // server's handlers (two cores, two pool threads).
            let (status, stdout, stderr) = try await Self.run(python, [script.path, base + "/mcp", tokenFile.path])
            #expect(status == 0, "\(String(decoding: stderr.suffix(3000), as: UTF8.self))")
            let result = try JSONValue(parsing: Array(stdout))
            let good = try #require(result.objectValue?["good"]?.objectValue)
            #expect(good["tools"] == ["claw_sanitize", "skill:echo", "skill:forbidden", "skill:page", "workflow:on-push"])
            #expect(good["echo"] == #"{"x":1}"# && good["echo_is_error"] == false)
            #expect(good["denied_is_error"] == true && good["denied"]?.stringValue?.contains("denied by policy") == true)
            #expect(good["sanitized"]?.stringValue?.contains("Hi") == true && good["sanitized"]?.stringValue?.contains("Ignore all") == false)
            #expect(good["resources"] == ["claw://runs", "claw://settings", "claw://workflows"])
            #expect(good["settings"]?.stringValue?.contains("[redacted]") == true)
            #expect(!String(decoding: stdout, as: UTF8.self).contains("sk-live-do-not-leak"))
            let narrow = try #require(result.objectValue?["narrow"]?.objectValue)
            #expect(narrow["tools"] == ["skill:echo"])
            #expect(narrow["call"]?.stringValue?.hasPrefix("refused") == true, "\(narrow)")
            for name in ["none", "wrong", "expired"] {
                let outcome = result.objectValue?[name]?.stringValue ?? ""
                #expect(outcome.hasPrefix("refused") && outcome.contains("HTTP 401, WWW-Authenticate: Bearer"), "\(name): \(outcome)")
            }
        }
        let audited = try await fixture.database.audit.entries().filter { $0.event == "mcp.tools_call" }
        #expect(audited.map(\.outcome) == ["allow", "deny", "allow", "deny"])
        await fixture.close()
    }
}
