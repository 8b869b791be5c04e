import ClawGateways
import Crypto
import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization
import Testing

/// A fake chat API (Telegram Bot API, Discord REST) on an ephemeral port of 127.0.0.1: it records every
/// request and answers through a closure.
final class FakeChatAPI: Sendable {
    /// One recorded request.
    struct Recorded: Sendable {
        let method: String
        let path: String
        let headers: [String: String]
        let body: JSONValue?
        let at: ContinuousClock.Instant
    }

    typealias Responder = @Sendable (Recorded) async -> (status: Int, body: String)

    let recorded = Mutex<[Recorded]>([])
    let responder: Responder

    init(_ responder: @escaping Responder) { self.responder = responder }

    var requests: [Recorded] { recorded.withLock { $0 } }

    func requests(endingWith suffix: String) -> [Recorded] { requests.filter { $0.path.hasSuffix(suffix) } }

    /// Runs the server while `body` runs, with the server's base URL (`http://127.0.0.1:PORT`).
    func serve(_ body: (String) async throws -> Void) async throws {
        let router = Router()
        for method in [HTTPRequest.Method.post, .patch, .get] {
            router.on("**", method: method) { request, _ -> Response in
                let bytes = try await request.body.collect(upTo: 1 << 22)
                var headers = [String: String]()
                for field in request.headers { headers[field.name.canonicalName] = field.value }
                let recorded = Recorded(
                    method: request.method.rawValue, path: request.uri.path, headers: headers,
                    body: try? JSONValue(parsing: Array(bytes.readableBytesView)), at: .now)
                self.recorded.withLock { $0.append(recorded) }
                let (status, text) = await self.responder(recorded)
                return Response(
                    status: .init(code: status), headers: [.contentType: "application/json"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
            }
        }
        let port = Mutex<Int?>(nil)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } },
            logger: Logger(label: "fake-chat-api", factory: { _ in SwiftLogNoOpLogHandler() }))
        let task = Task { try await app.runService() }
        defer { task.cancel() }
        var bound: Int?
        for _ in 0..<1000 {
            bound = port.withLock { $0 }
            if bound != nil { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        let found = try #require(bound, "the fake API did not start")
        try await body("http://127.0.0.1:\(found)")
    }
}

/// Waits (a bounded number of short sleeps) until `condition` holds; returns whether it did.
@discardableResult
func eventually(_ condition: () -> Bool) async throws -> Bool {
    for _ in 0..<2000 {
        if condition() { return true }
        try await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}

/// A handler that answers `echo: <text>` and records what it saw.
final class EchoHandler: ChatMessageHandler {
    let seen = Mutex<[InboundMessage]>([])
    let reply: @Sendable (InboundMessage) async -> String

    init(reply: @escaping @Sendable (InboundMessage) async -> String = { "echo: \($0.text)" }) { self.reply = reply }

    func handle(_ message: InboundMessage) async -> String {
        seen.withLock { $0.append(message) }
        return await reply(message)
    }

    var messages: [InboundMessage] { seen.withLock { $0 } }
}

/// An audit log over an in-memory store.
func memoryAudit() -> (AuditLog, InMemoryAuditStore) {
    let store = InMemoryAuditStore()
    return (AuditLog(store: store, key: SymmetricKey(size: .bits256)), store)
}

/// Log lines kept in memory, to prove what is (not) logged.
final class LogCapture: Sendable {
    let lines = Mutex<[String]>([])

    var logger: Logger {
        Logger(label: "capture") { _ in Handler(capture: self) }
    }

    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let line = "\(event.level) \(event.message) \(event.metadata ?? [:])"
            capture.lines.withLock { $0.append(line) }
        }
    }
}
