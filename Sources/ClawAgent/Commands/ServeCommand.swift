import ArgumentParser
import ClawGateways
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `claw serve`: the reference agent.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the agent: HTTP (MCP, webhooks, Discord interactions), the chat gateways and the scheduler.",
        discussion: """
            State lives in CLAW_DATABASE_URL, or in SQLite under $CLAW_HOME (./.claw by default, mode 0700). \
            Without SECRET_KEY_BASE, a new one is generated on the first start into $CLAW_HOME/secret_key_base \
            (mode 0600); every other claw command reads it from there. Gateways, skills and keys are configured \
            with `claw settings set` (see README.md); `claw doctor` reviews the configuration. Stops gracefully \
            on SIGINT or SIGTERM.
            """)

    @OptionGroup var listen: ListenOptions

    @Flag(help: "Do not read commands from the terminal even when there is one.")
    var noConsole = false

    func run() async throws {
        var options = try listen.options()
        options.console = !noConsole && ConsoleGateway.isInteractive
        let logger = Self.logger()
        let database = try await StateDatabase.open()
        let (keyRing, source) = try await StateDatabase.keyRingCreatingIfNew(database: database)
        if case .generated(let path) = source {
            logger.notice("generated a new SECRET_KEY_BASE (mode 0600); back it up: sealed settings cannot be opened without it", metadata: ["file": "\(path)"])
        } else {
            logger.info("SECRET_KEY_BASE", metadata: ["from": "\(source)", "key_id": "\(keyRing.currentKeyID)"])
        }
        logger.info("state", metadata: ["database": "\(database.location)"])
        let assembly: AgentAssembly
        do {
            let scheme = options.tls == nil ? "http" : "https"
            let host = options.host
            assembly = try await AgentAssembly.make(options: options, database: database, keyRing: keyRing, logger: logger) { bound in
                logger.info("serving", metadata: ["address": "\(host):\(bound)"])
                FileHandle.standardOutput.write(Data("claw: serving on \(scheme)://\(host):\(bound)\n".utf8))
            }
        } catch {
            await database.close()
            throw error
        }
        for line in assembly.summary { logger.info("\(line)") }
        let group = assembly.group(logger: logger)
        do {
            try await group.run()
        } catch {
            await database.close()
            throw error
        }
        await database.close()
        logger.info("stopped")
    }

    /// Logs at info level to standard error; nothing logged carries a secret.
    static func logger() -> Logger {
        var logger = Logger(label: "claw")
        logger.logLevel = .info
        return logger
    }
}

/// Where and how `claw serve` and `claw mcp serve` listen.
struct ListenOptions: ParsableArguments {
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

    @Flag(help: "Allow binding a non-loopback address without TLS (bearer tokens would cross the network in the clear).")
    var insecureNoTLS = false

    /// Checks the options: a valid port, TLS files in pairs, and no plain network bind unless asked for.
    func options() throws -> AgentAssembly.Options {
        guard (0...65535).contains(port) else { throw CommandFailure.fail("--port must be 0 to 65535") }
        if tlsCertificate == nil, !LoopbackHost.contains(host), !insecureNoTLS {
            throw CommandFailure.fail("\(host) is not a loopback address: serve it with --tls-certificate and --tls-key (or --insecure-no-tls)")
        }
        guard (tlsCertificate == nil) == (tlsKey == nil) else { throw CommandFailure.fail("--tls-certificate and --tls-key go together") }
        guard maxBodyBytes > 0 else { throw CommandFailure.fail("--max-body-bytes must be positive") }
        var options = AgentAssembly.Options()
        options.host = host
        options.port = port
        options.tls = tlsCertificate.map { HTTPServerConfiguration.TLSFiles(certificatePath: $0, privateKeyPath: tlsKey!) }
        options.maximumBodyBytes = maxBodyBytes
        return options
    }
}
