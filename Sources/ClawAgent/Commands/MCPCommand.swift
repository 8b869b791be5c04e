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
            let keyRing = try CommandFailure.guarding { try KeyRing.fromEnvironment() }
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
            abstract: "Serve /mcp, /healthz and (when a webhook secret is set) /webhooks/github over HTTP.",
            discussion: """
                Skills: the built-in ones. Workflows, policies, settings, runs and the audit chain come from the \
                state database. GitHub webhooks are served when the setting github.webhook_secret (sealed) or \
                GITHUB_WEBHOOK_SECRET holds the secret; the settings github.events.<event> (such as \
                github.events.push = nightly,triage) bind events to workflows. Stops gracefully on SIGINT or SIGTERM.
                """)

        @Option(help: "The address to bind.")
        var host = "127.0.0.1"

        @Option(help: "The port (0 for any free one).")
        var port = 5001

        @Option(help: "A PEM certificate chain, for TLS.")
        var tlsCertificate: String?

        @Option(help: "A PEM private key, for TLS.")
        var tlsKey: String?

        @Option(help: "The largest request body in bytes.")
        var maxBodyBytes = 1 << 20

        func run() async throws {
            guard (0...65535).contains(port) else { throw CommandFailure.fail("--port must be 0 to 65535") }
            guard (tlsCertificate == nil) == (tlsKey == nil) else { throw CommandFailure.fail("--tls-certificate and --tls-key go together") }
            let keyRing = try CommandFailure.guarding { try KeyRing.fromEnvironment() }
            let logger = { var l = Logger(label: "claw"); l.logLevel = .info; return l }()
            let database = try await StateDatabase.open()
            let registry = SkillRegistry()
            try BuiltinSkills.register(in: registry)
            let policies = PolicySynchronizer(database: database)
            let revocations = RevocationList(database: database)
            let audit = AuditLog(store: database.audit, keyRing: keyRing)
            let runtime = SkillRuntime(registry: registry, keyRing: keyRing, policy: policies.engine, audit: audit)
            let executor = WorkflowExecutor(runtime: runtime, store: database.runs)
            let endpoint = MCPEndpoint(
                keyRing: keyRing, registry: registry, runtime: runtime, executor: executor, policy: policies.engine, audit: audit,
                database: database, revocations: revocations, logger: logger)
            let github = try await Self.githubWebhooks(database: database, keyRing: keyRing, audit: audit, executor: executor)
            let configuration = HTTPServerConfiguration(
                host: host, port: port,
                tls: tlsCertificate.map { .init(certificatePath: $0, privateKeyPath: tlsKey!) }, maximumBodyBytes: maxBodyBytes)
            let server = ClawHTTPServer(configuration: configuration, mcp: endpoint, github: github, logger: logger) { bound in
                logger.info("serving", metadata: ["address": "\(host):\(bound)", "database": "\(database.location)"])
            }
            let group = ServiceGroup(
                services: [policies, revocations, AuditPruningService(log: audit), endpoint, server],
                gracefulShutdownSignals: [.sigint, .sigterm], logger: logger)
            try await group.run()
            await database.close()
        }

        /// The webhook endpoint, when a secret is configured: the sealed setting (revealed with an audit entry)
        /// or the environment; bindings from `github.events.<event>` settings.
        static func githubWebhooks(
            database: ClawDatabase, keyRing: KeyRing, audit: AuditLog, executor: WorkflowExecutor
        ) async throws -> GitHubWebhooks? {
            let settings = database.settings(keyRing: keyRing)
            var secret = ProcessInfo.processInfo.environment["GITHUB_WEBHOOK_SECRET"]
            if secret == nil || secret!.isEmpty {
                secret = try await StateDatabase.guarding { () async throws(StorageError) in
                    try await settings.reveal(.githubWebhookSecret, purpose: "claw mcp serve: GitHub webhooks", audit: audit)
                }
            }
            guard let secret, !secret.isEmpty else { return nil }
            var bindings = [String: [String]]()
            let all = try await StateDatabase.guarding { () async throws(StorageError) in try await settings.all() }
            for setting in all where setting.name.hasPrefix("github.events.") {
                let event = String(setting.name.dropFirst("github.events.".count))
                bindings[event] = (setting.value ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            }
            return GitHubWebhooks(configuration: .init(secret: secret, bindings: bindings), executor: executor, database: database, audit: audit)
        }
    }
}
