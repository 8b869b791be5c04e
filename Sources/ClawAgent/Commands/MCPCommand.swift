import ArgumentParser
import ClawGateways
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `claw mcp`: MCP bearer tokens, and the MCP server on its own.
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Create and revoke MCP bearer tokens; serve MCP over HTTP.",
        subcommands: [Token.self, Serve.self]
    )

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "MCP bearer tokens (capability tokens under SECRET_KEY_BASE).", subcommands: [Create.self, Revoke.self])
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a new MCP bearer token and its id.",
            discussion: """
                Give the token to an MCP client as `Authorization: Bearer <token>`. Narrow it further with \
                `claw token attenuate` before handing it over if you like. Rotating SECRET_KEY_BASE \
                (`claw rotate-key`) invalidates every token; `claw mcp token revoke ID` one of them.
                """)

        @Option(help: "Lifetime: 30d, 12h, 45m or 3600s.")
        var expires: String?

        @Option(help: "Comma-separated tool globs the token may use, such as 'skill:web_*,claw_sanitize'.")
        var tools: String?

        @Flag(help: "List tools and read resources only; no tools/call.")
        var readOnly = false

        func run() async throws {
            let keyRing = try StateDatabase.keyRing()
            var lifetime: TimeInterval?
            if let expires {
                guard let parsed = MCPTokens.parseLifetime(expires) else {
                    throw CommandFailure.fail("--expires takes a number and a unit (d, h, m or s), such as 30d")
                }
                lifetime = parsed
            }
            let globs = tools.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
            let created = try CommandFailure.guarding { try MCPTokens(keyRing: keyRing).create(expiresIn: lifetime, tools: globs, readOnly: readOnly) }
            print(created.token.serialized())
            FileHandle.standardError.write(Data("token id: \(created.id)\n".utf8))
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by its id (every server sharing the database drops it at once).")

        @Argument(help: "The token id (mcp:…), as `create` printed it.")
        var id: String

        func run() async throws {
            guard id.hasPrefix(MCPTokens.identifierPrefix), id.utf8.count <= 128 else {
                throw CommandFailure.fail("an MCP token id looks like mcp:<32 hex digits>")
            }
            let database = try await StateDatabase.open()
            let fresh = try await StateDatabase.guarding { () async throws(StorageError) in
                try await database.revocations.revoke(id, note: "claw mcp token revoke")
            }
            await database.close()
            print(fresh ? "revoked \(id)" : "\(id) was already revoked")
        }
    }

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve /mcp, /healthz and (when a webhook secret is set) /webhooks/github over HTTP, without the chat gateways.",
            discussion: """
                Skills: the built-in ones. Workflows, policies, settings, runs and the audit chain come from the \
                state database. GitHub webhooks are served when the setting github.webhook_secret (sealed) or \
                GITHUB_WEBHOOK_SECRET holds the secret; the settings github.events.<event> (such as \
                github.events.push = nightly,triage) bind events to workflows. Stops gracefully on SIGINT or SIGTERM.
                """)

        @OptionGroup var listen: ListenOptions

        func run() async throws {
            var options = try listen.options()
            options.chat = false
            let keyRing = try StateDatabase.keyRing()
            let logger = ServeCommand.logger()
            let database = try await StateDatabase.open()
            let assembly: AgentAssembly
            let host = options.host
            do {
                assembly = try await AgentAssembly.make(options: options, database: database, keyRing: keyRing, logger: logger) { bound in
                    logger.info("serving", metadata: ["address": "\(host):\(bound)", "database": "\(database.location)"])
                }
            } catch {
                await database.close()
                throw error
            }
            let group = assembly.group(logger: logger)
            try await group.run()
            await database.close()
        }
    }
}
