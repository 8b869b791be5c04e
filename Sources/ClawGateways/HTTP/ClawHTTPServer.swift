import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle

/// Claw's HTTP server: `GET /healthz`, the MCP endpoint at `/mcp`, Discord interactions at `/discord/interactions` and GitHub webhooks at
/// `/webhooks/github`, on Hummingbird, as a ServiceLifecycle `Service` with graceful shutdown.
///
/// It binds 127.0.0.1 unless told otherwise; bodies past the limit get 413; idle connections close;
/// errors carry a status and a short message, never internal detail. Bound to loopback, it refuses a
/// request whose `Host` is not a loopback name or whose `Origin` is not a loopback or allowed origin
/// (DNS rebinding).
public final class ClawHTTPServer: Service, Sendable {
    /// How it listens.
    public let configuration: HTTPServerConfiguration
    let mcp: MCPEndpoint?
    let github: GitHubWebhooks?
    let discord: DiscordInteractions?
    let logger: Logger
    let onRunning: @Sendable (Int) async -> Void

    /// Creates the server.
    /// - Parameters:
    ///   - configuration: Address, TLS and limits.
    ///   - mcp: The MCP endpoint, or `nil` to leave `/mcp` unrouted.
    ///   - github: The GitHub webhook endpoint, or `nil`.
    ///   - discord: The Discord interactions endpoint (`POST /discord/interactions`), or `nil` to leave it
    ///     unrouted. Its own ``DiscordInteractions/run()`` must run too (as another service).
    ///   - logger: Where requests and failures are logged (no bodies, no tokens).
    ///   - onRunning: Called with the bound port once the server listens.
    public init(
        configuration: HTTPServerConfiguration = .init(), mcp: MCPEndpoint?, github: GitHubWebhooks?,
        discord: DiscordInteractions? = nil, logger: Logger = Logger(label: "claw.http"), onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.mcp = mcp
        self.github = github
        self.discord = discord
        self.logger = logger
        self.onRunning = onRunning
    }

    /// Serves until cancelled or shut down gracefully; MCP sessions are closed at shutdown.
    public func run() async throws {
        let app = try makeApplication()
        try await withGracefulShutdownHandler {
            try await app.run()
        } onGracefulShutdown: { [mcp] in
            mcp?.closeAllSessions()
        }
    }

    /// The Hummingbird application (for tests that drive it with HummingbirdTesting).
    public func makeApplication() throws -> some ApplicationProtocol {
        let http1 = HTTP1Channel.Configuration(
            idleTimeout: .seconds(configuration.idleTimeoutSeconds),
            httpDecoderConfiguration: .init(maxHeaderFieldSize: configuration.maximumHeaderBytes, maxHeaderListSize: configuration.maximumHeaderBytes))
        var server: HTTPServerBuilder = .http1(configuration: http1)
        if let tls = configuration.tls {
            do {
                let chain = try NIOSSLCertificate.fromPEMFile(tls.certificatePath).map { NIOSSLCertificateSource.certificate($0) }
                let key = try NIOSSLPrivateKey(file: tls.privateKeyPath, format: .pem)
                let tlsConfiguration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
                server = try .tls(server, tlsConfiguration: tlsConfiguration)
            } catch {
                throw HTTPServerError("cannot load the TLS certificate or key (\(type(of: error)))")
            }
        }
        let onRunning = self.onRunning
        return Application(
            router: buildRouter(),
            server: server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "claw"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// The routes.
    public func buildRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: GuardMiddleware(configuration: configuration, logger: logger))
        router.get("/healthz") { _, _ -> Response in
            Self.json(200, ["status": "ok"])
        }
        let limit = configuration.maximumBodyBytes
        if let mcp {
            router.post("/mcp") { request, _ -> Response in
                let body = try await Self.body(request, limit: limit)
                return Self.response(await mcp.post(headers: Self.headers(request), body: body))
            }
            router.get("/mcp") { request, _ -> Response in
                switch mcp.stream(headers: Self.headers(request)) {
                case .failure(let reply):
                    return Self.response(reply)
                case .success(let stream):
                    var headers = HTTPFields()
                    headers[.contentType] = "text/event-stream"
                    headers[.cacheControl] = "no-cache"
                    return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                        for await message in stream {
                            var bytes = Array("event: message\ndata: ".utf8)
                            message.write(into: &bytes)
                            bytes += Array("\n\n".utf8)
                            try await writer.write(ByteBuffer(bytes: bytes))
                        }
                        try await writer.finish(nil)
                    })
                }
            }
            router.delete("/mcp") { request, _ -> Response in
                Self.response(mcp.delete(headers: Self.headers(request)))
            }
        }
        if let github {
            router.post("/webhooks/github") { request, _ -> Response in
                let body = try await Self.body(request, limit: limit)
                return Self.response(await github.handle(headers: Self.headers(request), body: body).reply)
            }
        }
        if let discord {
            router.post("/discord/interactions") { request, _ -> Response in
                let body = try await Self.body(request, limit: limit)
                return Self.response(await discord.handle(headers: Self.headers(request), body: body))
            }
        }
        return router
    }

    static func body(_ request: Request, limit: Int) async throws -> [UInt8] {
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw HTTPError(.contentTooLarge, message: "the body is larger than \(limit) bytes")
        }
    }

    static func headers(_ request: Request) -> [String: String] {
        var headers = [String: String]()
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        return headers
    }

    static func response(_ reply: MCPReply) -> Response {
        var headers = HTTPFields()
        for (name, value) in reply.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        return Response(
            status: HTTPResponse.Status(code: reply.status), headers: headers,
            body: reply.body.isEmpty ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body)))
    }

    static func json(_ status: Int, _ value: JSONValue) -> Response {
        var bytes = [UInt8]()
        value.write(into: &bytes)
        return Response(
            status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// A server that could not start, with a reason that holds no secret.
public struct HTTPServerError: Error, CustomStringConvertible {
    /// Why.
    public let reason: String
    init(_ reason: String) { self.reason = reason }
    /// The reason.
    public var description: String { reason }
}

/// DNS-rebinding checks and error shaping: every error leaves as `{"error": "<short message>"}`.
struct GuardMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let configuration: HTTPServerConfiguration
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if configuration.isLoopback {
            if let host = request.head.authority, !Self.isLoopbackAuthority(host) {
                return ClawHTTPServer.json(403, ["error": "this server answers loopback host names only"])
            }
            if let origin = request.headers[.origin], !Self.isAllowed(origin: origin, extra: configuration.allowedOrigins) {
                return ClawHTTPServer.json(403, ["error": "origin not allowed"])
            }
        }
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            let status = error.status
            let message = status == .contentTooLarge ? "the body is too large" : (status.code == 404 ? "not found" : status.reasonPhrase)
            return ClawHTTPServer.json(status.code, ["error": .string(message)])
        } catch {
            logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(type(of: error))"])
            return ClawHTTPServer.json(500, ["error": "internal error"])
        }
    }

    static func isLoopbackAuthority(_ authority: String) -> Bool {
        var host = Substring(authority)
        if host.hasPrefix("[") {
            host = host.dropFirst().prefix { $0 != "]" }
        } else if let colon = host.lastIndex(of: ":") {
            host = host[..<colon]
        }
        return HTTPServerConfiguration.isLoopbackName(String(host))
    }

    static func isAllowed(origin: String, extra: [String]) -> Bool {
        if extra.contains(origin) { return true }
        guard let url = URL(string: origin), let scheme = url.scheme, scheme == "http" || scheme == "https", let host = url.host else { return false }
        return HTTPServerConfiguration.isLoopbackName(host)
    }
}
