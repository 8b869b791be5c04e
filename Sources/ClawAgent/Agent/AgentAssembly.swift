import AsyncHTTPClient
import ClawGateways
import ClawSkills
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// The reference agent wired together from the libraries: the skills and their services, the one runtime
/// and executor, the 2FA broker, the chat dispatcher and gateways, MCP, webhooks and the scheduler, all
/// read from the state database's settings. `claw serve` runs it; `claw mcp serve` runs it without chat.
struct AgentAssembly {
    /// What `claw serve` was asked for on its command line.
    struct Options {
        var host = "127.0.0.1"
        var port = 5001
        var tls: HTTPServerConfiguration.TLSFiles?
        var maximumBodyBytes = 1 << 20
        var chat = true
        var console = false
    }

    let services: [ServiceGroupConfiguration.ServiceConfiguration]
    let summary: [String]

    /// The service group that runs everything, stopping gracefully on SIGINT and SIGTERM.
    func group(logger: Logger) -> ServiceGroup {
        ServiceGroup(configuration: ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigint, .sigterm], logger: logger))
    }

    /// Builds everything; configuration problems are one line each and stop the start.
    static func make(
        options: Options, database: ClawDatabase, keyRing: KeyRing, logger: Logger,
        onBound: @escaping @Sendable (Int) async -> Void
    ) async throws -> AgentAssembly {
        let settings = database.settings(keyRing: keyRing)
        let reader = SettingsReader(settings: settings)
        var summary = [String]()
        let policies = PolicySynchronizer(database: database)
        let revocations = RevocationList(database: database)
        let audit = AuditLog(store: database.audit, keyRing: keyRing)

        // Skills: the built-ins, memory, notify, the web, and what settings enable.
        let registry = SkillRegistry()
        try registry.guarded { try BuiltinSkills.register(in: registry) }
        let allow = try await reader.list("web.allow").map { item in try CommandFailure.guarding { try NetworkAllowance(parsing: item) } }
        let fetcher = WebFetcher(configuration: .init(allow: allow), logger: logger)
        try registry.guarded {
            try registry.register(MemorySkill(store: database.memory), isCore: true)
            try registry.register(NotifySkill(), isCore: true)
            try registry.register(WebFetchSkill(fetcher: fetcher), isCore: true)
            try registry.register(RSSFetchSkill(fetcher: fetcher), isCore: true)
        }
        let llmProvider: (any LLMProvider)?
        do {
            llmProvider = try await LLMConfiguration.load(from: settings, audit: audit)?.makeProvider()
        } catch {
            throw CommandFailure.fail("the LLM configuration: \(error.description)")
        }
        if let llmProvider {
            try registry.guarded { try registry.register(LLMSkill(provider: llmProvider), isCore: true) }
            summary.append("llm: \(llmProvider.name)")
        }
        if try await reader.flag("shell.enabled") {
            let rules = try await reader.lines("shell.allow")
            let folder = try Self.shellFolder(configured: try await reader.value("shell.working_directory"), home: StateDatabase.home)
            let configuration = try CommandFailure.guarding {
                try ShellSkill.Configuration(enabled: true, parsingRules: rules, workingDirectory: folder)
            }
            try registry.guarded { try registry.register(ShellSkill(configuration: configuration), isCore: true) }
            summary.append("shell: on, \(configuration.rules.count) allow rule(s), every run needs 2FA")
        }

        // The one path: runtime, executor, approvals.
        let hub = GatewayHub()
        let broker = TwoFactorBroker(store: database.twoFactor(keyRing: keyRing), hub: hub, audit: audit, logger: logger)
        let sender: CoreServices.Sender = { message, recipient in
            // Marked as a notification, so that no skill, workflow or injected text can pass for a 2FA
            // challenge (those start with 🔐) and phish a code.
            let text = "📣 Notification:\n" + message
            let parts = recipient.split(separator: ":", maxSplits: 1).map(String.init)
            let channel = parts.first ?? ""
            if channel.isEmpty {
                guard let first = hub.challengeGateways.first else { throw GatewayError(.noGateway, "no gateway reaches the owner") }
                try await first.send(text, to: nil)
            } else {
                try await hub.send(text, channel: channel, to: parts.count > 1 ? parts[1] : nil)
            }
        }
        let runtime = SkillRuntime(
            registry: registry, keyRing: keyRing, policy: policies.engine, audit: audit,
            services: CoreServices(llm: llmProvider, fetcher: fetcher, memory: database.memory, sender: sender), approvals: broker,
            // Longer than the skills' own limits (shell 30 s, web 15 s, model 60 s), so they report their own
            // timeouts; waiting for a 2FA answer does not count.
            configuration: .init(timeout: .seconds(90)))
        let executor = WorkflowExecutor(runtime: runtime, store: database.runs)
        // A service that ends (the console at the end of input) leaves the others running; one that fails stops
        // them all.
        let always: [any Service] = [policies, revocations, AuditPruningService(log: audit)]
        var services = always.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
        func optional(_ service: any Service) -> ServiceGroupConfiguration.ServiceConfiguration {
            .init(service: service, successTerminationBehavior: .ignore)
        }

        // Chat gateways.
        var discord: DiscordInteractions?
        if options.chat {
            let dispatcher = CommandDispatcher(
                runtime: runtime, executor: executor, database: database, policy: policies.engine, audit: audit, broker: broker, hub: hub,
                logger: logger)
            if let telegram = try await telegramGateway(reader: reader, settings: settings, audit: audit, dispatcher: dispatcher, logger: logger) {
                hub.register(telegram)
                services.append(.init(service: telegram))
                summary.append("telegram: chat \(telegram.configuration.chatID)")
            }
            if let (interactions, gateway) = try await discordGateways(reader: reader, audit: audit, dispatcher: dispatcher, logger: logger) {
                discord = interactions
                services.append(.init(service: interactions))
                if let gateway { hub.register(gateway) }
                summary.append("discord: interactions at /discord/interactions")
            }
            if options.console {
                let console = ConsoleGateway(handler: dispatcher)
                hub.register(console)
                services.append(optional(console))
                summary.append("console: on")
            }
        }
        if hub.challengeGateways.isEmpty {
            summary.append("2FA: no gateway can deliver challenges; actions that need approval are refused")
        }

        // MCP, webhooks, the scheduler and the HTTP server.
        let endpoint = MCPEndpoint(
            keyRing: keyRing, registry: registry, runtime: runtime, executor: executor, policy: policies.engine, audit: audit,
            database: database, revocations: revocations, logger: logger)
        let github = try await githubWebhooks(reader: reader, settings: settings, database: database, audit: audit, executor: executor)
        if github != nil { summary.append("github webhooks: /webhooks/github") }
        let workflows = try await StateDatabase.guarding { () async throws(StorageError) in try await database.workflows.enabled() }
        let scheduler: Scheduler<ContinuousClock>
        do {
            scheduler = try Scheduler(executor: executor, workflows: workflows, clock: ContinuousClock())
        } catch {
            throw CommandFailure.fail(error.description)
        }
        services.append(.init(service: endpoint))
        services.append(.init(service: scheduler))
        // Workflows saved, changed or deleted while the agent runs are scheduled without a restart.
        services.append(.init(service: ScheduleSynchronizer(database: database, scheduler: scheduler, logger: logger)))
        let configuration = HTTPServerConfiguration(
            host: options.host, port: options.port, tls: options.tls, maximumBodyBytes: options.maximumBodyBytes)
        services.append(.init(service: ClawHTTPServer(
            configuration: configuration, mcp: endpoint, github: github, discord: discord, logger: logger, onRunning: onBound)))
        summary.append("skills: \(registry.list().map(\.name).sorted().joined(separator: ", "))")
        summary.append("scheduled workflows: \(workflows.filter { $0.schedule != nil }.count)")
        return AgentAssembly(services: services, summary: summary)
    }

    /// The shell's working directory: the configured one, which must be the agent user's own and writable by
    /// nobody else, or `$CLAW_HOME/shell` (0700), never a shared folder such as `/tmp`, where another user could
    /// plant files (a repository with hooks, a `.curlrc`) that an approved command would obey.
    static func shellFolder(configured: String?, home: URL) throws -> String {
        let path = configured ?? home.appendingPathComponent("shell").path
        if configured == nil, !FileManager.default.fileExists(atPath: path) {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw CommandFailure.fail("cannot create the shell's folder \(path)")
            }
        }
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { throw CommandFailure.fail("shell.working_directory \(path) is not a folder") }
        guard info.st_uid == geteuid(), info.st_mode & 0o022 == 0 else {
            throw CommandFailure.fail("shell.working_directory \(path) must belong to this user and be writable by nobody else")
        }
        return path
    }

    /// An API base URL from the settings: https, or http to a loopback address only (bot tokens travel in it).
    static func apiBaseURL(_ text: String, setting: String) throws -> String {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, url.user == nil else {
            throw CommandFailure.fail("\(setting) is not a URL")
        }
        guard scheme == "https" || (scheme == "http" && LoopbackHost.contains(host)) else {
            throw CommandFailure.fail("\(setting) must be https (http only to a loopback address)")
        }
        return text
    }

    /// The chat APIs' client: it follows no redirect, so a bot token in a URL or header can never be carried
    /// to another host (AsyncHTTPClient's shared client follows up to 20).
    static var noRedirects: HTTPClient { LLMHTTPClient.shared }

    static func telegramGateway(
        reader: SettingsReader, settings: SettingsStore, audit: AuditLog, dispatcher: CommandDispatcher, logger: Logger
    ) async throws -> TelegramGateway? {
        guard let token = try await reader.secret(.telegramBotToken, purpose: "telegram gateway", audit: audit) else { return nil }
        guard let chat = try await reader.value(SettingKey.telegramChatID.name).flatMap({ Int64($0) }) else {
            throw CommandFailure.fail("telegram.bot_token is set but telegram.chat_id is not a chat id")
        }
        var allowed = Set<Int64>()
        for item in try await reader.list(SettingKey.telegramAllowedUserIDs.name) {
            guard let id = Int64(item) else { throw CommandFailure.fail("telegram.allowed_user_ids holds '\(item.prefix(40))', not a user id") }
            allowed.insert(id)
        }
        if allowed.isEmpty, chat > 0 { allowed = [chat] }  // a private chat's id is its user's id
        var configuration = TelegramGateway.Configuration(botToken: token, chatID: chat, allowedSenderIDs: allowed)
        configuration.maximumMessageAge = 600
        if let base = try await reader.value("telegram.api_base_url") {
            configuration.apiBaseURL = try apiBaseURL(base, setting: "telegram.api_base_url")
        }
        do {
            return try TelegramGateway(
                configuration: configuration, handler: dispatcher, offsets: SettingsTelegramOffsetStore(settings: settings), audit: audit,
                httpClient: noRedirects, logger: logger)
        } catch {
            throw CommandFailure.fail("the Telegram configuration: \(error.reason)")
        }
    }

    static func discordGateways(
        reader: SettingsReader, audit: AuditLog, dispatcher: CommandDispatcher, logger: Logger
    ) async throws -> (DiscordInteractions, DiscordGateway?)? {
        guard let publicKey = try await reader.value(SettingKey.discordPublicKey.name) else { return nil }
        guard let application = try await reader.value(SettingKey.discordApplicationID.name) else {
            throw CommandFailure.fail("discord.public_key is set but discord.application_id is not")
        }
        let base = try apiBaseURL(try await reader.value("discord.api_base_url") ?? "https://discord.com/api/v10", setting: "discord.api_base_url")
        do {
            let interactions = try DiscordInteractions(
                configuration: .init(
                    publicKey: publicKey, applicationID: application, guildIDs: Set(try await reader.list(SettingKey.discordGuildIDs.name)),
                    allowedUserIDs: Set(try await reader.list(SettingKey.discordAllowedUserIDs.name)), apiBaseURL: base),
                handler: dispatcher, audit: audit, httpClient: noRedirects, logger: logger)
            var gateway: DiscordGateway?
            if let token = try await reader.secret(.discordBotToken, purpose: "discord gateway", audit: audit) {
                gateway = try DiscordGateway(
                    configuration: .init(
                        botToken: token, ownerChannelID: try await reader.value(SettingKey.discordOwnerChannelID.name), apiBaseURL: base),
                    httpClient: noRedirects, logger: logger)
            }
            return (interactions, gateway)
        } catch let error as GatewayError {
            throw CommandFailure.fail("the Discord configuration: \(error.reason)")
        }
    }

    /// The webhook endpoint, when a secret is configured: the sealed setting (revealed with an audit entry)
    /// or the environment; bindings from `github.events.<event>` settings.
    static func githubWebhooks(
        reader: SettingsReader, settings: SettingsStore, database: ClawDatabase, audit: AuditLog, executor: WorkflowExecutor
    ) async throws -> GitHubWebhooks? {
        var secret = ProcessInfo.processInfo.environment["GITHUB_WEBHOOK_SECRET"].flatMap { $0.isEmpty ? nil : $0 }
        if secret == nil { secret = try await reader.secret(.githubWebhookSecret, purpose: "GitHub webhooks", audit: audit) }
        guard let secret else { return nil }
        var bindings = [String: [String]]()
        let all = try await StateDatabase.guarding { () async throws(StorageError) in try await settings.all() }
        for setting in all where setting.name.hasPrefix("github.events.") {
            let event = String(setting.name.dropFirst("github.events.".count))
            bindings[event] = SettingsReader.split(setting.value ?? "")
        }
        return GitHubWebhooks(configuration: .init(secret: secret, bindings: bindings), executor: executor, database: database, audit: audit)
    }
}

extension SkillRegistry {
    /// Registers, turning a ``WorkflowError`` into a one-line failure.
    func guarded(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as WorkflowError {
            throw CommandFailure.fail(error.description)
        }
    }
}
