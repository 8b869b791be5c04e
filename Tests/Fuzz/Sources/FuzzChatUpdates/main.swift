// libFuzzer target: the chat gateways' parsers of untrusted input.
//
// The first byte picks the path; the rest is the body:
//   - 0 mod 3: a Telegram `getUpdates` answer, through `TelegramUpdate.parseUpdates`;
//   - 1 mod 3: a Discord interaction correctly signed with a fixed Ed25519 key, so it reaches the payload
//     path (parse, replay memory, guild and user checks, deferral);
//   - 2 mod 3: the same body with a corrupted signature, which must be refused.
// Every body is also parsed as a chat message (`ChatCommand`): it never fails, its tool is one the
// policy engine is told about, and `/shell` keeps the command line as typed.
// Never crashes, and checks that
//   - parsing a Telegram answer is deterministic;
//   - a signed interaction is answered 200, 400 or 409 with a JSON body, never 401;
//   - a corrupted signature is always 401.

import CFuzzerDriver
import ClawGateways
import Crypto
import Dispatch
import Foundation

/// An audit store that keeps nothing, so millions of runs use no memory.
struct DiscardingAuditStore: AuditStore {
    func append(_ entry: AuditEntry) throws(ClawSecurityError) {}
    func entries() throws(ClawSecurityError) -> [AuditEntry] { [] }
    func replace(with entries: [AuditEntry], anchor: AuditAnchor) throws(ClawSecurityError) {}
    func anchor() throws(ClawSecurityError) -> AuditAnchor? { nil }
    func saveCheckpoint(_ checkpoint: AuditCheckpoint) throws(ClawSecurityError) {}
    func checkpoint() throws(ClawSecurityError) -> AuditCheckpoint? { nil }
}

/// Answers at once; the fuzzer never runs the background loop, so accepted commands stay pending and
/// later ones take the "busy" path.
struct SilentHandler: ChatMessageHandler {
    func handle(_ message: InboundMessage) async -> String { "" }
}

let timestamp = "1700000000"
let key = try! Curve25519.Signing.PrivateKey(rawRepresentation: Array(repeating: UInt8(7), count: 32))
let interactions = try! DiscordInteractions(
    configuration: .init(
        publicKey: Hex.encode(key.publicKey.rawRepresentation), applicationID: "42", guildIDs: ["777"], allowedUserIDs: ["555"],
        apiBaseURL: "http://127.0.0.1:1"),
    handler: SilentHandler(), audit: AuditLog(store: DiscardingAuditStore(), key: SymmetricKey(size: .bits256)),
    clock: .fixed(Date(timeIntervalSince1970: 1_700_000_000)))

func blocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let semaphore = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result: T?
    Task {
        result = await body()
        semaphore.signal()
    }
    semaphore.wait()
    return result!
}

let knownTools: Set<String> = [
    "help", "status", "skills", "workflows", "runs", "run", "cancel", "shell", "setup_2fa", "confirm_2fa", "disable_2fa",
    "approve", "deny", "unknown", "malformed", "chat",
]

func isJSON(_ bytes: [UInt8]) -> Bool { (try? JSONValue(parsing: bytes)) != nil }

func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard size >= 1, let data else { return 0 }
    let selector = data[0] % 3
    let body = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let text = String(decoding: body, as: UTF8.self)
    let command = ChatCommand(parsing: text)
    guard knownTools.contains(command.tool) else { fatalError("a chat message parsed to an unknown tool \(command.tool)") }
    if case .shell(let line) = command, !text.contains(line) { fatalError("/shell changed the command line") }
    switch selector {
    case 0:
        guard let updates = try? TelegramUpdate.parseUpdates(body) else { return 0 }
        // Parsing is deterministic.
        guard (try? TelegramUpdate.parseUpdates(body)) == updates else { fatalError("parsing the same answer twice differed") }
    default:
        var signature = (try? key.signature(for: Array(timestamp.utf8) + body)).map { Array($0) } ?? []
        if selector == 2, !signature.isEmpty { signature[Int(data[0]) % signature.count] ^= 0x01 }
        let headers = ["x-signature-ed25519": Hex.encode(signature), "x-signature-timestamp": timestamp]
        let reply = blocking { await interactions.handle(headers: headers, body: body) }
        if selector == 2 {
            guard reply.status == 401 else { fatalError("a corrupted signature was answered \(reply.status)") }
        } else {
            guard [200, 400, 409].contains(reply.status) else { fatalError("a signed interaction was answered \(reply.status)") }
        }
        if !isJSON(reply.body) { fatalError("the interaction endpoint answered a body that is not JSON") }
    }
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
