import ArgumentParser
import ClawSecurity
import Foundation

/// `claw config`: seal and open settings with SECRET_KEY_BASE.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Encrypt and decrypt stored settings (SECRET_KEY_BASE from the environment).",
        subcommands: [Encrypt.self, Decrypt.self]
    )

    /// The stored layouts `encrypt` can write.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case claw
        case alexclaw
    }

    struct Encrypt: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a plaintext on standard input and print its sealed form.",
            discussion: """
                One trailing line break is removed from the input (use --keep-newline to keep it). The \
                claw format binds the value to --name; the alexclaw format is AlexClaw's enc: layout, \
                which binds no name.
                """
        )

        @Option(help: "The setting's name; opening under another name fails.")
        var name: String

        @Option(help: "The stored layout: claw (default) or alexclaw.")
        var format: Format = .claw

        @Flag(help: "Keep a trailing line break in the input.")
        var keepNewline = false

        func run() throws {
            let box = SecretBox(keyRing: try StateDatabase.keyRing())
            var input = try StandardStreams.readInput(limit: box.configuration.maximumPlaintextBytes + 2)
            if !keepNewline { input = StandardStreams.droppingTrailingNewline(input) }
            let sealed = try CommandFailure.guarding {
                switch format {
                case .claw: try box.seal(input, name: name)
                case .alexclaw: try box.sealAlexClaw(input)
                }
            }
            print(sealed)
        }
    }

    struct Decrypt: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a sealed value on standard input and write its plaintext to standard output.",
            discussion: "Leading and trailing white space around the sealed value is ignored."
        )

        @Option(help: "The setting's name the value was sealed under.")
        var name: String

        func run() throws {
            let box = SecretBox(keyRing: try StateDatabase.keyRing())
            let input = try StandardStreams.readInput(limit: 4 * box.configuration.maximumPlaintextBytes)
            guard let text = String(validating: input, as: UTF8.self) else {
                throw CommandFailure.fail("the sealed value is not UTF-8 text")
            }
            let stored = text.trimmingCharacters(in: .whitespacesAndNewlines)
            let plain = try CommandFailure.guarding { try box.open(stored, name: name) }
            StandardStreams.write(plain)
        }
    }
}
