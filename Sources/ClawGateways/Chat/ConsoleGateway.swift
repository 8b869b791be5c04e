import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The local terminal as a gateway: each line typed on standard input is a message from the owner, and
/// replies, notifications and 2FA challenges are printed.
///
/// Run it only when standard input is a terminal (``isInteractive``): the person at the keyboard of the
/// machine is the owner, which is also why it is the one gateway that may show a new 2FA secret.
public final class ConsoleGateway: Gateway, Service {
    /// The console's channel name.
    public static let channelName = "console"

    /// `console`.
    public var channel: String { Self.channelName }
    /// The owner is at the terminal.
    public var deliversChallenges: Bool { true }

    let handler: any ChatMessageHandler
    let lines: @Sendable () -> String?
    let write: @Sendable (String) -> Void
    let maximumConcurrentMessages: Int

    /// Creates a console gateway.
    /// - Parameters:
    ///   - handler: Receives each line as a message.
    ///   - maximumConcurrentMessages: Lines handled at once; 4 by default.
    ///   - readLine: Reads the next line, `nil` at the end (standard input by default).
    ///   - write: Prints a reply (standard output by default).
    public init(
        handler: any ChatMessageHandler, maximumConcurrentMessages: Int = 4,
        readLine: @escaping @Sendable () -> String? = { Swift.readLine(strippingNewline: true) },
        write: @escaping @Sendable (String) -> Void = { text in FileHandle.standardOutput.write(Data((text + "\n").utf8)) }
    ) {
        self.handler = handler
        self.lines = readLine
        self.write = write
        self.maximumConcurrentMessages = max(1, maximumConcurrentMessages)
    }

    /// Whether standard input and output are a terminal.
    public static var isInteractive: Bool { isatty(0) == 1 && isatty(1) == 1 }

    /// Prints the text.
    public func send(_ text: String, to chatID: String?) async throws(GatewayError) {
        write(text)
    }

    /// Reads lines until the end of input, cancellation or graceful shutdown; each line is handled in its
    /// own task so that a command waiting for a 2FA code does not block the line that carries it.
    public func run() async throws {
        let input = AsyncStream<String> { continuation in
            // A blocking read belongs on its own thread, not on the cooperative pool.
            let thread = Thread { [lines] in
                while let line = lines() { continuation.yield(line) }
                continuation.finish()
            }
            thread.start()
        }
        write("Claw console: type /help. Ctrl-D stops reading the console.")
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for await line in input.cancelOnGracefulShutdown() {
                let text = line.trimmingCharacters(in: .whitespaces)
                guard !text.isEmpty else { continue }
                if running >= maximumConcurrentMessages {
                    await group.next()
                    running -= 1
                }
                running += 1
                let message = InboundMessage(channel: channel, chatID: Self.channelName, senderID: "owner", text: text)
                group.addTask { [handler, write] in write(await handler.handle(message)) }
            }
        }
    }
}
