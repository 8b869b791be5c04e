import ClawGateways
import Foundation
import Synchronization
import Testing

@Suite("Console gateway")
struct ConsoleGatewayTests {
    /// A handler that waits for `/release` before answering `/wait`, to prove lines are handled concurrently.
    final class Gate: ChatMessageHandler {
        let released = Mutex(false)
        func handle(_ message: InboundMessage) async -> String {
            if message.text == "/release" {
                released.withLock { $0 = true }
                return "released"
            }
            for _ in 0..<2_000 where !released.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(5)) }
            return "\(message.channel):\(message.senderID) said \(message.text)"
        }
    }

    @Test("each line is a message from the owner, handled concurrently; replies are printed; the end of input ends it")
    func lines() async throws {
        let input = Mutex(["/wait", "", "/release"])
        let output = Mutex([String]())
        let console = ConsoleGateway(
            handler: Gate(),
            readLine: { input.withLock { $0.isEmpty ? nil : $0.removeFirst() } },
            write: { text in output.withLock { $0.append(text) } })
        #expect(console.channel == "console" && console.deliversChallenges)
        try await console.run()
        try await console.send("a challenge", to: nil)
        let printed = output.withLock { $0 }
        #expect(printed.first?.hasPrefix("Claw console") == true)
        // `/wait` finishes only after `/release`, which came later: they ran at the same time.
        #expect(Array(printed.dropFirst()) == ["released", "console:owner said /wait", "a challenge"])
    }
}
